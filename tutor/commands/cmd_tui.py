"""Open the tutor's terminal interface."""

from __future__ import annotations

import argparse
import os
import sys


def on_a_terminal() -> bool:
    """Whether the interface can be shown: a terminal to read keys from and draw on, or a
    Textual driver chosen by the environment (textual-serve's web driver, for `serve`)."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return True
    return all(
        stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout, sys.stderr)
    )


def run(args: argparse.Namespace) -> int:
    if not on_a_terminal():  # piped, cron, CI: escape codes forever would help no one
        from tutor.commands.common import language
        from tutor.strings import tr

        print(tr("cli.no_terminal", language(args)), file=sys.stderr)
        return 2
    limit_memory(os.environ.get("CORO_TUTOR_APP_MEMORY_MB"))
    from tutor.app import run_app

    return run_app(args)


def limit_memory(megabytes: str | None) -> None:
    """`coro-tutor serve` caps each learner's app process (its programs have their own,
    lower limits, set by the sandbox)."""
    if not megabytes or not megabytes.isdigit():
        return
    import resource

    size = int(megabytes) << 20
    resource.setrlimit(resource.RLIMIT_DATA, (size, size))
