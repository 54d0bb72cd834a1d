"""Decoding the child's event lines (JSON, one per line, see docs/runner-tracer.md).

`coro-tutor run` decodes with the C scanner behind the json module: importing `json` would
pull in `re`, and msgspec costs more still.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # no `typing` import: `coro-tutor run` decodes with this module
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    Decoder = tuple[Callable[[bytes], Any], tuple[type[Exception], ...]]
    """A line's decode function, and the exceptions it raises for a bad line."""


class _ScanContext:
    """What _json.make_scanner reads from a json.JSONDecoder."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: dict[str, str] = {}

    @staticmethod
    def parse_constant(name: str) -> float:
        return float(name.lower().replace("infinity", "inf"))


def line_decoder() -> Decoder:
    """(decode, errors): msgspec's decoder when msgspec is already loaded (the TUI), else
    the C scanner behind the json module (the json package would pull in `re`)."""
    ms = sys.modules.get("msgspec")
    if ms is not None:
        return ms.json.decode, (ms.DecodeError, ValueError)
    try:
        from _json import make_scanner

        # typeshed asks for a JSONDecoder; the scanner reads only _ScanContext's attributes
        scan = make_scanner(_ScanContext())  # type: ignore[arg-type]

        def loads(line: bytes) -> Any:
            text = line.decode("utf-8", "replace")
            try:
                value, end = scan(text, 0)
            except SystemError:  # malformed: the scanner's own error needs json.decoder
                raise ValueError("not a JSON line") from None
            if end != len(text) and text[end:].strip():
                raise ValueError("extra data")
            return value

        return loads, (ValueError, StopIteration)
    except ImportError:
        import json

        return json.loads, (ValueError,)


def clean_str(value: object) -> str:
    """A wire string as valid Unicode: a forged line's lone surrogates (which the JSON
    scanner accepts as escapes) become U+FFFD, anything else becomes its str()."""
    s = value if isinstance(value, str) else str(value)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        s = s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return s


def finite(value: object) -> float | None:
    """A number from the wire, or None when it is not one or not finite (1e999, NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        f = float(value)
    except OverflowError:
        return None
    return f if f - f == 0.0 else None


def exact_bytes(text: str, b64: object) -> bytes:
    """The bytes an output event stands for: its `b64` (base64, see docs/runner-tracer.md)
    when present and valid, else text as UTF-8."""
    if isinstance(b64, str):
        from binascii import Error, a2b_base64

        try:
            return a2b_base64(b64)
        except (Error, ValueError):
            pass
    return text.encode("utf-8", "replace")


def piece(data: bytes) -> tuple[str, str | None]:
    """(text, b64) for output bytes: text is data as UTF-8 (invalid bytes as U+FFFD); b64
    (base64 of data) only when text does not say exactly the same bytes."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        from binascii import b2a_base64

        return data.decode("utf-8", "replace"), b2a_base64(data, newline=False).decode("ascii")


def _line(n: object) -> int | None:
    return n if type(n) is int and 0 < n < 1 << 31 else None


def switch_fields(d: dict[str, Any]) -> dict[str, Any]:
    """A switch event's fields from a wire dict (KeyError when one is missing)."""
    return {
        "from": clean_str(d["from"]),
        "to": clean_str(d["to"]),
        "via": clean_str(d["via"]),
        "line": _line(d.get("line")),
        "to_line": _line(d.get("to_line")),
    }


def block_fields(d: dict[str, Any]) -> dict[str, Any]:
    """A block event's fields from a wire dict (KeyError when one is missing)."""
    ms = finite(d.get("ms"))
    call = d.get("call")
    return {
        "runner": clean_str(d["runner"]),
        "ms": int(ms) if ms is not None and 0 <= ms < 1e12 else 0,
        "line": _line(d.get("line")),
        "call": clean_str(call) if isinstance(call, str) else None,
    }


def pieces(data: bytes) -> Iterator[tuple[str, str | None]]:
    """(text, b64) of each line of data (with its newline), see piece()."""
    start = 0
    n = len(data)
    while start < n:
        end = data.find(b"\n", start)
        end = n if end < 0 else end + 1
        yield piece(data[start:end])
        start = end


def char_cut(data: bytes) -> int:
    """Where to cut data so that no UTF-8 character is split (its length if none is)."""
    for back in range(1, min(4, len(data)) + 1):
        b = data[-back]
        if b & 0xC0 != 0x80:  # the last character starts here
            need = 2 if b >= 0xC0 else 1
            need = 3 if b >= 0xE0 else need
            need = 4 if b >= 0xF0 else need
            return len(data) - back if back < need else len(data)
    return len(data)


def clip(text: str, b64: str | None, room: int) -> tuple[str | None, str | None, int]:
    """(text, b64, size in bytes) of an output event that fits in `room` bytes; past it,
    (what fits, or None when nothing does, its b64, -1)."""
    data = exact_bytes(text, b64) if b64 is not None else None
    if data is not None:
        size = len(data)
    else:
        size = len(text) if text.isascii() else len(text.encode("utf-8"))
    if size <= room:
        return text, b64, size
    if room <= 0:
        return None, None, -1
    text, b64 = piece((data if data is not None else text.encode("utf-8"))[:room])
    return text, b64, -1
