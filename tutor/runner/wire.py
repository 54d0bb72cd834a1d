"""Decoding the child's event lines (JSON, one per line, see docs/runner-tracer.md).

`coro-tutor run` decodes with the C scanner behind the json module: importing `json` would
pull in `re`, and msgspec costs more still.
"""

from __future__ import annotations

import sys


class _ScanContext:
    """What _json.make_scanner reads from a json.JSONDecoder."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: dict = {}

    @staticmethod
    def parse_constant(name: str) -> float:
        return float(name.lower().replace("infinity", "inf"))


def line_decoder():
    """(decode, errors): msgspec's decoder when msgspec is already loaded (the TUI), else
    the C scanner behind the json module (the json package would pull in `re`)."""
    ms = sys.modules.get("msgspec")
    if ms is not None:
        return ms.json.decode, (ms.DecodeError, ValueError)
    try:
        from _json import make_scanner

        scan = make_scanner(_ScanContext())

        def loads(line: bytes):
            text = line.decode("utf-8", "replace")
            value, end = scan(text, 0)
            if end != len(text) and text[end:].strip():
                raise ValueError("extra data")
            return value

        return loads, (ValueError, StopIteration)
    except ImportError:
        import json

        return json.loads, (ValueError,)
