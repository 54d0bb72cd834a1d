"""The Textual interface: the only package that imports textual."""

from __future__ import annotations

import argparse


def run_app(args: argparse.Namespace) -> int:
    from tutor.app.main import TutorApp

    TutorApp(lessons=args.lessons, lang=args.lang).run()
    return 0
