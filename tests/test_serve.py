"""`coro-tutor serve`: learners, their homes, the caps and the teacher's page, through the
classroom core, the run slots, the HTTP server (aiohttp's test client) and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tutor.classroom import Classroom, clean_name
from tutor.progress import load_progress
from tutor.runner import slots


def test_a_name_is_kept_printable_short_and_on_one_line() -> None:
    assert clean_name("  Ada \x1b[31mLovelace\n ") == "Ada [31mLovelace"
    assert len(clean_name("x" * 500)) == 40


def test_each_learner_gets_an_own_home_and_a_forged_token_finds_nobody(tmp_path: Path) -> None:
    room = Classroom(tmp_path)
    ada, bob = room.join("Ada"), room.join("")
    assert room.find(ada.token) == ada and room.find(bob.token) == bob
    assert bob.name  # a generated name
    assert room.home(ada.token) != room.home(bob.token)
    assert room.find("0" * 32) is None and room.find("../../etc") is None


def test_the_teacher_sees_each_learners_place_and_score(tmp_path: Path) -> None:
    room = Classroom(tmp_path)
    ada = room.join("Ada")
    room.join("Bob")
    progress, _ = load_progress(room.home(ada.token) / "progress.json")
    progress.set_position("producer-consumer", 2)
    progress.record_answer("producer-consumer", 3, correct=True)
    progress.record_answer("producer-consumer", 4, correct=False)
    assert progress.save()
    rows = {row.name: row for row in room.standings({"producer-consumer": 2})}
    assert (rows["Ada"].lesson, rows["Ada"].step) == ("producer-consumer", 3)
    assert (rows["Ada"].right, rows["Ada"].answered, rows["Ada"].done) == (1, 2, 1)
    assert (rows["Bob"].lesson, rows["Bob"].answered) == (None, 0)


def test_run_slots_cap_programs_across_processes(tmp_path: Path) -> None:
    first, second = slots.try_take(str(tmp_path), 2), slots.try_take(str(tmp_path), 2)
    assert first is not None and second is not None
    assert slots.try_take(str(tmp_path), 2) is None
    first.release()
    third = slots.try_take(str(tmp_path), 2)
    assert third is not None
    # a process that dies holding a slot gives it back
    second.release()
    third.release()
    holder = textwrap.dedent(
        f"""
        import sys
        from tutor.runner import slots
        held = [slots.try_take({str(tmp_path)!r}, 1)]
        print("held" if held[0] else "none", flush=True)
        sys.stdin.read()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    assert slots.try_take(str(tmp_path), 1) is None
    proc.kill()
    proc.wait()
    assert slots.try_take(str(tmp_path), 1) is not None


def test_slots_come_from_the_environment() -> None:
    assert slots.configured({"CORO_TUTOR_RUN_SLOTS": "/x/y:3"}) == ("/x/y", 3)
    assert slots.configured({"CORO_TUTOR_RUN_SLOTS": "/x/y:0"}) is None
    assert slots.configured({}) is None


def test_serve_refuses_a_weak_sandbox_unless_told_and_says_why() -> None:
    from tutor.commands.cmd_serve import sandbox_refusal

    assert sandbox_refusal("full", False, "en") is None
    assert sandbox_refusal("basic", True, "en") is None
    sentence = sandbox_refusal("partial", False, "en")
    assert sentence and "--allow-weak-sandbox" in sentence and "bubblewrap" in sentence
    assert "--allow-weak-sandbox" in (sandbox_refusal("basic", False, "zh") or "")


def test_serve_without_its_extra_says_how_to_install_it(tmp_path: Path) -> None:
    blocker = tmp_path / "textual_serve.py"
    blocker.write_text("raise ImportError('No module named textual_serve')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path), CORO_TUTOR_HOME=str(tmp_path / "home"))
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "serve", "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "pip install 'coro-tutor[serve]'" in result.stderr


# --- the HTTP side ------------------------------------------------------------------------


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    pytest.importorskip("textual_serve", reason="the serve extra is not installed")
    from tutor.app.serve import ClassroomServer

    return ClassroomServer(
        Classroom(tmp_path / "room"),
        host="127.0.0.1",
        port=0,
        lessons=None,
        max_learners=1,
        slots=f"{tmp_path}:2",
        memory_mb=1024,
        teacher_token="s3cret",
        quizzes={"producer-consumer": 2},
        lang="en",
    )


async def test_a_browser_joins_by_name_and_gets_the_tutor(server) -> None:  # type: ignore[no-untyped-def]
    from aiohttp.test_utils import TestClient, TestServer

    async with TestClient(TestServer(await server._make_app())) as client:
        first = await client.get("/", allow_redirects=False)
        assert first.status == 302 and first.headers["Location"] == "/join"
        assert "<form" in await (await client.get("/join")).text()
        joined = await client.post("/join", data={"name": "<b>Ada</b>"}, allow_redirects=False)
        assert joined.status == 302 and "coro_tutor_learner" in joined.cookies
        page = await client.get("/")
        assert page.status == 200 and "/ws" in await page.text()
        # the teacher's page needs the token, and escapes what learners typed
        assert (await client.get("/teacher")).status == 403
        teacher = await client.get("/teacher", params={"token": "s3cret"})
        body = await teacher.text()
        assert teacher.status == 200 and "&lt;b&gt;Ada&lt;/b&gt;" in body and "<b>Ada" not in body


async def test_a_full_room_turns_a_new_learner_away(server) -> None:  # type: ignore[no-untyped-def]
    from aiohttp.test_utils import TestClient, TestServer

    async with TestClient(TestServer(await server._make_app())) as client:
        await client.post("/join", data={"name": "Bob"})
        server.connected["someone-else"] = 1  # the room's one place is taken
        page = await client.get("/")
        assert page.status == 503 and "room for 1" in await page.text()


async def test_a_run_waits_for_a_free_slot_and_says_so(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The app's side of --max-runs: with the room's one slot taken, F5 says it waits, and
    the program runs as soon as the slot frees."""
    from test_app import make_app, wait_for
    from test_app_support import SIZE, open_first_run_step

    from tutor.app.output_view import OutputView

    monkeypatch.setenv(slots.ENV, f"{tmp_path}:1")
    taken = slots.try_take(str(tmp_path), 1)
    assert taken is not None
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot, lesson_index=1)
        await pilot.press("f5")
        output = app.screen.query_one(OutputView)
        waiting = "Waiting for a free slot"
        await wait_for(pilot, lambda: any(waiting in line.text for line in output.lines))
        assert not any("Consuming 1" in line.text for line in output.lines)
        taken.release()
        await wait_for(pilot, lambda: any("Consuming 1" in line.text for line in output.lines))
        await wait_for(pilot, lambda: not app.screen.running)
    assert slots.try_take(str(tmp_path), 1) is not None  # the run gave its slot back
