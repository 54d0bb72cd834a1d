"""`coro-tutor` cold start to its first painted frame, against a bare one-widget Textual app.

Each run is a fresh `python` process on a pseudo-terminal (so Textual's real driver paints).
The clock starts before the process is spawned and stops when the app has written its first
frame that shows a widget (for coro-tutor: the course screen, with an empty progress home).
Runs alternate between the two apps; medians are compared. Goal (DESIGN.md): <= 1.5x.

    .venv/bin/python bench/bench_startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import pty
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import os, sys
fd = int(sys.argv[2])
import textual.app

_display = textual.app.App._display

def display(self, screen, renderable):
    _display(self, screen, renderable)
    if renderable is not None and self.screen.children:
        os.write(fd, b"x")
        os._exit(0)

textual.app.App._display = display
if sys.argv[1] == "bare":
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("Hello")

    Bare().run()
else:
    from tutor.cli import main
    sys.exit(main([]))
"""


def one_run(mode: str, home: str) -> tuple[float, float]:
    """Wall seconds to the first frame, and the CPU seconds the process used (it is killed
    right after that frame, so CPU time is a load-independent measure of the same thing)."""
    read_fd, write_fd = os.pipe()
    master, slave = pty.openpty()
    env = {
        **os.environ,
        "CORO_TUTOR_HOME": home,
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }
    env.pop("CORO_TUTOR_LESSONS", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, str(write_fd)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        pass_fds=(write_fd,),
        env=env,
        cwd=REPO,
    )
    os.close(write_fd)
    os.close(slave)
    elapsed = None
    deadline = start + 30
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([read_fd, master], [], [], 0.5)
        if read_fd in ready:
            if os.read(read_fd, 1):
                elapsed = time.perf_counter() - start
                break
        if master in ready:
            try:
                os.read(master, 65536)  # drain the terminal so the app never blocks
            except OSError:
                pass
        if proc.poll() is not None and read_fd not in ready:
            break
    proc.kill()
    proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    os.close(read_fd)
    os.close(master)
    if elapsed is None:
        raise RuntimeError(f"{mode}: no frame within 30 s (exit code {proc.returncode})")
    return elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="coro-bench-home-")
    one_run("bare", home)  # warm the file cache and .pyc files
    one_run("tutor", home)
    bare: list[tuple[float, float]] = []
    tutor: list[tuple[float, float]] = []
    for _ in range(args.runs):
        bare.append(one_run("bare", home))
        tutor.append(one_run("tutor", home))
    b = statistics.median(w for w, _ in bare)
    t = statistics.median(w for w, _ in tutor)
    bc = statistics.median(c for _, c in bare)
    tc = statistics.median(c for _, c in tutor)
    ratio, cpu_ratio = t / b, tc / bc
    print(f"cold start to first frame, median of {args.runs} (alternating runs)")
    print("                               wall     CPU")
    print(f"  bare one-widget Textual app: {b * 1000:4.0f} ms  {bc * 1000:4.0f} ms")
    print(f"  coro-tutor (course screen):  {t * 1000:4.0f} ms  {tc * 1000:4.0f} ms")
    print(
        f"  ratio: {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU   (goal <= 1.5x: "
        f"{'ok' if ratio <= 1.5 else 'MISSED'})"
    )
    print(
        f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
        "(CPU time does not depend on it)"
    )
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
