"""A room of learners on one machine (`coro-tutor serve`): who they are, where each one's
progress lives, and what the teacher's page shows. Headless: the web server sits on it.

A learner is a random token (kept by the browser in a cookie) mapped to the name they gave.
Each token has its own home under the server's data folder, used as CORO_TUTOR_HOME by that
learner's app processes, so progress, edited code and settings never mix; two tabs of one
learner share a home and the progress store's lock-and-merge keeps both tabs' answers.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from tutor.files import atomic_write
from tutor.progress import load_progress

TOKEN = re.compile(r"[0-9a-f]{32}")
NAME_MAX = 40
ROSTER = "learners.json"
WORDS = ("amber", "brisk", "cedar", "dune", "ember", "fjord", "grove", "heron", "iris", "jade")


def clean_name(name: str) -> str:
    """A learner's name as typed, made safe to store and show: printable, one line, short."""
    kept = "".join(ch for ch in name if ch.isprintable()).strip()
    return " ".join(kept.split())[:NAME_MAX]


def generated_name() -> str:
    """A name for a learner who gave none, e.g. `heron-4821`."""
    return f"{secrets.choice(WORDS)}-{secrets.randbelow(9000) + 1000}"


@dataclass(frozen=True)
class Learner:
    token: str
    name: str


@dataclass(frozen=True)
class Standing:
    """One row of the teacher's page."""

    name: str
    lesson: str | None
    step: int | None
    right: int
    answered: int
    done: int


class Classroom:
    """The learners of one server, kept in `<data>/learners.json` and `<data>/learners/`."""

    def __init__(self, data: Path) -> None:
        self.data = data
        (data / "learners").mkdir(parents=True, exist_ok=True)

    def _roster(self) -> dict[str, str]:
        try:
            roster = json.loads((self.data / ROSTER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(roster, dict):
            return {}
        return {t: n for t, n in roster.items() if TOKEN.fullmatch(t) and isinstance(n, str)}

    def join(self, name: str) -> Learner:
        """A new learner: a fresh token, the cleaned name (or a generated one), a home."""
        learner = Learner(secrets.token_hex(16), clean_name(name) or generated_name())
        roster = self._roster()
        roster[learner.token] = learner.name
        payload = json.dumps(roster, ensure_ascii=False, indent=1).encode()
        atomic_write(self.data / ROSTER, payload)
        self.home(learner.token).mkdir(parents=True, exist_ok=True)
        return learner

    def find(self, token: str | None) -> Learner | None:
        """The learner a browser's cookie names, or None (unknown, forged or malformed)."""
        if not token or not TOKEN.fullmatch(token):
            return None
        name = self._roster().get(token)
        return Learner(token, name) if name is not None else None

    def home(self, token: str) -> Path:
        return self.data / "learners" / token

    def standings(self, quizzes: dict[str, int]) -> list[Standing]:
        """Every learner's place and score, for the teacher (read-only: nothing is saved).
        `quizzes`: the course's lesson ids, each with its number of quizzes."""
        rows = []
        for token, name in sorted(self._roster().items(), key=lambda item: item[1].lower()):
            path = self.home(token) / "progress.json"
            progress, _ = load_progress(path) if path.exists() else (None, None)
            if progress is None:
                rows.append(Standing(name, None, None, 0, 0, 0))
                continue
            lesson = progress.last_lesson
            right = answered = done = 0
            for lesson_id, count in quizzes.items():
                first, total = progress.score(lesson_id)
                right, answered = right + first, answered + total
                done += progress.lesson_state(lesson_id, count) == "done"
            step = progress.position(lesson) + 1 if lesson else None
            rows.append(Standing(name, lesson, step, right, answered, done))
        return rows


def learner_env(home: Path, slots: str | None, memory_mb: int) -> dict[str, str]:
    """The environment of one learner's app process."""
    env = {"CORO_TUTOR_HOME": os.fspath(home), "CORO_TUTOR_APP_MEMORY_MB": str(memory_mb)}
    if slots:
        env["CORO_TUTOR_RUN_SLOTS"] = slots
    return env
