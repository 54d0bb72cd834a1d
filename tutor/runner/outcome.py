"""How a run ended: the exit reason, and which sentence (a catalog key and its parameters)
tells the learner. Pure functions, no I/O: the session gathers the facts (`values.Facts`),
this decides what they mean; tutor/strings holds the sentences, in every language.

`classify(facts)` gives (reason, sentence, params): the exit event carries all three, plus
the English `message` (`decide`). `sentence(exit_event, lang)` renders it for a learner.
"""

from __future__ import annotations

from tutor.runner.child.guard import KILL_DENIED, NET_DENIED, WRITE_DENIED
from tutor.runner.values import Facts

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from tutor.runner.events import Exit

# Linux signal numbers (the `signal` module pulls in enum; `coro-tutor run` starts fast)
SIGINT, SIGKILL, SIGSEGV, SIGTERM, SIGXCPU, SIGXFSZ = 2, 9, 11, 15, 24, 25

MiB = 1024 * 1024
TEXT_MAX = 200
"""Characters of the program's own exit text kept in a sentence."""


def _exception_line(line: str) -> tuple[str, str] | None:
    """("ValueError", "nope") for "ValueError: nope" or "pkg.Error"; None for anything else."""
    name, sep, text = line.partition(":")
    if not name or not name.replace(".", "").replace("_", "").isalnum() or name[0].isdigit():
        return None
    if sep and text.startswith(" "):
        text = text[1:]
    return name, text


def final_exception(lines: list[str]) -> tuple[str, str] | None:
    """The (class name, text) of the last traceback's final line, if stderr ends with one."""
    for line in reversed(lines[-12:]):
        if not line.strip():
            continue
        if line.startswith((" ", "\t")) or line.startswith("Traceback"):
            return None
        found = _exception_line(line)
        if found and ("Error" in found[0] or "Exception" in found[0] or ":" in line):
            return found[0].rsplit(".", 1)[-1], found[1]
        return None
    return None


def last_frame(lines: list[str]) -> str | None:
    """The source lines of the traceback's innermost frame (what raised), or None when
    stderr does not end with a traceback that shows them."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    for i in range(end - 2, -1, -1):
        if lines[i].startswith('  File "'):
            return "\n".join(lines[i + 1 : end - 1]) or None
    return None


def _last_line(lines: list[str]) -> str:
    for line in reversed(lines):
        if line.strip():
            text = line.rstrip()
            return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"
    return ""


def classify(f: Facts) -> tuple[str, str, dict[str, Any]]:
    """(reason, sentence, params): the exit reason, and the catalog key `outcome.<sentence>`
    with the raw values it shows (bytes, seconds, names; formatted when rendered)."""
    reason, name, params = _classify(f)
    if f.swept:
        params["swept"] = f.swept
    return reason, name, params


def _classify(f: Facts) -> tuple[str, str, dict[str, Any]]:
    if f.stop == "timeout":  # SIGINT showed where it was, unless the program ignored it
        return (
            "timeout",
            ("timeout" if f.traceback else "timeout_no_traceback"),
            {"seconds": f.wall},
        )
    if f.stop == "output":
        return "output", "output", {"bytes": f.output}
    if f.stop == "disk":  # the basic tier's measure of its scratch dir
        return "disk", "disk", {"bytes": f.disk}
    if f.stop == "killed":
        return "killed", "stopped", {}
    rc = f.returncode
    if rc < 0:
        sig = -rc
        if sig == SIGXCPU or (sig == SIGKILL and f.cpu >= f.cpu_soft - 0.5):
            return "cpu", "cpu", {"seconds": f.cpu_soft}
        if sig == SIGXFSZ:
            return "denied", "file_too_large", {"bytes": f.fsize}
        params = {"name": signal_name(sig)}
        if sig == SIGINT:
            return "killed", "interrupted", params
        if sig in (SIGKILL, SIGTERM):
            return "killed", "killed", params
        if sig == SIGSEGV and f.raised_recursion_limit:
            return "error", "stack_overflow", params
        return "error", "crashed", params
    if rc == 0:
        return "ok", "finished", {}
    if not f.ended and f.last_stderr:
        first = f.last_stderr[0]
        if first.startswith(("bwrap:", "unshare:", "setpriv:", "mount:", "coro-tutor-init:")):
            return "error", "sandbox", {"detail": first.strip()}
    if f.ended and f.exception is None:
        # The child reports every uncaught exception but SystemExit: this is sys.exit(),
        # which prints a text argument (and exits 1); a program's last stderr line before
        # sys.exit(N) says why just as well.
        text = _last_line(f.last_stderr)
        if text:
            return "error", "status_text", {"code": rc, "text": text}
        return "error", "status", {"code": rc}
    found = final_exception(f.last_stderr)
    exc = f.exception or (found[0] if found else None)
    text = found[1] if found and (not f.exception or found[0] == f.exception) else ""
    if exc == "MemoryError" or "[Errno 12]" in text:  # 12: mmap past RLIMIT_AS
        return "memory", "memory", {"bytes": f.data}
    if "[Errno 28]" in text or "[Errno 122]" in text:  # a private tmpfs is full
        return "disk", "disk", {"bytes": f.disk}
    if exc == "PermissionError" and WRITE_DENIED in text:
        return "denied", "write_denied", {}
    if exc == "PermissionError" and KILL_DENIED in text:
        return "denied", "kill_denied", {}
    if exc == "PermissionError" and NET_DENIED in text:
        return "denied", "net_denied", {}
    if "[Errno 30]" in text or "Read-only file system" in text:
        return "denied", "write_denied", {}
    if exc == "PermissionError" and text.startswith("[Errno 13]"):  # the kernel's walls
        return "denied", ("files_denied" if ": '" in text else "blocked"), {}
    if "[Errno 27]" in text or "File too large" in text:
        return "denied", "file_too_large", {"bytes": f.fsize}
    if "[Errno 24]" in text or "Too many open files" in text:
        return "denied", "open_files", {"limit": f.nofile}
    if exc == "BlockingIOError" and ("[Errno 11]" in text or "temporarily unavailable" in text):
        # EAGAIN: fork() at the process limit, or a non-blocking socket/pipe not ready.
        frame = last_frame(f.last_stderr)
        if frame is None or "fork" in frame or "spawn" in frame:
            return "denied", "processes", {}
        return "error", "would_block", {}
    if "can't start new thread" in text:
        return "denied", "threads", {}
    if exc == "ConnectionRefusedError" and f.tier != "basic":
        return "denied", "refused", {}
    if "[Errno 101]" in text or "Network is unreachable" in text or exc == "gaierror":
        return "denied", "no_network", {}
    if exc == "KeyboardInterrupt":
        return "killed", "interrupted", {"name": "KeyboardInterrupt"}
    if exc and exc != "SystemExit":
        return "error", "exception", {"exception": exc}
    return "error", "status", {"code": rc}


def signal_name(sig: int) -> str:
    import signal

    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def _amount(n: int, lang: str) -> str:
    from tutor.strings import tr

    if n % MiB == 0:
        return tr("outcome.unit.mib", lang, n=n // MiB)
    if n % 1_000_000 == 0:
        return tr("outcome.unit.mb", lang, n=n // 1_000_000)
    return tr("outcome.unit.bytes", lang, n=n)


def render(name: str, params: dict[str, Any], lang: str) -> str:
    """The sentence `outcome.<name>` in `lang`, and the leftover-process one when any."""
    from tutor.strings import tr

    fields = dict(params)
    if "bytes" in fields:
        fields["amount"] = _amount(int(fields["bytes"]), lang)
    if "seconds" in fields:
        fields["seconds"] = f"{float(fields['seconds']):g}"
    text = tr(f"outcome.{name}", lang, **fields)
    swept = int(params.get("swept") or 0)
    if swept:
        more = tr("outcome.swept_one" if swept == 1 else "outcome.swept_many", lang, n=swept)
        text = tr("outcome.with_swept", lang, text=text, swept=more)
    return text


def decide(f: Facts) -> tuple[str, str]:
    """(reason, message): the message in English, as the exit event carries it."""
    reason, name, params = classify(f)
    return reason, render(name, params, "en")


def sentence(exit_event: Exit, lang: str) -> str:
    """An exit event's sentence in `lang` (its English `message` when it names none)."""
    if not exit_event.sentence:
        return exit_event.message
    return render(exit_event.sentence, exit_event.params, lang)


def block_sentence(runner: str, ms: int, line: int | None, call: str | None, lang: str) -> str:
    """A `block` event in one sentence: who held the event loop, how long, where."""
    from tutor.strings import tr

    key = "run.block" if not line else "run.block_at" if call else "run.block_line"
    return tr(key, lang, runner=runner, ms=ms, line=line, call=call)
