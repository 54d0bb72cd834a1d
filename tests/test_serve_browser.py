"""`coro-tutor serve` in a real headless browser (Debian's chromium, driven by playwright
with the installed browser: nothing is downloaded). What the browser receives over the
app's websocket is what xterm.js draws, so the test reads the screen from those frames."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ESCAPES = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>78]"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    if CHROMIUM is None:
        pytest.skip("no chromium here (apt-get install chromium): the browser test cannot run")
    pytest.importorskip("playwright", reason="playwright is not installed (the test extra)")
    pytest.importorskip("textual_serve", reason="the serve extra is not installed")
    port = _free_port()
    env = dict(os.environ, CORO_TUTOR_HOME=str(tmp_path / "home"))
    room = tmp_path / "room"
    cmd = [sys.executable, "-m", "tutor", "serve", "--port", str(port), "--data", str(room)]
    cmd += ["--teacher-token", "t0ken", "--allow-weak-sandbox"]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", room
    finally:
        server.terminate()
        server.wait(10)


class Screen:
    """What one browser page has been sent by its app, as plain text."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.frames: list[bytes] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def _received(self, frame: bytes | str) -> None:
        self.frames.append(frame if isinstance(frame, bytes) else frame.encode())

    def text(self, since: int = 0) -> str:
        return ESCAPES.sub(b"", b"".join(self.frames[since:])).decode("utf-8", "replace")

    def wait_for(self, wanted: str, since: int = 0, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while wanted not in self.text(since):
            assert time.monotonic() < deadline, f"{wanted!r} never reached the browser"
            self.page.wait_for_timeout(100)

    def press(self, key: str, then: str) -> None:
        mark = len(self.frames)
        self.page.keyboard.press(key)
        self.wait_for(then, since=mark)


def join(browser, url: str, name: str) -> Screen:  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    screen = Screen(page)
    page.goto(url + "/")
    assert page.url.endswith("/join")
    page.fill("input[name=name]", name)
    page.click("button[type=submit]")
    screen.wait_for("Producer and consumer")
    page.locator(".xterm-helper-textarea").focus()
    return screen


def test_two_learners_each_get_the_tutor_and_their_own_progress(served) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    url, room = served
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            ada = join(browser, url, "Ada")
            ada.press("Control+p", then="Open lesson")
            ada.page.keyboard.type("Producer and")
            ada.press("Enter", then="Step 1 of")
            ada.press("F8", then="Step 2 of")
            ada.press("F5", then="[CONSUMER] Consuming 1...")

            join(browser, url, "Bob")  # sees the course, in a home of his own
            teacher = browser.new_context().new_page()
            teacher.goto(url + "/teacher?token=t0ken")
            rows = teacher.locator("tr").all_inner_texts()
            assert any("Ada" in r and "producer-consumer" in r for r in rows)
            assert any("Bob" in r and "producer-consumer" not in r for r in rows)
        finally:
            browser.close()
    homes = sorted(p.name for p in (room / "learners").iterdir())
    assert len(homes) == 2
