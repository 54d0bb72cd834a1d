"""Shared fixtures: every test gets its own tutor home, so no test sees real progress."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LESSONS = REPO / "lessons"


@pytest.fixture(autouse=True)
def tutor_home(tmp_path_factory, monkeypatch) -> Path:
    home = tmp_path_factory.mktemp("tutor-home")
    monkeypatch.setenv("CORO_TUTOR_HOME", str(home))
    monkeypatch.delenv("CORO_TUTOR_LESSONS", raising=False)
    # the interface language follows the locale when none was chosen: tests speak English
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    return home


def sandbox_tiers() -> list:
    """One pytest param per sandbox tier; the tiers this machine lacks skip with the reason."""
    from tutor.runner import tiers

    status = tiers.probe()
    params = []
    for tier in tiers.TIERS:
        s = status[tier]
        marks = [] if s.available else [pytest.mark.skip(reason=tiers.describe(s))]
        params.append(pytest.param(tier, marks=marks, id=tier))
    return params


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 60):
    """Run `python -m tutor ARGS` in a subprocess, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
