"""The outcome of a run as pure functions: facts -> (reason, sentence, params) -> a sentence
in every language. No program runs here (tests/test_outcome_runs.py runs the few that
need the real runner)."""

from __future__ import annotations

import re

import pytest

from tutor.runner import outcome
from tutor.runner.events import Exit
from tutor.runner.values import Facts
from tutor.strings import LANGUAGES, catalog

GiB = 1024**3
TRACEBACK = ["Traceback (most recent call last):", '  File "prog.py", line 4, in <module>']
EAGAIN = "BlockingIOError: [Errno 11] Resource temporarily unavailable"

# facts, reason, sentence, params: every sentence the outcome can say
CASES = [
    (Facts(0), "ok", "finished", {}),
    (Facts(130, stop="timeout", wall=15.0, traceback=True), "timeout", "timeout",
     {"seconds": 15.0}),
    (Facts(-9, stop="timeout", wall=1.0), "timeout", "timeout_no_traceback", {"seconds": 1.0}),
    (Facts(-9, stop="output"), "output", "output", {"bytes": 2_000_000}),
    (Facts(-9, stop="killed"), "killed", "stopped", {}),
    (Facts(-9, stop="disk", disk=32 * 1024**2), "disk", "disk", {"bytes": 32 * 1024**2}),
    (Facts(-24), "cpu", "cpu", {"seconds": 10}),
    (Facts(-9, cpu=11.0), "cpu", "cpu", {"seconds": 10}),
    (Facts(-25), "denied", "file_too_large", {"bytes": 10 * 1024**2}),
    (Facts(-2), "killed", "interrupted", {"name": "SIGINT"}),
    (Facts(-9, cpu=0.1), "killed", "killed", {"name": "SIGKILL"}),
    (Facts(-15), "killed", "killed", {"name": "SIGTERM"}),
    (Facts(-11), "error", "crashed", {"name": "SIGSEGV"}),
    (Facts(-11, raised_recursion_limit=True), "error", "stack_overflow", {"name": "SIGSEGV"}),
    (Facts(3), "error", "status", {"code": 3}),
    (Facts(1, last_stderr=["bye"]), "error", "status_text", {"code": 1, "text": "bye"}),
    (Facts(1, last_stderr=["Error: bad input", ""]), "error", "status_text",
     {"code": 1, "text": "Error: bad input"}),
    (Facts(1, exception="ValueError", last_stderr=[*TRACEBACK, "ValueError: nope"]),
     "error", "exception", {"exception": "ValueError"}),
    (Facts(1, exception="MemoryError"), "memory", "memory", {"bytes": 512 * 1024**2}),
    (Facts(1, exception="OSError", last_stderr=["OSError: [Errno 12] Cannot allocate memory"]),
     "memory", "memory", {"bytes": 512 * 1024**2}),
    (Facts(1, exception="OSError", last_stderr=["OSError: [Errno 28] No space left on device"]),
     "disk", "disk", {"bytes": 64 * 1024**2}),
    (Facts(1, exception="PermissionError",
           last_stderr=["PermissionError: [Errno 13] Permission denied: '/etc/passwd'"]),
     "denied", "files_denied", {}),
    (Facts(1, exception="PermissionError",
           last_stderr=["PermissionError: [Errno 13] Permission denied"]),
     "denied", "blocked", {}),
    (Facts(1, exception="OSError", last_stderr=["OSError: [Errno 27] File too large"]),
     "denied", "file_too_large", {"bytes": 10 * 1024**2}),
    (Facts(1, exception="OSError", nofile=256,
           last_stderr=[*TRACEBACK, "OSError: [Errno 24] Too many open files: 'prog.py'"]),
     "denied", "open_files", {"limit": 256}),
    (Facts(1, exception="BlockingIOError", last_stderr=[*TRACEBACK, "    os.fork()", EAGAIN]),
     "denied", "processes", {}),
    (Facts(1, exception="BlockingIOError", last_stderr=[EAGAIN]), "denied", "processes", {}),
    (Facts(1, exception="BlockingIOError",
           last_stderr=[*TRACEBACK, "    a.recv(10)", "    ^^^^^^^^^^", EAGAIN]),
     "error", "would_block", {}),
    (Facts(1, exception="RuntimeError", last_stderr=["RuntimeError: can't start new thread"]),
     "denied", "threads", {}),
    (Facts(1, exception="PermissionError",
           last_stderr=[f"PermissionError: {outcome.WRITE_DENIED}: '/etc/x'"]),
     "denied", "write_denied", {}),
    (Facts(1, exception="OSError", last_stderr=["OSError: [Errno 30] Read-only file system: '/x'"]),
     "denied", "write_denied", {}),
    (Facts(1, exception="PermissionError", last_stderr=[f"PermissionError: {outcome.KILL_DENIED}"]),
     "denied", "kill_denied", {}),
    (Facts(1, exception="PermissionError", last_stderr=[f"PermissionError: {outcome.NET_DENIED}"]),
     "denied", "net_denied", {}),
    (Facts(1, exception="ConnectionRefusedError", tier="full",
           last_stderr=["ConnectionRefusedError: [Errno 111] Connection refused"]),
     "denied", "refused", {}),
    (Facts(1, exception="ConnectionRefusedError", tier="basic",
           last_stderr=["ConnectionRefusedError: [Errno 111] Connection refused"]),
     "error", "exception", {"exception": "ConnectionRefusedError"}),
    (Facts(1, exception="OSError", last_stderr=["OSError: [Errno 101] Network is unreachable"]),
     "denied", "no_network", {}),
    (Facts(1, exception="gaierror", last_stderr=["socket.gaierror: [Errno -3] x"]),
     "denied", "no_network", {}),
    (Facts(130, exception="KeyboardInterrupt"), "killed", "interrupted",
     {"name": "KeyboardInterrupt"}),
    (Facts(1, ended=False, last_stderr=["bwrap: setting up uid map: Permission denied"]),
     "error", "sandbox", {"detail": "bwrap: setting up uid map: Permission denied"}),
    (Facts(1, ended=False, last_stderr=["ValueError: late"]), "error", "exception",
     {"exception": "ValueError"}),
    (Facts(1, ended=False), "error", "status", {"code": 1}),
    (Facts(0, swept=1), "ok", "finished", {"swept": 1}),
    (Facts(0, swept=2), "ok", "finished", {"swept": 2}),
]  # fmt: skip

IDS = [f"{sentence}-{i}" for i, (_, _, sentence, _) in enumerate(CASES)]
# Sentences that only combine others or format an amount
HELPERS = {"swept_one", "swept_many", "with_swept", "unit.mib", "unit.mb", "unit.bytes"}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# Latin words a translation keeps: units, names from Python and the command line
CODE_WORDS = {"MiB", "CPU", "BlockingIOError", "selectors", "asyncio", "sys",
              "setrecursionlimit", "with", "coro", "tutor", "doctor"}  # fmt: skip


def exit_event(reason: str, sentence: str, params: dict) -> Exit:
    message = outcome.render(sentence, params, "en")
    return Exit(seq=9, t=1.0, returncode=0, reason=reason, message=message,
                sentence=sentence, params=params, switches=0, dropped=0)  # fmt: skip


@pytest.mark.parametrize(("facts", "reason", "sentence", "params"), CASES, ids=IDS)
def test_facts_give_reason_sentence_and_params(facts, reason, sentence, params):
    assert outcome.classify(facts) == (reason, sentence, params)
    assert outcome.decide(facts) == (reason, outcome.render(sentence, params, "en"))


@pytest.mark.parametrize(("facts", "reason", "sentence", "params"), CASES, ids=IDS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_sentence_reads_in_every_language(facts, reason, sentence, params, lang):
    event = exit_event(reason, sentence, params)
    text = outcome.sentence(event, lang)
    assert text and "{" not in text and "outcome." not in text
    shown = [str(v) for k, v in params.items() if k in ("name", "code", "text", "limit")]
    shown += [f"{params['seconds']:g}"] if "seconds" in params else []
    for value in shown:
        assert value in text, (value, text)
    if lang != "en":
        assert text != event.message
        values = shown + [str(params.get(k, "")) for k in ("detail", "exception")]
        allowed = CODE_WORDS | {w for v in values for w in LATIN_WORD.findall(v)}
        assert set(LATIN_WORD.findall(text)) <= allowed, text


def test_every_outcome_sentence_is_said_by_some_facts():
    keys = {k.removeprefix("outcome.") for k in catalog("en") if k.startswith("outcome.")}
    assert keys - HELPERS == {sentence for _, _, sentence, _ in CASES}


def test_amounts_and_leftover_processes():
    assert outcome.render("memory", {"bytes": 512 * 1024**2}, "en").endswith(
        "512 MiB of memory and was stopped."
    )
    assert "2 MB" in outcome.render("output", {"bytes": 2_000_000}, "en")
    assert "1500 bytes" in outcome.render("output", {"bytes": 1500}, "en")
    assert outcome.render("finished", {"swept": 1}, "en") == (
        "The program finished. 1 leftover process started by the program was stopped."
    )
    assert (
        outcome.render("finished", {"swept": 2}, "zh")
        == "程序运行结束。程序留下的 2 个进程已被清理。"
    )


def test_an_exit_event_without_a_sentence_shows_its_message():
    event = Exit(seq=1, t=0.0, returncode=0, reason="ok", message="Something new happened.",
                 switches=0, dropped=0)  # fmt: skip
    assert outcome.sentence(event, "zh") == "Something new happened."


def test_a_long_exit_text_is_cut():
    _, _, params = outcome.classify(Facts(1, last_stderr=["x" * 10_000]))
    assert len(params["text"]) == outcome.TEXT_MAX


def test_final_exception_and_last_frame():
    lines = [*TRACEBACK, "    a.recv(10)", "    ^^^^^^^^^^", EAGAIN]
    assert outcome.final_exception(lines) == (
        "BlockingIOError",
        "[Errno 11] Resource temporarily unavailable",
    )
    assert outcome.last_frame(lines) == "    a.recv(10)\n    ^^^^^^^^^^"
    assert outcome.last_frame([EAGAIN]) is None
    assert outcome.final_exception(["socket.gaierror: [Errno -3] x"]) == (
        "gaierror",
        "[Errno -3] x",
    )
    assert outcome.final_exception(["just some text"]) is None
