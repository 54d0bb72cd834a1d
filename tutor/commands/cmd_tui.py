"""Open the tutor's terminal interface."""

from __future__ import annotations

import argparse
import os


def run(args: argparse.Namespace) -> int:
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
