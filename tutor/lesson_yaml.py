"""Reading a lesson file safely, and turning its YAML into plain data with line numbers.

Anything in a lessons folder may be hostile or broken: a FIFO named `x.yaml`, a symlink to
/dev/zero, a symlink loop, a YAML alias bomb, a nesting 100k deep. Each becomes one
:class:`LoadError` (a line and a sentence), never a hang, a traceback or a MemoryError,
so the other lessons still load at once.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MAX_BYTES = 1 << 20
"""A lesson file larger than this (1 MiB) is refused; the largest shipped one is ~20 KB."""
MAX_VALUES = 20_000
"""Values produced once aliases are expanded: the largest shipped lesson has about 450, an
alias bomb billions."""
MAX_DEPTH = 64
"""Nesting of mappings and lists; a lesson needs about six."""


TYPE_CHECKING = False
if TYPE_CHECKING:
    import yaml

    Loc = tuple[str | int, ...]
    """Where a value sits in a lesson's data: keys and list indexes from the top."""


class LoadError(Exception):
    """A lesson file that cannot be read or parsed, at a line (1-based)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class Located:
    """Line numbers (1-based) of every value and mapping key, by path."""

    def __init__(self) -> None:
        self.value: dict[Loc, int] = {}
        self.key: dict[Loc, int] = {}

    def line(self, loc: Loc, key: str | None = None) -> int:
        if key is not None and loc + (key,) in self.key:
            return self.key[loc + (key,)]
        while loc not in self.value and loc:
            loc = loc[:-1]
        return self.value.get(loc, 1)


def read_lesson_text(path: Path) -> str:
    """The file's text, if it is a regular file of at most MAX_BYTES of UTF-8.

    Opened non-blocking (a FIFO never blocks the open or the read) and checked with fstat
    after the open, so what is checked is what is read (no race with a swapped file).
    Symlinks to regular files are followed: authors link lessons into a folder.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise LoadError(1, _open_problem(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(1, f"not a regular file ({_kind(info.st_mode)}): only files are read")
        if info.st_size > MAX_BYTES:
            raise LoadError(1, _too_big(info.st_size))
        chunks, total = [], 0
        while total <= MAX_BYTES:
            chunk = os.read(fd, MAX_BYTES + 1 - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_BYTES:
            raise LoadError(1, _too_big(total))
    except OSError as exc:
        raise LoadError(1, f"cannot read the file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(1, f"cannot read the file: not UTF-8 text ({exc.reason})") from None


def _open_problem(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "cannot read the file: it is a symlink loop"
    if exc.errno == errno.ENOENT:
        return "no such file or folder"
    return f"cannot read the file: {exc.strerror or exc}"


def _too_big(size: int) -> str:
    return f"the file is {size // 1024} KiB or more: a lesson file may be at most 1024 KiB"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def compose(text: str) -> tuple[yaml.Node | None, yaml.SafeLoader]:
    """The YAML node tree of `text` (None for an empty document), and its loader.

    Raises yaml.YAMLError for malformed YAML; the caller disposes of the loader.
    """
    import yaml  # ~20 ms, paid only when a file is parsed (the app reads a cache)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        return loader.get_single_node(), loader
    except BaseException:
        loader.dispose()
        raise


def plain(node: yaml.Node, where: Located, loader: yaml.SafeLoader) -> object:
    """Turn a composed YAML node into plain data, noting the line of every part.

    Aliases are expanded here, so this is where an alias bomb or a recursive alias is
    stopped: at most MAX_VALUES values and MAX_DEPTH levels.
    """
    import yaml

    budget = [MAX_VALUES]
    return _plain(node, (), where, loader, budget, yaml.MappingNode, yaml.SequenceNode)


def _plain(
    node: yaml.Node,
    loc: Loc,
    where: Located,
    loader: yaml.SafeLoader,
    budget: list[int],
    mapping: type[yaml.MappingNode],
    sequence: type[yaml.SequenceNode],
) -> object:
    line = node.start_mark.line + 1
    budget[0] -= 1
    if budget[0] < 0:
        raise LoadError(
            line,
            f"more than {MAX_VALUES} values once aliases are expanded: a lesson needs far fewer",
        )
    if len(loc) > MAX_DEPTH:
        raise LoadError(
            line, f"nested more than {MAX_DEPTH} levels deep (or an alias that contains itself)"
        )
    where.value[loc] = line
    if isinstance(node, mapping):
        out: dict[str, object] = {}

        for key_node, value_node in node.value:
            if isinstance(key_node, (mapping, sequence)):
                raise LoadError(key_node.start_mark.line + 1, "a key must be a plain word")
            key = key_node.value
            if key in out:
                raise LoadError(key_node.start_mark.line + 1, f"duplicate key `{key}`")
            where.key[loc + (key,)] = key_node.start_mark.line + 1
            out[key] = _plain(value_node, loc + (key,), where, loader, budget, mapping, sequence)
        return out
    if isinstance(node, sequence):
        return [
            _plain(item, loc + (i,), where, loader, budget, mapping, sequence)
            for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)
