"""Tracer overhead, as ratios measured in one run (traced / bare, best of N).

    .venv/bin/python bench/bench_tracer.py [--python PATH] [-n 5] [--cap 2000] [--block-ms 50]

Each switch benchmark times its own hot loop (CPU time: process_time() inside the
program), run bare (`python -I prog.py`) and traced (`python -I
tutor/runner/child/bootstrap.py prog.py` with the event pipe drained by this process, as the
parent does). The start-up line compares whole processes (wall time): the bootstrap
running an empty program vs `python -I -c pass`.

Goals (issue 4): <= 3x for each switch benchmark, <= 1.05x for a program that never
switches. The `watch` column is what the blocking watch (issue 14: a `block` event when a
runner holds the event loop past --block-ms) adds to the traced run, measured against the
same tracer with the watch off (CORO_TUTOR_BLOCK_MS=0): goal <= 5 %.

The tracer sends CORO_TUTOR_CAP switch events (2,000), then counts, then unhooks at 10x
the cap: a long switch-heavy run pays for ~20k traced switches only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BOOTSTRAP = REPO / "tutor" / "runner" / "child" / "bootstrap.py"

# CPU time of the program's own process: steadier than wall time on a busy machine, and
# it includes the tracer's work (hooks, formatting, the os.write calls).
TIMED = """
import time as _time
_t0 = _time.process_time()
{body}
print("ELAPSED", _time.process_time() - _t0)
"""

PROGRAMS = {
    "generator send x1e6": """
def echo():
    while True:
        x = yield
g = echo()
next(g)
for i in range(1_000_000):
    g.send(i)
""",
    "greenlet switch x1e6": """
from greenlet import greenlet
def ping():
    for _ in range(500_000):
        b.switch()
def pong():
    while True:
        a.switch()
a = greenlet(ping)
b = greenlet(pong)
a.switch()
""",
    "asyncio sleep(0) x1e5 (2 tasks)": """
import asyncio
async def worker():
    for _ in range(50_000):
        await asyncio.sleep(0)
async def main():
    await asyncio.gather(worker(), worker())
asyncio.run(main())
""",
    "no switches (calls, loops)": """
def f(x):
    return x * 2 + 1
total = 0
for i in range(1_000_000):
    total += f(i) % 7
d = {}
for i in range(200_000):
    d[str(i)] = [i, i + 1]
""",
}

# asyncio is imported before the clock starts, so its import time is not counted.
PRELUDE = {"asyncio sleep(0) x1e5 (2 tasks)": "import asyncio\n"}


def _drain(fd: int, sink: list) -> None:
    with os.fdopen(fd, "rb") as f:
        sink.append(f.read())


def run(
    python: str, prog: Path, traced: bool, cap: int, block_ms: str = "50"
) -> tuple[float, float, int]:
    """(elapsed printed by the program, whole-process wall time, event bytes); `block_ms`
    is the blocking watch's threshold in a traced run (0: off)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORO_TUTOR_")}
    sink: list = []
    if traced:
        r, w = os.pipe()
        env["CORO_TUTOR_EVENT_FD"] = str(w)
        env["CORO_TUTOR_CAP"] = str(cap)
        env["CORO_TUTOR_BLOCK_MS"] = block_ms
        argv = [python, "-I", str(BOOTSTRAP), str(prog)]
        fds = [w]
    else:
        argv = [python, "-I", str(prog)]
        fds = []
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=env, pass_fds=fds, stdout=subprocess.PIPE, cwd=prog.parent)
    th = None
    if traced:
        os.close(w)
        th = threading.Thread(target=_drain, args=(r, sink))
        th.start()
    out, _ = p.communicate()
    wall = time.perf_counter() - t0
    if th is not None:
        th.join()
    if p.returncode != 0:
        raise SystemExit(f"{prog.name} failed ({p.returncode}) under {python}")
    elapsed = 0.0
    if traced:  # the program's output travels as events
        data = sink[0]
        i = data.rfind(b'"text":"ELAPSED ')
        if i >= 0:
            elapsed = float(data[i + 16 : data.index(b'"', i + 16)].removesuffix(b"\\n"))
        return elapsed, wall, len(data)
    for line in out.decode().splitlines():
        if line.startswith("ELAPSED"):
            elapsed = float(line.split()[1])
    return elapsed, wall, 0


def has(python: str, module: str) -> bool:
    code = f"import importlib.util as u; raise SystemExit(u.find_spec({module!r}) is None)"
    return subprocess.run([python, "-I", "-c", code]).returncode == 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("-n", type=int, default=5, help="runs of each, best taken")
    ap.add_argument("--cap", type=int, default=2000)
    ap.add_argument("--block-ms", default="50", help="the blocking watch (0: off)")
    args = ap.parse_args(argv)
    block_ms = args.block_ms
    py = args.python
    if os.sep in py:  # the programs run with cwd = a temporary dir
        py = os.path.abspath(py)
    else:
        py = shutil.which(py) or py
    version = subprocess.run(
        [py, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True
    ).stdout.strip()
    print(f"Python {version} ({py}), best of {args.n}, cap {args.cap}")
    print(f"blocking watch: {block_ms} ms (the watch column: traced vs traced with it off)")
    print(f"{'benchmark':34} {'bare':>9} {'traced':>9} {'ratio':>7} {'watch':>7}  events")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        for name, body in PROGRAMS.items():
            if "greenlet" in body and not has(py, "greenlet"):
                print(f"{name:34} skipped: greenlet is not installed for {py}")
                continue
            prog = d / "prog.py"
            prog.write_text(PRELUDE.get(name, "") + TIMED.format(body=body))
            bare = min(run(py, prog, False, args.cap)[0] for _ in range(args.n))
            traced_runs, unwatched_runs = [], []
            for _ in range(args.n):  # interleaved: a busy moment costs both alike
                traced_runs.append(run(py, prog, True, args.cap, block_ms))
                unwatched_runs.append(run(py, prog, True, args.cap, "0"))
            traced = min(r[0] for r in traced_runs)
            unwatched = min(r[0] for r in unwatched_runs)
            ev = traced_runs[0][2]
            print(
                f"{name:34} {bare * 1e3:7.1f}ms {traced * 1e3:7.1f}ms {traced / bare:6.2f}x "
                f"{(traced / unwatched - 1) * 100:+6.1f}%  {ev / 1e6:.2f} MB"
            )
        # Start-up: whole processes.
        empty = d / "empty.py"
        empty.write_text("pass\n")
        runs = max(10, 4 * args.n)
        bare = min(_wall([py, "-I", "-c", "pass"], d) for _ in range(runs))
        traced = min(run(py, empty, True, args.cap, block_ms)[1] for _ in range(runs))
        print(
            f"{'start-up (empty program)':34} {bare * 1e3:7.1f}ms {traced * 1e3:7.1f}ms "
            f"{traced / bare:6.2f}x  (+{(traced - bare) * 1e3:.1f} ms)"
        )
    return 0


def _wall(argv, cwd) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


if __name__ == "__main__":
    sys.exit(main())
