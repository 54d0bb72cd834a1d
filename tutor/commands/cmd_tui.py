"""Open the tutor's terminal interface."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from tutor.app import run_app

    return run_app(args)
