"""Serve the tutor to a room of browsers: each learner sandboxed, remembered and counted.

Needs the `serve` extra: pip install 'coro-tutor[serve]'.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from tutor.commands.common import course_from, language
from tutor.paths import data_dir
from tutor.strings import tr


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--max-learners", type=_positive, default=30, metavar="N")
    parser.add_argument(
        "--max-runs",
        type=_positive,
        default=4,
        metavar="M",
        help="programs running at once across all learners; the others wait for a slot",
    )
    parser.add_argument(
        "--app-memory",
        type=_positive,
        default=1024,
        metavar="MB",
        help="memory limit of each learner's app process (its programs have their own)",
    )
    parser.add_argument("--teacher-token", metavar="T", help="enables /teacher?token=T")
    parser.add_argument("--data", metavar="DIR", help="where learners' homes are kept")
    parser.add_argument(
        "--allow-weak-sandbox",
        action="store_true",
        help="serve even when the full (bubblewrap) sandbox tier is not available",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text}")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sandbox_refusal(tier: str, allowed: bool, lang: str) -> str | None:
    """Why a room of learners must not be served on this tier, or None."""
    if tier == "full" or allowed:
        return None
    return tr("serve.weak_sandbox", lang, tier=tier)


def run(args: argparse.Namespace) -> int:
    lang = language(args)
    try:
        from tutor.app.serve import ClassroomServer
    except ImportError as exc:
        print(tr("serve.missing", lang, error=exc, python=sys.executable), file=sys.stderr)
        return 2
    from tutor.runner.tiers import choose

    refused = sandbox_refusal(choose("auto"), args.allow_weak_sandbox, lang)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    if not _is_loopback(args.host):
        print(tr("serve.exposed", lang, host=args.host), file=sys.stderr)
    from tutor.classroom import Classroom
    from tutor.quiz import quiz_steps

    base = Path(args.data) if args.data else data_dir() / "classroom"
    classroom = Classroom(base)
    slots = base / "run-slots"
    slots.mkdir(parents=True, exist_ok=True)
    course = course_from(args)
    server = ClassroomServer(
        classroom,
        host=args.host,
        port=args.port,
        lessons=args.lessons,
        max_learners=args.max_learners,
        slots=f"{slots}:{args.max_runs}",
        memory_mb=args.app_memory,
        teacher_token=args.teacher_token,
        quizzes={lesson.id: len(quiz_steps(lesson)) for lesson in course.lessons},
        lang=lang,
    )
    url = f"http://{args.host}:{args.port}/"
    print(tr("serve.listening", lang, url=url, n=args.max_learners, m=args.max_runs))
    if args.teacher_token:
        print(tr("serve.teacher_url", lang, url=f"{url}teacher?token={args.teacher_token}"))
    server.serve()
    return 0
