"""The author's kit through the CLI: `new` writes a skeleton that `check` refuses until every
placeholder is filled in, `schema` names its dialect and id, completion scripts work."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from tests.conftest import run_cli
from tutor import __version__
from tutor.strings import tr


def fill_in(text: str) -> str:
    """What an author does: every placeholder replaced by real words."""
    text = re.sub(r'"FILL IN: ([^"]*)"', lambda m: f'"{m[1]} (written)"', text)
    text = re.sub(r"FILL IN: ?", "", text)
    return text


def test_new_writes_a_skeleton_that_check_accepts_once_filled_in(tmp_path):
    result = run_cli("new", "my-lesson", "--dir", "lessons", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lesson = tmp_path / "lessons" / "my-lesson.yaml"
    schema = tmp_path / "lessons" / "lesson.schema.json"
    text = lesson.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=./lesson.schema.json\n")
    assert json.loads(schema.read_text())["$id"]
    for kind in ("read", "run", "quiz"):
        assert f"- kind: {kind}" in text
    assert "en:" in text and "zh:" in text

    unfilled = run_cli("check", "--no-run", str(lesson), cwd=tmp_path)
    assert unfilled.returncode == 1
    placeholder_lines = [n for n, line in enumerate(text.splitlines(), 1) if "FILL IN" in line]
    reported = [
        int(line.split(":")[1])
        for line in unfilled.stderr.splitlines()
        if line.endswith(tr("check.placeholder", "en"))
    ]
    assert reported == placeholder_lines

    lesson.write_text(fill_in(text), encoding="utf-8")
    filled = run_cli("check", "--runs", "1", str(lesson), cwd=tmp_path, timeout=120)
    assert filled.returncode == 0, filled.stderr
    listed = run_cli("list", "--json", "--lessons", str(tmp_path / "lessons"))
    assert "my-lesson" in listed.stdout


@pytest.mark.parametrize("bad", ["My Lesson", "a_b", "ünï"])
def test_new_refuses_a_bad_id(tmp_path, bad):
    result = run_cli("new", bad, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == tr("new.bad_id", "en", id=bad)
    assert not list(tmp_path.iterdir())


def test_new_never_overwrites(tmp_path):
    (tmp_path / "taken.yaml").write_text("mine\n")
    result = run_cli("new", "taken", cwd=tmp_path)
    assert result.returncode == 1
    assert (tmp_path / "taken.yaml").read_text() == "mine\n"


def test_schema_names_its_dialect_and_id():
    schema = json.loads(run_cli("schema").stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(__version__)
    assert schema["version"] == __version__
    assert "Lesson" in schema["$defs"]


def complete_bash(script: str, *words: str) -> list[str]:
    line = " ".join(f'"{w}"' for w in words)
    program = (
        f"{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _coro_tutor; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    out = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return out.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash here")
def test_bash_completion_completes_commands_options_and_choices():
    script = run_cli("completion", "bash").stdout
    assert complete_bash(script, "coro-tutor", "pro") == ["progress"]
    assert complete_bash(script, "coro-tutor", "run", "--isol") == ["--isolation"]
    assert complete_bash(script, "coro-tutor", "list", "--lang", "") == ["en", "zh"]
    assert "--reset" in complete_bash(script, "coro-tutor", "progress", "--")


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_name_every_command(shell):
    result = run_cli("completion", shell)
    assert result.returncode == 0
    for command in ("list", "check", "run", "quiz", "progress", "new", "completion"):
        assert command in result.stdout
    if shutil.which(shell):
        check = [shell, "-n"] if shell == "zsh" else [shell, "--no-execute"]
        assert subprocess.run([*check], input=result.stdout, text=True).returncode == 0


@pytest.mark.skipif(shutil.which("fish") is None, reason="no fish here")
def test_fish_completion_completes_commands_and_choices(tmp_path):
    script = tmp_path / "coro-tutor.fish"
    script.write_text(run_cli("completion", "fish").stdout)

    def complete(line: str) -> list[str]:
        out = subprocess.run(
            ["fish", "--no-config", "-c", f"source {script}; complete -C '{line}'"],
            capture_output=True,
            text=True,
            check=True,
        )
        return [row.split("\t")[0] for row in out.stdout.splitlines()]

    assert complete("coro-tutor pro") == ["progress"]
    assert complete("coro-tutor list --lang ") == ["en", "zh"]
    assert "--reset" in complete("coro-tutor progress --re")
