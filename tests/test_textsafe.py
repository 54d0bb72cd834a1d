"""Terminal safety: tutor.textsafe.visible, and `coro-tutor run` on a terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import textwrap

from tutor.textsafe import visible

ATTACKS = [
    "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "\x1b]0;pwned\x07",  # set the window title
    "\x1b]52;c;aGVsbG8=\x07",  # write the clipboard (OSC 52)
    "\x1b[?1049h",  # alternate screen
    "\x9b2J",  # C1 CSI
    "\x9d0;title\x9c",  # C1 OSC ... ST
    "a\rb\bc\x00d\x7f",
]


def _controls(text: str) -> list[str]:
    return [c for c in text if ord(c) < 32 and c not in "\t\n" or 0x7F <= ord(c) < 0xA0]


def test_every_control_character_becomes_visible():
    for attack in ATTACKS:
        shown = visible(attack)
        assert _controls(shown) == [], repr(shown)
    every = "".join(chr(c) for c in range(0xA0))
    assert _controls(visible(every)) == []
    assert visible("\x1b[31m") == "␛[31m"
    assert visible("\x9b") == "\\x9b"
    assert visible("\x7f") == "␡"


def test_printable_text_tabs_and_newlines_are_kept():
    text = "naïve 协程 → ok\tcolumn\nnext line [bold]not markup[/]"
    assert visible(text) == text
    assert visible("plain") == "plain"


def test_one_line_shows_tabs_and_newlines_too():
    shown = visible("task\n\x1b[2Jname\t!", one_line=True)
    assert "\n" not in shown and "\t" not in shown and "\x1b" not in shown
    assert shown == "task␤␛[2Jname␉!"


def _run_on_a_terminal(tmp_path, code: str) -> bytes:
    prog = tmp_path / "attack.py"
    prog.write_text(textwrap.dedent(code))
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tutor", "run", "--isolation", "basic", str(prog)],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            env={k: v for k, v in os.environ.items() if k != "NO_COLOR"},
        )
        os.close(slave)
        slave = -1
        out = b""
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            out += chunk
        proc.wait(timeout=60)
        return out
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)


def test_run_on_a_terminal_shows_escapes_as_symbols(tmp_path):
    code = f"""
        import asyncio, sys
        print({ATTACKS[0]!r} + "cleared?")
        print({ATTACKS[2]!r}, file=sys.stderr)
        print("c1 {ATTACKS[4]}")
        async def w():
            print("from a task")
        async def main():
            await asyncio.create_task(w(), name="evil\\x1b]0;title\\x07")
        asyncio.run(main())
    """
    out = _run_on_a_terminal(tmp_path, code).decode("utf-8", "replace")
    assert "␛[2J␛[Hcleared?" in out
    assert "␛]52;c;aGVsbG8=␇" in out
    assert "c1 \\x9b2J" in out
    assert "evil␛]0;title␇ │\x1b[0m from a task" in out
    without_colour = re.sub(r"\x1b\[\d+m", "", out)  # our own prefix colours
    assert "\x1b" not in without_colour and "\x9b" not in out, repr(out)


def test_run_piped_keeps_the_exact_bytes(tmp_path):
    prog = tmp_path / "attack.py"
    prog.write_text(f"print({ATTACKS[0]!r} + 'x')\n")
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "run", "--isolation", "basic", str(prog)],
        capture_output=True,
        timeout=60,
    )
    assert out.stdout == ATTACKS[0].encode() + b"x\n"


def test_lesson_texts_and_app_lines_are_made_visible():
    from tutor.app.line_view import clean
    from tutor.lesson import Text as LessonText

    title = LessonText(en="Title\x1b]0;pwned\x07", zh="标题\x1b[2J")
    assert title("en") == "Title␛]0;pwned␇"
    assert title("zh") == "标题␛[2J"
    assert clean("\tout\x1b[31m\x9b") == "        out␛[31m\\x9b"
    assert clean("name\nnext") == "name␤next"


def test_text_commands_on_a_terminal_write_visible_text(tmp_path):
    import io

    from tutor.textsafe import for_terminal

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    assert for_terminal(pipe) is pipe
    out = for_terminal(tty)
    print("runner \x1b]0;x\x07 | line", file=out)
    out.flush()
    assert tty.getvalue() == "runner ␛]0;x␇ | line\n"
