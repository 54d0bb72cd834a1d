"""Hostile or broken files in a lessons folder: each is one `file:line: message`, never a
hang, a traceback or a MemoryError, and the other lessons still load (list, check, the TUI)."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import LESSONS, run_cli

GOOD = (LESSONS / "04-producer-consumer.yaml").read_text(encoding="utf-8")

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)
)


def hostile(folder, kind: str) -> str:
    """Put one hostile entry in `folder`; return its file name."""
    if kind == "alias-bomb":
        (folder / "bomb.yaml").write_text(BOMB, encoding="utf-8")
        return "bomb.yaml"
    if kind == "recursive-alias":
        (folder / "self.yaml").write_text("id: &a [*a]\n", encoding="utf-8")
        return "self.yaml"
    if kind == "symlink-loop":
        os.symlink("loop2.yaml", folder / "loop1.yaml")
        os.symlink("loop1.yaml", folder / "loop2.yaml")
        return "loop1.yaml"
    if kind == "dev-zero":
        os.symlink("/dev/zero", folder / "zero.yaml")
        return "zero.yaml"
    if kind == "fifo":
        os.mkfifo(folder / "x.yaml")
        return "x.yaml"
    if kind == "huge":
        (folder / "huge.yaml").write_text("# padding\n" * 200_000, encoding="utf-8")
        return "huge.yaml"
    if kind == "folder":
        (folder / "dir.yaml").mkdir()
        return "dir.yaml"
    if kind == "deep":
        (folder / "deep.yaml").write_text(
            "a:\n" + "".join("  " * i + "- \n" for i in range(1, 400)), encoding="utf-8"
        )
        return "deep.yaml"
    raise AssertionError(kind)


KINDS = [
    "alias-bomb",
    "recursive-alias",
    "symlink-loop",
    "dev-zero",
    "fifo",
    "huge",
    "folder",
    "deep",
]


@pytest.fixture
def folder(tmp_path):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "good.yaml").write_text(GOOD, encoding="utf-8")
    return lessons


@pytest.mark.parametrize("kind", KINDS)
def test_list_skips_the_file_with_one_sentence(folder, kind):
    name = hostile(folder, kind)
    result = run_cli("list", "--json", "--lessons", str(folder), cwd=folder, timeout=20)
    assert result.returncode == 0, result.stderr
    assert [e["id"] for e in json.loads(result.stdout)["lessons"]] == ["producer-consumer"]
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
    problems = [line for line in result.stderr.splitlines() if line.startswith(name + ":")]
    assert problems, result.stderr
    assert all(line.split(":")[1].isdigit() for line in problems)


@pytest.mark.parametrize("kind", KINDS)
def test_check_reports_the_file_and_validates_the_rest(folder, kind):
    name = hostile(folder, kind)
    result = run_cli("check", "--no-run", str(folder), cwd=folder, timeout=20)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert any(line.startswith(f"{name}:") for line in result.stderr.splitlines()), result.stderr
    assert "1 lesson(s) valid" in result.stderr


def test_the_refusals_say_why(folder):
    for kind in KINDS:
        hostile(folder, kind)
    result = run_cli("check", "--no-run", str(folder), cwd=folder, timeout=20)
    said = result.stderr
    assert "zero.yaml:1: not a regular file (a device)" in said
    assert "x.yaml:1: not a regular file (a FIFO)" in said
    assert "dir.yaml:1: not a regular file (a folder)" in said
    assert "loop1.yaml:1: cannot read the file: it is a symlink loop" in said
    assert "huge.yaml:1: the file is 1953 KiB or more" in said
    assert "once aliases are expanded" in said
    assert "self.yaml:1: nested more than" in said
    assert "deep.yaml:" in said and "nested more than" in said


def test_a_lessons_folder_that_is_a_symlink_loop(tmp_path):
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")
    result = run_cli("list", "--lessons", str(tmp_path / "a"), cwd=tmp_path, timeout=20)
    assert "Traceback" not in result.stderr
    assert "symlink loop" in result.stderr


async def test_the_tui_opens_beside_a_fifo_and_a_bomb(folder, monkeypatch):
    from tutor.app.main import TutorApp

    hostile(folder, "fifo")
    hostile(folder, "alias-bomb")
    hostile(folder, "dev-zero")
    monkeypatch.chdir(folder)
    app = TutorApp(lessons=str(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.is_running
        assert [lesson.id for lesson in app.screen.course.lessons] == ["producer-consumer"]
        assert len(app.screen.course.errors) == 3
