"""Options and defaults several commands share, kept import-light (`run` starts fast)."""

from __future__ import annotations

MAX_TIMEOUT = 3600.0
"""The longest wall-clock limit a command accepts, in seconds (an hour)."""


def parse_timeout(text: str) -> float | None:
    """A positive finite number of seconds up to MAX_TIMEOUT, else None (nan, inf, 0, -1, 1e9)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 < value <= MAX_TIMEOUT else None  # also False for nan and inf


def timeout_type(text: str) -> float:
    """argparse `type=` for --timeout: a refused value is one sentence, rc 2."""
    value = parse_timeout(text)
    if value is None:
        import argparse

        from tutor.strings import locale_language, tr

        raise argparse.ArgumentTypeError(
            tr("cli.bad_timeout", locale_language() or "en", value=text, most=int(MAX_TIMEOUT))
        )
    return value
