"""A non-editable install carries the lessons: `coro-tutor list` finds them from anywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig

import pytest

from tests.conftest import LESSONS, REPO


@pytest.mark.slow
def test_the_wheel_ships_every_lesson(tmp_path):
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(REPO),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("coro_tutor-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # the installed copy first, then this venv's dependencies; never the source tree
    path = os.pathsep.join(
        [str(target), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    )
    env = {k: v for k, v in os.environ.items() if k != "CORO_TUTOR_LESSONS"} | {"PYTHONPATH": path}
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "list", "--json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)["lessons"]
    assert len(listed) == len(list(LESSONS.glob("*.yaml")))
    assert all(entry["path"].startswith(str(target)) for entry in listed)
    probe = subprocess.run(
        [sys.executable, "-c", "import tutor; print(tutor.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.stdout.startswith(str(target))
