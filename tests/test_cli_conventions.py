"""Command-line conventions: no interface without a terminal, the language from the saved
choice then the locale, FORCE_COLOR beside NO_COLOR."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tutor.progress import load_progress
from tutor.strings import tr


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bare_command_without_a_terminal_exits_with_a_sentence(lang):
    result = run_cli("--lang", lang, timeout=20)  # captured: stdin, stdout, stderr are pipes
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == tr("cli.no_terminal", lang)
    assert "\x1b" not in result.stderr


@pytest.mark.parametrize(
    ("locale", "chinese"),
    [
        ({"LANG": "zh_CN.UTF-8"}, True),
        ({"LANG": "zh_TW.UTF-8"}, True),
        ({"LANG": "C.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, True),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}, False),
        ({"LANG": "de_DE.UTF-8"}, False),
    ],
)
def test_language_follows_the_locale_when_none_was_chosen(locale, chinese):
    result = run_cli("list", env={"LC_ALL": "", "LC_MESSAGES": "", **locale})
    assert result.returncode == 0, result.stderr
    assert has_chinese(result.stdout) is chinese


def test_the_saved_language_wins_over_the_locale_and_lang_over_both(tutor_home):
    progress, _ = load_progress()
    progress.set_setting("lang", "en")
    assert progress.save()
    zh_locale = {"LANG": "zh_CN.UTF-8", "LC_ALL": ""}
    assert not has_chinese(run_cli("list", env=zh_locale).stdout)
    assert has_chinese(run_cli("list", "--lang", "zh", env=zh_locale).stdout)


@pytest.mark.parametrize(
    ("env", "coloured"),
    [
        ({}, False),
        ({"FORCE_COLOR": "1"}, True),
        ({"FORCE_COLOR": "0"}, False),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_force_color_is_honoured_like_no_color(tmp_path, env, coloured):
    program = tmp_path / "hi.py"
    program.write_text("print('hi')\n")
    clean = {"FORCE_COLOR": "", "NO_COLOR": "", **env}
    result = run_cli("run", str(program), env=clean, timeout=60)
    assert result.returncode == 0
    assert ("\x1b[" in result.stdout) is coloured
    assert ("\x1b[" in result.stderr) is coloured
    assert result.stdout.endswith("hi\n")


def test_list_json_paths_are_absolute_wherever_it_runs(tmp_path):
    import json

    from tests.conftest import LESSONS

    result = run_cli("list", "--json", "--lessons", str(LESSONS), cwd=tmp_path)
    paths = [entry["path"] for entry in json.loads(result.stdout)["lessons"]]
    assert paths and all(path.startswith("/") for path in paths)
    assert paths == [str(p.resolve()) for p in sorted(LESSONS.glob("*.yaml"))]


def test_every_json_output_carries_the_version(tmp_path):
    import json

    from tutor import __version__

    program = tmp_path / "hi.py"
    program.write_text("print('hi')\n")
    outputs = {
        "list": json.loads(run_cli("list", "--json").stdout),
        "progress": json.loads(run_cli("progress", "--json").stdout),
        "schema": json.loads(run_cli("schema").stdout),
        "run": json.loads(run_cli("run", "--json", str(program)).stdout.splitlines()[0]),
    }
    assert {name: out.get("version") for name, out in outputs.items()} == dict.fromkeys(
        outputs, __version__
    )
