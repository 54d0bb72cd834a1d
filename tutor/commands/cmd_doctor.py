"""Show what the tutor runs with: Python, greenlet and gevent, the sandbox, the data folder."""

from __future__ import annotations

import argparse
import platform
import sys

from tutor import __version__
from tutor.commands.common import language
from tutor.paths import data_dir
from tutor.strings import tr


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def package_version(name: str) -> str | None:
    from importlib import metadata  # costs ~20 ms: only when asked

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def clashing_packages() -> list[str]:
    """Other distributions that install a top-level `tutor` package, like Open edX's
    `tutor`: in one environment the two overwrite each other's files."""
    from importlib import metadata

    found = []
    for name in metadata.packages_distributions().get("tutor", []):
        if name.lower().replace("_", "-") != "coro-tutor":
            found.append(f"{name} {package_version(name) or ''}".strip())
    return sorted(set(found))


def run(args: argparse.Namespace) -> int:
    lang = language(args)
    print(f"coro-tutor   {__version__}")
    print(f"Python       {platform.python_version()} ({sys.executable})")
    missing = []
    for name in ("greenlet", "gevent", "textual"):
        version = package_version(name)
        print(f"{name:<12} {version or tr('cli.not_installed', lang)}")
        if version is None:
            missing.append(name)
    print(f"progress     {data_dir()}")
    from tutor.runner.tiers import doctor_line

    print(f"sandbox      {doctor_line()}")
    clashes = clashing_packages()
    if clashes:
        print("\n" + tr("doctor.tutor_clash", lang, packages=", ".join(clashes)))
    if missing:
        command = f"{sys.executable} -m pip install {' '.join(missing)}"
        print("\n" + tr("cli.doctor_missing", lang, pkgs=", ".join(missing), cmd=command))
        return 1
    return 1 if clashes else 0
