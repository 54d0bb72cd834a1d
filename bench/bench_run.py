"""Start-up cost of a run, as ratios measured in one go (interleaved, best of N).

    .venv/bin/python bench/bench_run.py [--n 15] [--tiers auto,full,partial,basic]

* `coro-tutor run hello.py` vs `python hello.py`, whole processes (goal <= 3x);
* the API (`start_run` in a running asyncio loop) from the call to the first output event
  vs `python hello.py` as a whole process (goal <= 2x): what the TUI pays on Run.

Both sides use the same interpreter (this one). The tiers not available here are skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tutor.runner import RunRequest, start_run  # noqa: E402
from tutor.runner import tiers as sandbox_tiers  # noqa: E402
from tutor.runner.events import Stdout  # noqa: E402

PY = sys.executable
CORO_TUTOR = str(Path(PY).with_name("coro-tutor"))


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


async def first_event(tier: str) -> float:
    t0 = time.perf_counter()
    run = await start_run(RunRequest(code="print('hello')\n", isolation=tier))
    took = None
    async for event in run.events():
        if took is None and isinstance(event, Stdout):
            took = time.perf_counter() - t0
    return took


def compile_package() -> None:
    """Write the .pyc files (as an install does), even under PYTHONDONTWRITEBYTECODE=1:
    without them every start compiles the tutor's modules again."""
    import compileall

    compileall.compile_dir(str(HERE.parent / "tutor"), quiet=1)


def main() -> None:
    compile_package()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=15, help="rounds (best of N is reported)")
    parser.add_argument("--tiers", default="auto,full,partial,basic")
    args = parser.parse_args()
    status = sandbox_tiers.probe()
    tiers = []
    for t in args.tiers.split(","):
        if t == "auto" or status[t].available:
            tiers.append(t)
        else:
            print(f"skip {t}: {sandbox_tiers.describe(status[t])}")
    with tempfile.TemporaryDirectory() as tmp:
        hello = os.path.join(tmp, "hello.py")
        Path(hello).write_text("print('hello')\n")
        cases = {"python hello.py": [PY, hello]}
        for t in tiers:
            cases[f"coro-tutor run [{t}]"] = [CORO_TUTOR, "run", "--isolation", t, hello]
        samples: dict[str, list[float]] = {k: [] for k in cases}
        api: dict[str, list[float]] = {t: [] for t in tiers}
        loop = asyncio.new_event_loop()
        # warm up (page cache, .pyc, the probe cache)
        for cmd in cases.values():
            timed(cmd)
        for t in tiers:
            loop.run_until_complete(first_event(t))
        for _ in range(args.n):
            for name, cmd in cases.items():
                samples[name].append(timed(cmd))
            for t in tiers:
                api[t].append(loop.run_until_complete(first_event(t)))
        loop.close()
    base = min(samples["python hello.py"])
    auto_tier = sandbox_tiers.choose("auto")
    print(
        f"best of {args.n}, interleaved; auto = {auto_tier}; {os.cpu_count()} cores; "
        f"load {os.getloadavg()[0]:.2f}"
    )
    print(f"{'case':<34} {'best ms':>8} {'median ms':>10} {'ratio':>7}")
    for name, xs in samples.items():
        print(
            f"{name:<34} {min(xs) * 1000:8.1f} {statistics.median(xs) * 1000:10.1f} "
            f"{min(xs) / base:6.2f}x"
        )
    for t, xs in api.items():
        name = f"API start->first event [{t}]"
        print(
            f"{name:<34} {min(xs) * 1000:8.1f} {statistics.median(xs) * 1000:10.1f} "
            f"{min(xs) / base:6.2f}x"
        )
    cli = min(samples["coro-tutor run [auto]"]) / base if "auto" in tiers else None
    first = min(api["auto"]) / base if "auto" in tiers else None
    if cli is not None:
        print(f"\ncoro-tutor run hello.py / python hello.py = {cli:.2f}x (goal <= 3x)")
        print(f"API start-to-first-event / python hello.py = {first:.2f}x (goal <= 2x)")


if __name__ == "__main__":
    main()
