"""Feed 200,000 output lines into the lesson screen's output pane, headless.

The lines go through the same path as a real run (RunPane.show_events with runner
events, 4 runners, 1 line in 20 on stderr, switches in between), as fast as the event loop
lets them in (chunks of --chunk events, yielding to the loop between chunks, as the runner's
async iterator does). Every frame the app composes is also rendered to terminal bytes, as it
would be on a real terminal.

Prints: lines/s (first event in -> last line painted), the worst gap between painted frames
while lines were arriving, and the worst event-loop stall (a 5 ms ticker's longest gap).
Goals (DESIGN.md): >= 100,000 lines/s, no stall over 50 ms.

--first-line N also times Run (F5) to the first painted frame holding the program's line,
with the real runner, against `python hello.py` (goal <= 2x): medians of N runs, each with
its own `python hello.py` just before it.

    .venv/bin/python bench/bench_output.py [--lines 200000] [--chunk 1000] [--first-line N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("CORO_TUTOR_HOME", tempfile.mkdtemp(prefix="coro-bench-"))


POOL = 20_000


def make_events(count: int, chunk: int):
    """Events in chunks of `chunk`. The events of a real run are decoded as they arrive and
    dropped once shown; here a pool of 20,000 is made up front (outside the timing) and
    cycled, so the bench measures the pane, not event construction or its garbage."""
    from tutor.runner.events import Stderr, Stdout, Switch

    runners = ["main", "producer", "consumer", "worker#2"]
    pool = []
    seq = 1
    for n in range(min(count, POOL)):
        runner = runners[n % 4]
        if n % 4 == 1:
            pool.append(Switch(seq=seq, t=0.0, from_=runners[0], to=runner, via="send"))
            seq += 1
        cls = Stderr if n % 20 == 19 else Stdout
        text = f"[{runner.upper()}] line {n}: " + "x" * (n % 40) + "\n"  # events carry it
        pool.append(cls(seq=seq, t=0.0, runner=runner, text=text))
        seq += 1
    per_round = min(count, POOL)

    def chunks():
        sent = 0
        while sent < count:
            take = min(per_round, count - sent)
            events = pool if take == per_round else pool[: take + take // 4 + 1]
            for index in range(0, len(events), chunk):
                yield events[index : index + chunk]
            sent += take

    return chunks


async def bench(lines: int, chunk: int, size: tuple[int, int]) -> dict:
    from tutor.app.lesson_screen import LessonScreen
    from tutor.app.main import TutorApp
    from tutor.app.output_view import OutputView
    from tutor.lesson import RunStep, load_course

    frames: list[float] = []

    class BenchApp(TutorApp):
        def _display(self, screen, renderable) -> None:
            if renderable is not None:
                render = getattr(renderable, "render_segments", None)
                if render is not None:
                    render(self.console)
                frames.append(time.perf_counter())

    course = load_course([REPO / "lessons"])
    lesson = next(
        lesson for lesson in course.lessons if any(isinstance(s, RunStep) for s in lesson.steps)
    )
    step = next(i for i, s in enumerate(lesson.steps) if isinstance(s, RunStep))
    app = BenchApp(course=course, reopen=False)
    result: dict = {}
    async with app.run_test(size=size) as pilot:
        app.open_lesson(lesson, step)
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        output = screen.query_one(OutputView)
        output.clear()
        await pilot.pause(0.2)

        chunks = make_events(lines, chunk)
        ticks: list[float] = []
        ticking = True

        async def ticker() -> None:
            while ticking:
                ticks.append(time.perf_counter())
                await asyncio.sleep(0.005)

        flushed = [0.0]  # when the pane last took pending lines in
        flush = output.flush

        def timed_flush() -> None:
            flush()
            flushed[0] = time.perf_counter()

        output.flush = timed_flush
        tick_task = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)
        frames.clear()
        show = screen.run_pane.show_events  # what each RunEvent message of a real run calls
        controller = screen.run_pane.controller
        controller.pause_gc(True)  # as the run controller does for a real run
        start = time.perf_counter()
        cpu_start = time.process_time()
        for events in chunks():
            show(events)
            await asyncio.sleep(0)
        fed = time.perf_counter()
        while output.pending or len(output.lines) < lines:
            await asyncio.sleep(0.001)
        # the frame that shows the last lines: the first one made after the last flush (it
        # may be painted before this loop notices that the lines are all in)
        drained = flushed[0]
        while not frames or frames[-1] < drained:
            await asyncio.sleep(0.001)
        painted = next(f for f in frames if f >= drained)
        cpu = time.process_time() - cpu_start
        controller.pause_gc(False)
        ticking = False
        await tick_task
        window = [start] + [f for f in frames if start <= f <= painted]
        gaps = [b - a for a, b in zip(window, window[1:], strict=False)]
        tick_window = [t for t in ticks if start - 0.01 <= t <= painted + 0.01]
        tick_gaps = [b - a for a, b in zip(tick_window, tick_window[1:], strict=False)]
        result = {
            "lines": len(output.lines),
            "seconds": painted - start,
            "feed_seconds": fed - start,
            "lines_per_s": lines / (painted - start),
            "lines_per_cpu_s": lines / cpu,
            "frames": len(window) - 1,
            "worst_frame_gap_ms": max(gaps) * 1000 if gaps else 0.0,
            "worst_loop_stall_ms": max(tick_gaps) * 1000 if tick_gaps else 0.0,
            "flushes": output.flushes,
            "is_following": output.is_vertical_scroll_end,
        }
    return result


async def first_line(runs: int) -> dict:
    """Run (the F5 key) to the first painted frame that shows the program's line, with the real
    runner (the screen's spare child), against `python hello.py` as a whole process
    (DESIGN.md: <= 2x). Each frame is rendered to terminal bytes, as a real terminal would
    get it, and a run counts only when those bytes hold the line. One `python hello.py`
    before each Run (the app idle), so both see the same machine; medians of `runs`."""
    import statistics
    import subprocess

    from textual import events

    from tutor.app.lesson_screen import LessonScreen
    from tutor.app.main import TutorApp
    from tutor.lesson import RunStep, load_course
    from tutor.runner import Spare

    handed: list[bool] = []  # did Run's program go to the waiting spare child?
    take = Spare.take

    def counted_take(self, request):
        run = take(self, request)
        handed.append(run is not None)
        return run

    Spare.take = counted_take

    hello = Path(tempfile.mkdtemp()) / "hello.py"
    hello.write_text("print('hello')\n")
    marker = ""  # a new one for each run, so that a line left from the last run never counts

    frames: list[tuple[float, bool]] = []

    class BenchApp(TutorApp):
        def _display(self, screen, renderable) -> None:
            if renderable is not None:
                render = getattr(renderable, "render_segments", None)
                data = render(self.console) if render is not None else ""
                frames.append((time.perf_counter(), marker in data))

    course = load_course([REPO / "lessons"])
    lesson = next(x for x in course.lessons if any(isinstance(s, RunStep) for s in x.steps))
    step = next(i for i, s in enumerate(lesson.steps) if isinstance(s, RunStep))
    app = BenchApp(course=course, reopen=False)
    times, bare, spared = [], [], 0

    async def wait_until(condition, what: str, step: float = 0.01) -> None:
        deadline = time.perf_counter() + 30
        while not condition():
            if time.perf_counter() > deadline:
                raise RuntimeError(f"no {what} after 30 s")
            await asyncio.sleep(step)

    async with app.run_test(size=(100, 30)) as pilot:
        app.open_lesson(lesson, step)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        for n in range(runs + 1):  # the first Run warms up, it is not counted
            marker = "first-line-" + os.urandom(4).hex()
            # the editor shows it cut in two, so only the output pane can show it whole
            screen.editor.load_text(f"print({marker[:6]!r} + {marker[6:]!r})\n")
            await wait_until(
                lambda: not screen.running and screen.run_pane.controller.spare is not None,
                "a spare",
            )
            await asyncio.sleep(0.2)  # the spare child has finished its start-up by then
            t0 = time.perf_counter()
            subprocess.run([sys.executable, str(hello)], check=True, capture_output=True)
            bare_s = time.perf_counter() - t0
            await asyncio.sleep(0.05)
            frames.clear()
            handed.clear()
            key = events.Key("f5", None)  # as the terminal driver delivers the key
            key.set_sender(app)
            t0 = time.perf_counter()
            app._driver.send_message(key)
            await wait_until(lambda: any(shows for _, shows in frames), "the line", 0.0005)
            painted = next(t for t, shows in frames if shows)
            if n:
                times.append(painted - t0)
                bare.append(bare_s)
                spared += handed == [True]
        await wait_until(lambda: not screen.running, "end of the last run")
    Spare.take = take
    ratios = [a / b for a, b in zip(times, bare, strict=True)]
    return {
        "app": statistics.median(times),
        "bare": statistics.median(bare),
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "times": times,
        "spared": spared,
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--size", default="100x30")
    parser.add_argument(
        "--first-line",
        type=int,
        default=0,
        metavar="N",
        help="also time Run to the first painted line, N runs (real runner)",
    )
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    r = asyncio.run(bench(args.lines, args.chunk, (width, height)))
    ok_rate = r["lines_per_s"] >= 100_000
    ok_stall = r["worst_loop_stall_ms"] < 50
    rate_note = "ok" if ok_rate else "MISSED"
    stall_note = "ok" if ok_stall else "MISSED"
    load = os.getloadavg()[0]
    print(f"output pane, {r['lines']:,} lines ({args.size}, chunks of {args.chunk} events)")
    print(f"  lines/s:              {r['lines_per_s']:,.0f}   (goal >= 100,000: {rate_note})")
    print(f"  lines per CPU second: {r['lines_per_cpu_s']:,.0f}   (the pane's cost, load aside)")
    print(f"  time to last paint:   {r['seconds'] * 1000:.0f} ms")
    print(f"  frames painted:       {r['frames']} ({r['flushes']} flushes, <= 30 a second)")
    print(f"  worst gap between frames: {r['worst_frame_gap_ms']:.1f} ms")
    stall = r["worst_loop_stall_ms"]
    print(f"  worst event-loop stall:   {stall:.1f} ms   (goal < 50: {stall_note})")
    print(f"  follows the end:      {r['is_following']}")
    print(f"  load average:         {load:.2f} on {os.cpu_count()} cores (other work slows it)")
    if args.first_line:
        f = asyncio.run(first_line(args.first_line))
        note = "ok" if f["ratio"] <= 2 else "MISSED"
        print(
            f"Run to first painted line: {f['app'] * 1000:.1f} ms; python hello.py: "
            f"{f['bare'] * 1000:.1f} ms; ratio {f['ratio']:.2f}x (goal <= 2x: {note})"
        )
        each = ", ".join(f"{r:.2f}" for r in f["ratios"])
        fastest, slowest = min(f["times"]) * 1000, max(f["times"]) * 1000
        print(f"  each run: {each}x ({fastest:.1f}-{slowest:.1f} ms)")
        print(f"  {f['spared']} of {f['runs']} runs used the spare child")
    return 0 if ok_rate and ok_stall else 1


if __name__ == "__main__":
    raise SystemExit(main())
