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


def one_run(mode: str, home: str) -> float:
    read_fd, write_fd = os.pipe()
    master, slave = pty.openpty()
    env = {**os.environ, "CORO_TUTOR_HOME": home, "TERM": "xterm-256color", "COLUMNS": "100",
           "LINES": "30"}
    env.pop("CORO_TUTOR_LESSONS", None)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, str(write_fd)],
        stdin=slave, stdout=slave, stderr=slave, pass_fds=(write_fd,), env=env, cwd=REPO,
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
    os.close(read_fd)
    os.close(master)
    if elapsed is None:
        raise RuntimeError(f"{mode}: no frame within 30 s (exit code {proc.returncode})")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="coro-bench-home-")
    one_run("bare", home)  # warm the file cache and .pyc files
    one_run("tutor", home)
    bare: list[float] = []
    tutor: list[float] = []
    for _ in range(args.runs):
        bare.append(one_run("bare", home))
        tutor.append(one_run("tutor", home))
    b, t = statistics.median(bare), statistics.median(tutor)
    ratio = t / b
    print(f"cold start to first frame, median of {args.runs} (alternating runs)")
    print(f"  bare one-widget Textual app: {b * 1000:6.0f} ms  (min {min(bare) * 1000:.0f})")
    print(f"  coro-tutor (course screen):  {t * 1000:6.0f} ms  (min {min(tutor) * 1000:.0f})")
    print(f"  ratio: {ratio:.2f}x   (goal <= 1.5x: {'ok' if ratio <= 1.5 else 'MISSED'})")
    print(f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
