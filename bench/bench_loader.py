"""How long loading 50 lesson files takes (goal: under 100 ms), and `list` vs `python -c pass`.

Run: .venv/bin/python bench/bench_loader.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tutor.lesson import load_course  # noqa: E402


def best_of(n: int, action) -> float:
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    sources = sorted((REPO / "lessons").glob("*.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(50):
            source = sources[i % len(sources)]
            text = source.read_text(encoding="utf-8")
            lesson_id = next(line for line in text.splitlines() if line.startswith("id:"))
            (folder / f"{i:02}.yaml").write_text(
                text.replace(lesson_id, f"id: copy-{i}", 1), encoding="utf-8"
            )
        course = load_course([folder])
        assert len(course.lessons) == 50 and not course.errors, course.errors
        load = best_of(5, lambda: load_course([folder]))
    print(f"load 50 lesson files: {load * 1000:.1f} ms (goal < 100 ms)")

    python = best_of(5, lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
    listing = best_of(
        5,
        lambda: subprocess.run(
            [sys.executable, "-m", "tutor", "list"], check=True, capture_output=True
        ),
    )
    print(
        f"`coro-tutor list`: {listing * 1000:.0f} ms = {listing / python:.1f}x "
        f"`python -c pass` ({python * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
