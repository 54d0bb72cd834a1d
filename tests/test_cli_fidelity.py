"""`coro-tutor run` through the whole path (child, parent, CLI): piped output is byte for
byte what `python prog.py` writes, `--json` stays valid UTF-8 JSON whose texts add up to
it, forged event lines change nothing, and a blocked event loop is reported."""

from __future__ import annotations

import base64
import json
import os
import pty
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO, run_cli

PROGRAMS = {
    "unterminated last line": "print('a', end=' ')\nprint('b', end='')\n",
    "a 5000-byte line": "print('x' * 5000)\nprint('done')\n",
    "cr, nul, undecodable bytes": (
        "import sys\nprint('a\\rb\\x00c')\nprint('bad \\udcff byte')\n"
        "sys.stdout.flush()\nsys.stdout.buffer.write(b'raw \\xfe\\n')\n"
    ),
    "print and buffer.write, no flush": (
        "import sys\nprint('a')\nsys.stdout.buffer.write(b'\\xffb\\n')\n"
        "print('c', end='')\nsys.stdout.buffer.write(bytearray(b'd'))\nprint('e')\n"
    ),
    "pieces from two runners": textwrap.dedent(
        """\
        def printer():
            while True:
                x = yield
                print(x, end=' ')
        def finisher():
            while True:
                yield
                print('!')
        p = printer(); next(p)
        f = finisher(); next(f)
        for i in range(3):
            p.send(i)
            next(f)
        """
    ),
}


PYTHON_U = [sys.executable, "-I", "-u"]
"""The reference: output in the order the program wrote it. Block-buffered python (a pipe
without PYTHONUNBUFFERED) lets bytes written to sys.stdout.buffer overtake earlier print()
text; the tutor, like `python -u` and a terminal for whole lines, keeps program order."""


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "NO_COLOR": "", "FORCE_COLOR": "", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args], cwd=REPO, env=full, capture_output=True, timeout=120
    )


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_piped_run_prints_exactly_what_python_prints(name, tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text(PROGRAMS[name], encoding="utf-8")
    ref = subprocess.run(PYTHON_U + [str(prog)], capture_output=True, cwd=tmp_path)
    got = _run("run", str(prog))
    assert got.stdout == ref.stdout
    assert got.returncode == ref.returncode == 0


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_json_texts_add_up_to_the_output(name, tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text(PROGRAMS[name], encoding="utf-8")
    ref = subprocess.run(PYTHON_U + [str(prog)], capture_output=True, cwd=tmp_path)
    got = _run("run", "--json", str(prog))
    events = [json.loads(line) for line in got.stdout.decode("utf-8").splitlines()]
    data = b"".join(
        base64.b64decode(e["b64"]) if "b64" in e else e["text"].encode()
        for e in events
        if e["type"] == "stdout"
    )
    assert data == ref.stdout
    for e in events:
        if e["type"] == "switch":
            assert "line" in e and "to_line" in e


def test_bytes_written_to_the_buffer_carry_their_runner(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text(
        "import sys\ndef gen():\n    sys.stdout.buffer.write(b'from gen \\xff\\n')\n"
        "    yield\nnext(gen())\nsys.stdout.buffer.write(b'from main\\n')\n",
        encoding="utf-8",
    )
    got = _run("run", "--json", str(prog))
    events = [json.loads(line) for line in got.stdout.decode("utf-8").splitlines()]
    assert [(e["runner"], e["text"]) for e in events if e["type"] == "stdout"] == [
        ("gen", "from gen \ufffd\n"),
        ("main", "from main\n"),
    ]


BLOCKING = textwrap.dedent(
    """\
    import asyncio, time

    async def fetch(n):
        if n == 2:
            time.sleep(0.3)
        await asyncio.sleep(0.01)

    async def main():
        await asyncio.gather(fetch(1), fetch(2))

    asyncio.run(main())
    """
)


def test_json_carries_the_block_event(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text(BLOCKING)
    got = _run("run", "--json", str(prog))
    blocks = [json.loads(line) for line in got.stdout.splitlines() if b'"block"' in line]
    assert [(b["runner"], b["line"], b["call"]) for b in blocks] == [("fetch#2", 5, "time.sleep")]
    assert blocks[0]["ms"] >= 300
    off = _run("run", "--json", "--block-ms", "0", str(prog))
    assert b'"block"' not in off.stdout


def run_with_stderr_on_a_terminal(prog) -> tuple[bytes, bytes]:
    """`coro-tutor run PROG` with stdout piped and stderr on a pseudo-terminal: (out, err)."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(
            [sys.executable, "-m", "tutor", "--lang", "en", "run", str(prog)],
            cwd=REPO,
            env={**os.environ, "NO_COLOR": "1"},
            stdout=subprocess.PIPE,
            stderr=slave,
        )
        os.close(slave)
        out, _ = p.communicate(timeout=120)
        err = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
    finally:
        os.close(master)
    return out, err


def test_a_terminal_gets_one_sentence_per_block(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text(BLOCKING)
    out, err = run_with_stderr_on_a_terminal(prog)
    assert out == b""  # the program printed nothing
    text = err.decode("utf-8", "replace")
    assert "fetch#2 held the event loop for" in text
    assert "at line 5 (time.sleep)" in text


HOOKED = """\
import sys
def g():
    yield
for _ in g():  # two switches
    pass
if sys.version_info >= (3, 12):
    print('hooked' if any(sys.monitoring.get_tool(i) for i in range(6)) else 'free')
else:
    print('hooked' if sys.getprofile() is not None else 'free')
"""


def test_a_run_piped_both_ways_is_not_traced(tmp_path):
    """Piped, `coro-tutor run` shows only the program's bytes and the outcome: the child
    drops its hooks at the first switch (no trace to pay for); with a terminal on stderr
    (where blocks are reported) or `--json` the trace stays."""
    prog = tmp_path / "prog.py"
    prog.write_text(HOOKED)
    piped = run_cli("run", str(prog))
    assert (piped.returncode, piped.stdout) == (0, "free\n")
    as_json = run_cli("run", "--json", str(prog))
    texts = [json.loads(line).get("text") for line in as_json.stdout.splitlines()]
    assert "hooked\n" in texts
    out, _ = run_with_stderr_on_a_terminal(prog)
    assert out == b"hooked\n"
