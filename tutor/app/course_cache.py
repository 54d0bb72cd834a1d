"""The parsed course, cached between launches so the first frame does not wait for YAML.

Reading and validating every lesson file takes ~30-40 ms; decoding the same lessons from
msgspec JSON takes ~1 ms. The cache is keyed by each file's name, size and mtime, the
loader's own source file, the tutor version and the working directory (error paths are
shown relative to it), like a .pyc: any change and the files are read again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import msgspec

from tutor import __version__
from tutor.files import atomic_write
from tutor.lesson import Course, Lesson, LessonError, lesson_files, load_course


class _Cached(msgspec.Struct):
    key: str
    lessons: list[Lesson]
    errors: list[tuple[str, int, str]]


def _key(folder: Path) -> str | None:
    import tutor.lesson

    parts = [__version__, os.getcwd(), str(folder)]
    try:
        for path in [Path(tutor.lesson.__file__), *lesson_files([folder])]:
            stat = path.stat()
            parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    except OSError:
        return None
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()


def _cache_file(folder: Path) -> Path:
    from tutor.paths import cache_dir

    name = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:16]
    return cache_dir() / f"course-{name}.json"


def load_course_cached(folder: Path) -> tuple[Course, Callable[[], None]]:
    """The course in `folder`, and a function that saves it to the cache when it was read
    from the files (it does nothing on a cache hit). The app calls it at once: a tutor
    that is closed right after its first frame must still leave the cache behind."""
    key = _key(folder) if folder.is_dir() else None
    if key is not None:
        try:
            cached = msgspec.json.decode(_cache_file(folder).read_bytes(), type=_Cached)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError, ValueError):
            cached = None
        if cached is not None and cached.key == key:
            course = Course(
                lessons=cached.lessons,
                errors=[LessonError(path, line, message) for path, line, message in cached.errors],
            )
            return course, lambda: None
    course = load_course([folder])

    def save() -> None:
        if key is None:
            return
        data = _Cached(
            key=key,
            lessons=course.lessons,
            errors=[(e.path, e.line, e.message) for e in course.errors],
        )
        try:
            atomic_write(_cache_file(folder), msgspec.json.encode(data))
        except OSError:
            pass  # a cache that cannot be written only costs time

    return course, save
