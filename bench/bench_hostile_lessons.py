"""`coro-tutor list` on a lessons folder holding hostile files (a YAML alias bomb, a FIFO, a
symlink to /dev/zero, a symlink loop, a 2 MB file), against the same folder without them.

Goal (issue 12, item 6): the hostile files cost next to nothing: each is refused at once
with one `file:line: message`, and `list` ends within a second. Medians of fresh processes.

    .venv/bin/python bench/bench_hostile_lessons.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n"
    for i in range(9)
)


def folder(root: Path, hostile: bool) -> Path:
    lessons = root / ("hostile" if hostile else "plain")
    shutil.copytree(REPO / "lessons", lessons)
    if hostile:
        (lessons / "bomb.yaml").write_text(BOMB)
        os.mkfifo(lessons / "fifo.yaml")
        os.symlink("/dev/zero", lessons / "zero.yaml")
        os.symlink("loop2.yaml", lessons / "loop1.yaml")
        os.symlink("loop1.yaml", lessons / "loop2.yaml")
        (lessons / "huge.yaml").write_text("# padding\n" * 200_000)
    return lessons


def one(lessons: Path, home: str) -> float:
    env = {**os.environ, "CORO_TUTOR_HOME": home}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tutor", "list", "--lessons", str(lessons)],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=120,
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        plain, hostile = folder(root, False), folder(root, True)
        times: dict[str, list[float]] = {"plain": [], "hostile": []}
        for _ in range(args.runs):
            times["plain"].append(one(plain, scratch))
            times["hostile"].append(one(hostile, scratch))
    p, h = (statistics.median(times[k]) for k in ("plain", "hostile"))
    print(f"list, shipped lessons:                  {p * 1000:7.1f} ms (median of {args.runs})")
    print(f"list, the same + 6 hostile files:       {h * 1000:7.1f} ms")
    print(f"ratio hostile / plain:                  {h / p:7.2f}x   (goal: ends within 1 s)")


if __name__ == "__main__":
    main()
