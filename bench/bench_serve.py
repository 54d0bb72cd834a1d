"""A classroom on this machine: N learners connected to `coro-tutor serve` at once, each
running lesson 4's program in a loop, while each also records quiz answers from the command
line into the same home (the progress store's lock-and-merge under load).

    .venv/bin/python bench/bench_serve.py [--learners 10] [--seconds 60] [--max-runs 4]

Each learner is a websocket client speaking textual-serve's protocol (what the browser's
xterm.js sends: keys as ["stdin", …]); the screen is read from what the app sends back.
Prints: runs done and refused, answers recorded and kept, the server's memory per learner
(the app processes' RSS), and F5 → first output line at the median and 95th percentile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

F5, F8, CTRL_P, ENTER = "\x1b[15~", "\x1b[19~", "\x10", "\r"
ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
LINE = "[CONSUMER] Consuming 5..."


class Learner:
    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse):
        self.session, self.ws = session, ws
        self.seen = b""

    async def until(self, text: str, since: int = 0, seconds: float = 60) -> None:
        """Read the app's output until `text` shows in what arrived after byte `since`."""
        deadline = time.monotonic() + seconds
        while text.encode() not in ESCAPES.sub(b"", self.seen[since:]):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(text)
            msg = await self.ws.receive(timeout=left)
            if msg.type == aiohttp.WSMsgType.BINARY:
                self.seen += msg.data
            elif msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                raise ConnectionError("the app closed")

    async def keys(self, data: str, then: str) -> int:
        """Press keys, wait for `then`; returns where the answer began (for later waits)."""
        mark = len(self.seen)
        await self.ws.send_str(json.dumps(["stdin", data]))
        await self.until(then, since=mark)
        return mark


async def connect(url: str, name: str) -> Learner:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # an IP host
    await session.post(f"{url}/join", data={"name": name})
    ws = await session.ws_connect(f"{url.replace('http', 'ws')}/ws?width=120&height=36")
    learner = Learner(session, ws)
    await learner.until("Producer and consumer")
    await learner.keys(CTRL_P, "Open lesson")
    await learner.ws.send_str(json.dumps(["stdin", "Producer and"]))
    await learner.keys(ENTER, "Step 1 of")
    await learner.keys(F8, "Step 2 of")
    return learner


async def loop_runs(learner: Learner, until: float, latencies: list[float]) -> tuple[int, int]:
    done = refused = 0
    while time.monotonic() < until:
        start = time.perf_counter()
        try:
            mark = await learner.keys(F5, "Consuming 1...")
            latencies.append(time.perf_counter() - start)
            await learner.until(LINE, since=mark)
            done += 1
        except TimeoutError:
            refused += 1
    return done, refused


def answer_quizzes(home: Path, rounds: int) -> int:
    """Record answers from the command line into the learner's home, as the app saves too."""
    answers = home / "answers.json"
    answers.write_text(json.dumps({"4": ["main", "main", "main"]}))  # graded and recorded
    env = dict(os.environ, CORO_TUTOR_HOME=str(home))
    recorded = 0
    for _ in range(rounds):
        done = subprocess.run(
            [sys.executable, "-m", "tutor", "quiz", "producer-consumer", "--answers", str(answers)],
            env=env,
            capture_output=True,
            text=True,
        )
        try:
            recorded += json.loads(done.stdout).get("graded", 0)
        except ValueError:
            pass
    return recorded


def rss_of_apps(server_pid: int) -> list[int]:
    """RSS (bytes) of each app process the server started (its direct python children)."""
    sizes = []
    apps = _descendants(server_pid)
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) not in apps:
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.split(b"\0")[1:3] == [b"-m", b"tutor"]:  # the app, not its programs
            sizes.append(int(stat[21]) * os.sysconf("SC_PAGE_SIZE"))
    return sizes


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(pid))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-runs", type=int, default=4)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", str(port), "--data", str(data)]
        + ["--max-learners", str(args.learners), "--max-runs", str(args.max_runs)]
        + ["--allow-weak-sandbox"],
        env=dict(os.environ, CORO_TUTOR_HOME=str(data / "home")),
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        t0 = time.perf_counter()
        learners = await asyncio.gather(*(connect(url, f"L{i}") for i in range(args.learners)))
        took = time.perf_counter() - t0
        print(f"{args.learners} learners connected and on lesson 4 in {took:.1f} s")
        homes = sorted((data / "learners").iterdir())
        latencies: list[float] = []
        until = time.monotonic() + args.seconds
        rounds = max(1, int(args.seconds // 10))
        quiz = [asyncio.to_thread(answer_quizzes, home, rounds) for home in homes]
        results = await asyncio.gather(
            *(loop_runs(learner, until, latencies) for learner in learners), *quiz
        )
        runs = results[: len(learners)]
        recorded = sum(results[len(learners) :])
        memory = rss_of_apps(server.pid)
        kept = 0
        for home in homes:
            progress = json.loads((home / "progress.json").read_text())
            quizzes = progress["lessons"].get("producer-consumer", {}).get("quizzes", {})
            kept += sum(q.get("attempts", 0) for q in quizzes.values())
        for learner in learners:
            await learner.session.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    done, refused = sum(r[0] for r in runs), sum(r[1] for r in runs)
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("nan")
    print(f"runs: {done} done, {refused} whose output did not arrive (max {args.max_runs} at once)")
    print(f"answers: {recorded} recorded from the CLI, {kept} kept in the learners' progress")
    if memory:
        print(f"memory: {statistics.mean(memory) / 2**20:.0f} MiB RSS per learner's app")
    if latencies:
        print(
            f"F5 -> first line: median {statistics.median(latencies) * 1000:.0f} ms,"
            f" p95 {p95 * 1000:.0f} ms"
        )


if __name__ == "__main__":
    asyncio.run(main())
