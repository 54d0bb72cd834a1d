"""Run a learner's program in a sandbox and stream what happens, as events.

```python
from tutor.runner import RunRequest, Run, start_run, run_to_end
req = RunRequest(code="print('hi')", filename="lesson.py", timeout=15.0, isolation="auto")
run = await start_run(req)          # spawns from the running loop's thread
async for event in run.events(): ...   # tutor.runner.events structs, seq order, ends after Exit
await run.stop()                     # SIGINT to the program, stream 1 s, SIGKILL, sweep
events = run_to_end(req)             # sync helper (no asyncio needed): list of all events

spare = await prepare_run(req)       # a child started ahead: interpreter, sandbox, tracer
run = await start_run(req.replace(code=new_code), spare=spare)  # hands over the program
run = spare.take(req.replace(code=new_code))  # the same, synchronously: None if it did not fit
spare.close()                        # or discard it unused (kills, reaps, deletes scratch)
```

A spare (`Spare`) is a child that did all its start-up and waits for GO; `start_run(req,
spare=spare)` writes the program and says GO, so only that is left on Run's path. The spare
is used up either way: if it does not fit the request (tier, python, cap, limits, guard,
read_only), is older than `Spare.MAX_AGE` or its child is gone, it is closed and the run
spawns normally. The `start` event, the wall limit and `t` all count from GO.

No textual import here; asyncio and msgspec only when the API that needs them is used
(`coro-tutor run` imports neither). Details: docs/runner-sandbox.md.

This module is the public API only. Inside: values (RunRequest, Limits, ...), run (Run,
Spare), session (one child: spawn, GO, the stop sequence, the end), pipes (its pipes read
into events), driver (the CLI's epoll loop), procs (/proc, sweeping, reaping), scratch
(scratch dirs), spawn, wire, tiers (the probe, choosing a tier), sandbox (command lines,
binds), wallspec (the kernel walls' spec), outcome (what the end means), child/ (the child
side).
"""

from __future__ import annotations

from tutor.runner.values import UNATTRIBUTED, Limits, RunRequest

TYPE_CHECKING = False  # no `typing` import: `coro-tutor run` starts fast
if TYPE_CHECKING:
    from tutor.runner import events
    from tutor.runner.run import Run, Spare, prepare_run, resolve_tier, run_to_end, start_run
    from tutor.runner.tiers import SandboxUnavailable

__all__ = [
    "RunRequest",
    "Run",
    "start_run",
    "prepare_run",
    "Spare",
    "run_to_end",
    "resolve_tier",
    "Limits",
    "SandboxUnavailable",
    "UNATTRIBUTED",
    "events",
]


_LAZY = {"events": "tutor.runner.events", "SandboxUnavailable": "tutor.runner.tiers"}
_LAZY.update(dict.fromkeys(("Run", "Spare", "start_run", "prepare_run", "run_to_end",
                            "resolve_tier"), "tutor.runner.run"))  # fmt: skip
"""Imported on first use: `coro-tutor run` needs neither msgspec (events) nor run.py, and
the app's screens (their colours need UNATTRIBUTED) not the sandbox's tiers."""


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    found = __import__(module, fromlist=["_"])  # not importlib: `coro-tutor run` never loads it
    return found if name == "events" else getattr(found, name)
