"""Helpers for the tracer tests (no tests here): run tutor/runner/child/bootstrap.py directly,
as the parent does (python -I, an inherited event pipe, cwd = a scratch dir), and read the events.

Interpreters: the test venv's python always; more from CORO_TUTOR_TEST_PYTHONS
(os.pathsep-separated paths, e.g. throwaway venvs with greenlet/gevent), and the
pyenv builds ~/.pyenv/versions/3.1[0-3]*/bin/python when present. One per version,
first found wins (the venv, then the env var, then pyenv).
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BOOTSTRAP = REPO / "tutor" / "runner" / "child" / "bootstrap.py"


@dataclass
class Result:
    returncode: int
    events: list
    fd1: bytes
    fd2: bytes
    end: dict = field(default_factory=dict)

    def lines(self, kind=None):
        """(runner, text without its newline) of the output events, in order."""
        return [
            (e["runner"], e["text"][:-1] if e["text"].endswith("\n") else e["text"])
            for e in self.events
            if e["type"] in ("stdout", "stderr") and (kind is None or e["type"] == kind)
        ]

    def data(self, kind="stdout") -> bytes:
        """The bytes the program wrote to sys.stdout (or stderr): the event texts in order."""
        import base64

        return b"".join(
            base64.b64decode(e["b64"]) if "b64" in e else e["text"].encode("utf-8")
            for e in self.events
            if e["type"] == kind
        )

    def texts(self, kind=None):
        return [t for _, t in self.lines(kind)]

    def switches(self):
        return [(e["from"], e["to"], e["via"]) for e in self.events if e["type"] == "switch"]

    def stream(self):
        """The whole stream compactly: ('switch', from, to) / (kind, runner, text)."""
        out = []
        for e in self.events:
            if e["type"] == "switch":
                out.append(("switch", e["from"], e["to"]))
            elif e["type"] in ("stdout", "stderr"):
                text = e["text"][:-1] if e["text"].endswith("\n") else e["text"]
                out.append((e["type"], e["runner"], text))
        return out


def run_program(
    code: str,
    tmp_path: Path,
    python: str | None = None,
    cap: int | None = None,
    env: dict | None = None,
    timeout: float = 60,
    name: str = "lesson.py",
    dedent: bool = True,
    args: list | None = None,
    read_after: float = 0.0,
) -> Result:
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    prog = tmp_path / name
    prog.write_text(textwrap.dedent(code) if dedent else code, encoding="utf-8")
    r, w = os.pipe()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CORO_TUTOR_")}
    full_env["CORO_TUTOR_EVENT_FD"] = str(w)
    if cap is not None:
        full_env["CORO_TUTOR_CAP"] = str(cap)
    full_env.update(env or {})
    try:
        proc = subprocess.Popen(
            [python or sys.executable, "-I", str(BOOTSTRAP), str(prog), *(args or [])],
            cwd=scratch,
            env=full_env,
            pass_fds=[w],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(w)
    # Read the event pipe on a thread while communicate() drains fd 1/2.
    import threading

    chunks = []

    def reader():
        import time

        time.sleep(read_after)  # a slow reader: the pipe fills and writers block mid-write
        with os.fdopen(r, "rb") as f:
            chunks.append(f.read())

    t = threading.Thread(target=reader)
    t.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    t.join(timeout)
    data = b"".join(chunks)
    events = [json.loads(line) for line in data.splitlines()]
    end = events[-1] if events and events[-1]["type"] == "end" else {}
    return Result(proc.returncode, events, out, err, end)


@dataclass(frozen=True)
class Interp:
    path: str
    version: str  # "3.11"
    full: str
    has_greenlet: bool
    has_gevent: bool

    def __str__(self):
        return "py" + self.version


_PROBE = (
    "import sys, importlib.util as u;"
    "print('%d.%d' % sys.version_info[:2], sys.version.split()[0],"
    " int(u.find_spec('greenlet') is not None), int(u.find_spec('gevent') is not None))"
)


def _probe(path: str) -> Interp | None:
    try:
        out = subprocess.run(
            [path, "-I", "-c", _PROBE], capture_output=True, text=True, timeout=20
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) != 4:
        return None
    return Interp(path, out[0], out[1], out[2] == "1", out[3] == "1")


@lru_cache(maxsize=1)
def interpreters() -> tuple:
    cands = [sys.executable]
    extra = os.environ.get("CORO_TUTOR_TEST_PYTHONS", "")
    cands += [p for p in extra.split(os.pathsep) if p]
    cands += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[0-3]*/bin/python")))
    seen = {}
    for c in cands:
        if not os.path.exists(c):
            continue
        it = _probe(c)
        if it is None or it.version in seen:
            continue
        if not ((3, 10) <= tuple(int(x) for x in it.version.split(".")) <= (3, 13)):
            continue
        seen[it.version] = it
    return tuple(seen[v] for v in sorted(seen, key=lambda v: tuple(map(int, v.split(".")))))


def need(interp: Interp, *modules: str):
    import pytest

    for m in modules:
        if not getattr(interp, "has_" + m):
            pytest.skip(
                f"{m} is not installed for {interp.path} (set CORO_TUTOR_TEST_PYTHONS to a "
                f"venv with greenlet==3.5.6 gevent==26.9.0)"
            )
