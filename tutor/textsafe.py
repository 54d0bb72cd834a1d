"""Text from elsewhere made safe to draw on a terminal: one function, no imports.

A program's output, a runner's name (a task or thread name is any string the program chose)
and a lesson file's titles and texts can carry escape sequences: clear the screen, set the
window title, write the clipboard (OSC 52), switch to the alternate screen. Whatever draws
such text on a terminal (`coro-tutor run` on a tty, every text drawn by the TUI) passes it
through `visible` first: C0 controls become their Unicode control pictures (ESC -> ␛),
DEL becomes ␡, and C1 controls (U+0080-U+009F, which some terminals obey as CSI, OSC ...)
become their escaped form (``\\x9b``). Nothing else changes, so printable text, including
every non-Latin script, is drawn as it is.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing`: `coro-tutor run` writes through this module
if TYPE_CHECKING:
    from typing import TextIO

_LINES: dict[int, int | str] = {c: 0x2400 + c for c in range(32) if c not in (9, 10)}
_LINES[127] = 0x2421
for _c in range(0x80, 0xA0):
    _LINES[_c] = f"\\x{_c:02x}"
_ONE_LINE = {**_LINES, 9: 0x2409, 10: 0x2424}
del _c


def visible(text: str, one_line: bool = False) -> str:
    """`text` with every control character shown as a visible symbol.

    Tabs and newlines are kept (a program's output, a lesson's paragraphs) unless
    `one_line` (a runner name, a title): then they are shown as ␉ and ␤ too.
    """
    if text.isprintable():
        return text
    return text.translate(_ONE_LINE if one_line else _LINES)


class _Visible:
    """A text stream that writes `visible(text)` (everything else is the stream's own)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(visible(text))

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def for_terminal(stream: TextIO) -> TextIO:
    """`stream` itself, or, when it is a terminal, a wrapper writing through `visible`: the
    text commands (quiz, exercise, check, list, ...) print runner names, program output and
    lesson files, none of which may drive the learner's terminal."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return stream
    # _Visible is a TextIO by delegation (__getattr__), not by inheritance
    return _Visible(stream) if tty else stream  # type: ignore[return-value]
