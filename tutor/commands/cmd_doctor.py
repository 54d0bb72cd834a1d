"""Show what the tutor runs with: Python, greenlet and gevent, the sandbox, the data folder."""

from __future__ import annotations

import argparse
import platform
import sys

from tutor import __version__
from tutor.paths import data_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def package_version(name: str) -> str | None:
    from importlib import metadata  # costs ~20 ms: only when asked

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def run(args: argparse.Namespace) -> int:
    print(f"coro-tutor   {__version__}")
    print(f"Python       {platform.python_version()} ({sys.executable})")
    missing = []
    for name in ("greenlet", "gevent", "textual"):
        version = package_version(name)
        print(f"{name:<12} {version or 'not installed'}")
        if version is None:
            missing.append(name)
    print(f"progress     {data_dir()}")
    from tutor.runner.sandbox import doctor_line

    print(f"sandbox      {doctor_line()}")
    if missing:
        print(
            f"\nMissing: {', '.join(missing)}. Install with: "
            f"{sys.executable} -m pip install {' '.join(missing)}"
        )
        return 1
    return 0
