"""Where the tutor keeps its files for this user."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """Progress and settings: $CORO_TUTOR_HOME, else the platform's user data dir."""
    override = os.environ.get("CORO_TUTOR_HOME")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("coro-tutor", appauthor=False))


def cache_dir() -> Path:
    """Things that can be rebuilt (the sandbox probe): under the data dir when overridden."""
    override = os.environ.get("CORO_TUTOR_HOME")
    if override:
        return Path(override).expanduser() / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("coro-tutor", appauthor=False))
