"""`--timeout` takes a positive finite number of sane size, and forged event lines never
break the parent: no traceback, no lost line, the --json stream stays valid UTF-8 JSON."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.conftest import run_cli
from tutor.commands.options import MAX_TIMEOUT


@pytest.mark.parametrize("value", ["nan", "inf", "1e9", "1e999", "0", "-1", "soon"])
@pytest.mark.parametrize("form", ["separate", "equals", "global-option-first"])
def test_run_refuses_a_timeout_that_is_not_a_sane_number(tmp_path, value, form):
    program = tmp_path / "prog.py"
    program.write_text("print('ran')\n")
    if form == "separate":
        argv = ["run", "--timeout", value, str(program)]
    elif form == "equals":
        argv = ["run", f"--timeout={value}", str(program)]
    else:
        argv = ["--lang", "en", "run", f"--timeout={value}", str(program)]
    result = run_cli(*argv, timeout=30)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.endswith(
        f"argument --timeout: {value!r} is not a number of seconds above 0 and at most "
        f"{int(MAX_TIMEOUT)}: give one such as 15"
    )


def test_run_accepts_a_small_timeout(tmp_path):
    program = tmp_path / "prog.py"
    program.write_text("print('ran')\n")
    result = run_cli("run", "--timeout", "2.5", str(program), timeout=30)
    assert (result.returncode, result.stdout) == (0, "ran\n")


FORGER = textwrap.dedent(
    r"""
    import os
    lines = [
        b'{"type":"stdout","seq":1,"t":1e999,"runner":"main","text":"forged\\n"}\n',
        b'{"type":"stdout","seq":2,"t":1.0,"runner":"main","text":"\\ud800 lone\\n"}\n',
        b'{"type":"switch","seq":3,"t":1e999,"from":"a","to":"b","via":"x"}\n',
        b'{"type":"stdout","seq":4,"t":1.0,"runner":"\\udfff","text":"x\\n"}\n',
        b'{"t":1e999}\n',
        b'{"type":"stdout","seq":5,"t":1.0,"runner":"main","text":"cut\n',
        b'{"type":"stdout","seq":6,"t":1.0,"runner":"main","text":"bad \\x escape"}\n',
        b'garbage\xff\n',
    ]
    for fd in range(3, 30):
        for line in lines:
            try:
                os.write(fd, line)
            except OSError:
                pass
    print("after")
    """
)


def test_forged_event_lines_never_break_plain_output(tmp_path):
    program = tmp_path / "forge.py"
    program.write_text(FORGER)
    result = run_cli("run", str(program), timeout=60)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1] == "after"
    if "forged" in result.stdout:  # the forgery reached the parent: nothing of it is lost
        assert "lone" in result.stdout


def test_forged_event_lines_keep_the_json_stream_valid(tmp_path):
    program = tmp_path / "forge.py"
    program.write_text(FORGER)
    result = run_cli("run", "--json", str(program), timeout=60)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]  # text=True: UTF-8
    texts = [e.get("text") for e in events if e["type"] == "stdout"]
    assert texts[-1] == "after\n"
    if "forged" in texts:
        assert "\ud800 lone" in texts
