"""What the package declares: the Python grammar only (not textual[syntax]), and the editor
still highlights Python with it; a lower bound on every dependency (CI installs them)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from test_app_support import SIZE, fixed_course, open_first_run_step

from tests.conftest import REPO

tomllib = pytest.importorskip("tomllib")


def dependencies() -> list[str]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]


def test_textual_without_its_fifteen_grammars():
    names = {re.match(r"[A-Za-z0-9_.\[\]-]+", d)[0] for d in dependencies()}
    assert "textual[syntax]" not in names
    assert {"textual", "tree-sitter", "tree-sitter-python"} <= names
    assert not any(n.startswith("tree-sitter-") and n != "tree-sitter-python" for n in names)


def test_every_dependency_has_a_lower_bound_that_ci_installs():
    lowest = subprocess.run(
        [sys.executable, str(REPO / ".ci" / "lowest.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(lowest) == len(dependencies())
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9.]*", pin) for pin in lowest)


async def test_the_editor_highlights_python():
    from textual.widgets import TextArea

    from tutor.app.main import TutorApp

    app = TutorApp(course=fixed_course(), reopen=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        editor = app.screen.query_one("#code", TextArea)
        assert editor.language == "python"
        assert editor.is_syntax_aware


def test_license_and_changelog_ship():
    assert "MIT License" in (REPO / "LICENSE").read_text()
    assert (REPO / "CHANGELOG.md").read_text().startswith("# Changelog")
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    # no project URLs until the project has a public home: a made-up address misleads
    assert "urls" not in project
    assert "Operating System :: POSIX :: Linux" in project["classifiers"]
    assert project["keywords"]


def test_doctor_says_when_open_edx_tutor_shares_the_venv(tmp_path):
    from tests.conftest import run_cli
    from tutor.strings import tr

    dist = tmp_path / "tutor-18.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tutor\nVersion: 18.1.0\n")
    (dist / "top_level.txt").write_text("tutor\n")
    alone = run_cli("doctor")
    assert "pipx install" not in alone.stdout
    beside = run_cli("doctor", env={"PYTHONPATH": str(tmp_path)})
    assert beside.returncode == 1
    assert tr("doctor.tutor_clash", "en", packages="tutor 18.1.0") in beside.stdout
