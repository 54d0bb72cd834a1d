"""Costs that grow with the program's: the tracer must never grow faster (traced / bare).

    .venv/bin/python bench/bench_costs.py [--python PATH] [-n 3] [--quick]

Whole processes, CPU time (user + system of the child, steadier than wall time on a busy
machine), best of N, bare (`python -I prog.py`, output to /dev/null) against traced (the
bootstrap with its event pipe drained by this process, as the parent does), in one run:

- N live generators (1k ... 100k), each started and advanced once;
- one line of 1 KB ... 50 MB (one print);
- recursion depth 1k ... 50k (sys.setrecursionlimit raised), and a RecursionError
  traceback at that depth (the traceback is cleaned of the tracer's frames).

Goal (issue 12): every ratio <= 3x, and flat as the size grows.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BOOTSTRAP = REPO / "tutor" / "runner" / "child" / "bootstrap.py"

GENERATORS = """
def gen(i):
    yield i
    yield i
gs = [gen(i) for i in range({n})]
total = 0
for g in gs:
    total += next(g)
print(total)
"""

LINE = "print('y' * {n})\n"

RECURSION = """
import sys
sys.setrecursionlimit({n} + 100)
def down(k):
    return 0 if k == 0 else down(k - 1) + 1
print(down({n}))
"""

RECURSION_ERROR = """
import sys
sys.setrecursionlimit({n})
def down(k):
    return down(k + 1) + 1
down(0)
"""

CASES = [
    ("generators", GENERATORS, [1_000, 4_000, 16_000, 100_000]),
    ("line bytes", LINE, [1_000, 1_000_000, 10_000_000, 50_000_000]),
    ("recursion depth", RECURSION, [1_000, 10_000, 50_000]),
    ("RecursionError at", RECURSION_ERROR, [1_000, 10_000, 50_000]),
]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _drain(fd: int) -> None:
    with os.fdopen(fd, "rb", buffering=0) as f:
        while f.read(1 << 20):
            pass


def run(python: str, prog: Path, traced: bool) -> float:
    """CPU seconds of one whole process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORO_TUTOR_")}
    fds: list[int] = []
    th = None
    if traced:
        r, w = os.pipe()
        env["CORO_TUTOR_EVENT_FD"] = str(w)
        argv = [python, "-I", str(BOOTSTRAP), str(prog)]
        fds = [w]
    else:
        argv = [python, "-I", str(prog)]
    t0 = _cpu()
    p = subprocess.Popen(
        argv,
        env=env,
        pass_fds=fds,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=prog.parent,
    )
    if traced:
        os.close(w)
        th = threading.Thread(target=_drain, args=(r,))
        th.start()
    p.wait()
    if th is not None:
        th.join()
    return _cpu() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("-n", type=int, default=3, help="runs of each, best taken")
    ap.add_argument("--quick", action="store_true", help="the two smallest sizes only")
    args = ap.parse_args(argv)
    py = os.path.abspath(args.python) if os.sep in args.python else args.python
    version = subprocess.run(
        [py, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True
    ).stdout.strip()
    print(f"Python {version} ({py}), CPU time of whole processes, best of {args.n}")
    print(f"{'case':20} {'size':>11} {'bare':>9} {'traced':>9} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as d:
        prog = Path(d) / "prog.py"
        for name, template, sizes in CASES:
            for n in sizes[:2] if args.quick else sizes:
                prog.write_text(template.format(n=n))
                bare = min(run(py, prog, False) for _ in range(args.n))
                traced = min(run(py, prog, True) for _ in range(args.n))
                print(
                    f"{name:20} {n:>11,} {bare * 1e3:7.0f}ms {traced * 1e3:7.0f}ms "
                    f"{traced / max(bare, 1e-6):6.2f}x"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
