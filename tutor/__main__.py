#!/usr/bin/env python3
"""`python -m tutor` is the same as `coro-tutor`: this file is installed as the `coro-tutor`
script too (pyproject.toml, shared-scripts), so the command imports nothing before
tutor.cli (a console-script wrapper imports `re` first: ~40% of `coro-tutor run`'s own
import time, bench/bench_run.py)."""

from tutor.cli import main

raise SystemExit(main())
