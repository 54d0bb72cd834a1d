"""The command line, run as a learner runs it: in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import LESSONS, REPO, run_cli
from tutor import __version__


def test_version():
    result = run_cli("--version")
    assert result.stdout.strip() == f"coro-tutor {__version__}"


@pytest.mark.parametrize("command", ["list", "check", "schema", "doctor"])
def test_every_command_has_help(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: coro-tutor {command}")


def test_list_json_describes_every_shipped_lesson():
    result = run_cli("list", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["version"] == __version__
    listed = out["lessons"]
    files = sorted(LESSONS.glob("*.yaml"))
    assert len(listed) == len(files) >= 2
    assert [entry["path"] for entry in listed] == [str(f.resolve()) for f in files]
    for entry in listed:
        assert set(entry) >= {"id", "title", "summary", "topic", "steps", "requires"}
        assert set(entry["title"]) == {"en", "zh"}
        assert entry["steps"] >= 1


def test_list_in_chinese_shows_chinese_titles():
    english = run_cli("list").stdout
    chinese = run_cli("list", "--lang", "zh").stdout
    assert english != chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)


def test_lessons_dir_option_and_environment(tmp_path):
    source = (LESSONS / "04-producer-consumer.yaml").read_text(encoding="utf-8")
    (tmp_path / "mine.yaml").write_text(
        source.replace("id: producer-consumer", "id: my-own"), encoding="utf-8"
    )
    by_option = json.loads(run_cli("list", "--json", "--lessons", str(tmp_path)).stdout)["lessons"]
    by_env = json.loads(
        run_cli("list", "--json", env={"CORO_TUTOR_LESSONS": str(tmp_path)}).stdout
    )["lessons"]
    assert [e["id"] for e in by_option] == [e["id"] for e in by_env] == ["my-own"]


def test_list_reports_a_broken_file_and_still_lists_the_rest(tmp_path):
    source = (LESSONS / "04-producer-consumer.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(source, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("id: broken\n", encoding="utf-8")
    result = run_cli("list", "--json", "--lessons", str(tmp_path), cwd=tmp_path)
    assert [e["id"] for e in json.loads(result.stdout)["lessons"]] == ["producer-consumer"]
    assert "b.yaml:1: missing required key `title`  (skipped)" in result.stderr


def test_an_empty_lessons_folder_is_explained(tmp_path):
    result = run_cli("list", "--lessons", str(tmp_path))
    assert result.returncode == 1
    assert "No lessons found" in result.stderr


def test_check_the_shipped_lessons_passes_validation():
    result = run_cli("check", "--no-run", "lessons")
    assert result.returncode == 0, result.stderr
    assert "lesson(s) valid" in result.stdout


def test_check_a_missing_path():
    result = run_cli("check", "--no-run", "no/such/dir")
    assert result.returncode == 1
    assert "no/such/dir:1: no such file or folder" in result.stderr


def test_doctor_names_versions_and_the_progress_folder(tutor_home):
    result = run_cli("doctor")
    assert "greenlet" in result.stdout and "gevent" in result.stdout
    assert str(tutor_home) in result.stdout


def test_python_dash_m_tutor_is_the_same_program():
    via_module = subprocess.run(
        [sys.executable, "-m", "tutor", "list"], capture_output=True, text=True, cwd=REPO
    )
    script = Path(sys.executable).parent / "coro-tutor"
    if not script.exists():
        pytest.skip(
            f"no console script beside {sys.executable}: the project is not installed there"
        )
    via_script = subprocess.run([str(script), "list"], capture_output=True, text=True, cwd=REPO)
    assert via_module.stdout == via_script.stdout != ""


HEADLESS_PROBE = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    import tutor
    from tutor.cli import main
    for info in pkgutil.walk_packages(tutor.__path__, "tutor."):
        # the app may import textual; __main__ and the child-side modules run on import
        skipped = ("tutor.app", "tutor.__main__", "tutor.runner.child")
        if info.name.startswith(skipped):
            continue
        importlib.import_module(info.name)
    for argv in (["list"], ["list", "--json"], ["check", "--no-run"], ["schema"], ["doctor"]):
        try:
            main(argv)
        except SystemExit:
            pass
    print("TEXTUAL-LOADED" if "textual" in sys.modules else "HEADLESS", file=sys.stderr)
    """
)


def test_the_core_and_the_cli_never_import_textual():
    result = subprocess.run(
        [sys.executable, "-c", HEADLESS_PROBE],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.stderr.strip().splitlines()[-1] == "HEADLESS", result.stderr[-2000:]
