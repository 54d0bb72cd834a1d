"""`coro-tutor serve`: the tutor in a room of browsers, on textual-serve.

textual-serve starts one app process per browser connection. This server adds what a
classroom needs on top: a learner's name page (the browser keeps a token in a cookie), one
home per learner (CORO_TUTOR_HOME of that learner's app processes), a cap on learners, a
cap on programs running at once across the room (CORO_TUTOR_RUN_SLOTS, honoured by every
app's run controller), a memory limit per app process, and a read-only teacher's page.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import shlex
import sys
from collections import Counter
from functools import partial
from typing import Any

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from tutor.app import serve_pages as pages
from tutor.classroom import Classroom, Learner, learner_env

COOKIE = "coro_tutor_learner"
log = logging.getLogger("coro-tutor.serve")


class ClassroomServer(Server):
    """textual-serve's Server with learners, limits and the teacher's page."""

    def __init__(
        self,
        classroom: Classroom,
        *,
        host: str,
        port: int,
        lessons: str | None,
        max_learners: int,
        slots: str,
        memory_mb: int,
        teacher_token: str | None,
        quizzes: dict[str, int],
        lang: str,
    ) -> None:
        super().__init__(command="coro-tutor", host=host, port=port, title="coro-tutor")
        self.classroom = classroom
        self.lessons = lessons
        self.max_learners = max_learners
        self.slots = slots
        self.memory_mb = memory_mb
        self.teacher_token = teacher_token
        self.quizzes = quizzes
        self.lang = lang
        self.connected: Counter[str] = Counter()
        """Open app connections per learner token (two tabs of one learner count once)."""

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get("/join", self.handle_join_page)
        app.router.add_post("/join", self.handle_join)
        app.router.add_get("/teacher", self.handle_teacher)
        return app

    # --- who is this browser -----------------------------------------------------------

    def learner(self, request: web.Request) -> Learner | None:
        return self.classroom.find(request.cookies.get(COOKIE))

    def room_full_for(self, learner: Learner) -> bool:
        """A learner already connected may open more tabs; a new one needs a free place."""
        return learner.token not in self.connected and len(self.connected) >= self.max_learners

    def full_page(self) -> web.Response:
        return pages.html(pages.full(self.max_learners, self.lang), status=503)

    async def handle_index(self, request: web.Request) -> Any:
        learner = self.learner(request)
        if learner is None:
            raise web.HTTPFound("/join")
        if self.room_full_for(learner):
            return self.full_page()
        return await super().handle_index(request)

    async def handle_join_page(self, request: web.Request) -> web.Response:
        return pages.html(pages.join(self.lang))

    async def handle_join(self, request: web.Request) -> web.Response:
        form = await request.post()
        name = form.get("name")
        learner = self.classroom.join(name if isinstance(name, str) else "")
        response = web.HTTPFound("/")
        response.set_cookie(
            COOKIE, learner.token, max_age=180 * 24 * 3600, httponly=True, samesite="Strict"
        )
        raise response

    async def handle_teacher(self, request: web.Request) -> web.Response:
        given = request.query.get("token", "")
        if not self.teacher_token or not hmac.compare_digest(given, self.teacher_token):
            return pages.html(pages.forbidden(self.lang), status=403)
        rows = self.classroom.standings(self.quizzes)
        return pages.html(pages.teacher(rows, len(self.connected), self.lang))

    # --- one app process per connection ------------------------------------------------

    def command_for(self, learner: Learner) -> str:
        env = learner_env(self.classroom.home(learner.token), self.slots, self.memory_mb)
        argv = [sys.executable, "-m", "tutor"]
        if self.lessons:
            argv += ["--lessons", self.lessons]
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        return f"{assignments} exec {shlex.join(argv)}"

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        learner = self.learner(request)
        if learner is None or self.room_full_for(learner):
            await websocket.prepare(request)
            await websocket.close(message=b"no place for this browser")
            return websocket
        width = _int(request.query.get("width"), 80)
        height = _int(request.query.get("height"), 24)
        self.connected[learner.token] += 1
        service: AppService | None = None
        try:
            await websocket.prepare(request)
            service = AppService(
                self.command_for(learner),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=partial(_close, websocket),
                download_manager=self.download_manager,
                debug=False,
            )
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:  # one learner's broken connection must not stop the room
            log.exception("learner connection failed")
        finally:
            if service is not None:
                await service.stop()
            self.connected[learner.token] -= 1
            if self.connected[learner.token] <= 0:
                del self.connected[learner.token]
        return websocket


async def _close(websocket: web.WebSocketResponse) -> None:
    await websocket.close()


def _int(value: str | None, default: int) -> int:
    try:
        return max(10, min(1000, int(value or default)))
    except ValueError:
        return default
