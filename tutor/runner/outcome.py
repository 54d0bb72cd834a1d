"""How a run ended: the exit reason and the one plain sentence the learner reads.

Pure functions, no I/O: the process layer gathers the facts, this decides what they mean.
"""

from __future__ import annotations

from tutor.runner.child.guard import KILL_DENIED, NET_DENIED, WRITE_DENIED
from tutor.runner.values import Facts

# Linux signal numbers (the `signal` module pulls in enum; `coro-tutor run` starts fast)
SIGINT, SIGKILL, SIGSEGV, SIGTERM, SIGXCPU, SIGXFSZ = 2, 9, 11, 15, 24, 25

MiB = 1024 * 1024


def _amount(n: int) -> str:
    if n % MiB == 0:
        return f"{n // MiB} MiB"
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000} MB"
    return f"{n} bytes"


def _seconds(s: float) -> str:
    return f"{s:g} s"


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


def _too_large(f: Facts) -> str:
    return f"The program wrote a file bigger than {_amount(f.fsize)}, the limit here."


def _disk_full(f: Facts) -> str:
    return f"The program filled the {_amount(f.disk)} of disk space it has here and was stopped."


def decide(f: Facts) -> tuple[str, str]:
    """(reason, message) for the exit event."""
    reason, message = _decide(f)
    if f.swept:
        noun = "process" if f.swept == 1 else "processes"
        message += (
            f" {f.swept} leftover {noun} started by the program {'was' if f.swept == 1 else 'were'}"
            " stopped."
        )
    return reason, message


def _decide(f: Facts) -> tuple[str, str]:
    if f.stop == "timeout":
        return "timeout", (
            f"Stopped after {_seconds(f.wall)}: the program was still running "
            "(it may loop forever); the traceback above shows where it was."
        )
    if f.stop == "output":
        return "output", f"The program printed more than {_amount(f.output)} and was stopped."
    if f.stop == "disk":  # the basic tier's measure of its scratch dir
        return "disk", _disk_full(f)
    if f.stop == "killed":
        return "killed", "You stopped the program."
    rc = f.returncode
    if rc < 0:
        sig = -rc
        if sig == SIGXCPU or (sig == SIGKILL and f.cpu >= f.cpu_soft - 0.5):
            return "cpu", (
                f"The program used more than {f.cpu_soft} s of processor time and was stopped."
            )
        if sig == SIGXFSZ:
            return "denied", _too_large(f)
        import signal

        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        if sig == SIGINT:
            return "killed", "The program was interrupted (SIGINT)."
        if sig in (SIGKILL, SIGTERM):
            return "killed", f"The program was killed ({name})."
        return "error", f"The program crashed ({name})."
    if rc == 0:
        return "ok", "The program finished."
    if not f.ended and f.last_stderr:
        first = f.last_stderr[0]
        if first.startswith(("bwrap:", "unshare:", "setpriv:", "mount:", "coro-tutor-init:")):
            return "error", (
                f"The sandbox could not start ({first.strip()}). "
                "`coro-tutor doctor` shows which isolation works here."
            )
    found = final_exception(f.last_stderr)
    exc = f.exception or (found[0] if found else None)
    text = found[1] if found and (not f.exception or found[0] == f.exception) else ""
    if exc == "MemoryError" or "[Errno 12]" in text:  # 12: mmap past RLIMIT_AS
        return "memory", f"The program used more than {_amount(f.data)} of memory and was stopped."
    if "[Errno 28]" in text or "[Errno 122]" in text:  # a private tmpfs is full
        return "disk", _disk_full(f)
    if exc == "PermissionError" and WRITE_DENIED in text:
        return "denied", "Writing files outside the program's folder is blocked here."
    if exc == "PermissionError" and KILL_DENIED in text:
        return "denied", "Stopping processes that are not the program's own is blocked here."
    if exc == "PermissionError" and NET_DENIED in text:
        return "denied", (
            "Connecting to other computers is blocked here: a program can only reach "
            "servers it starts itself on 127.0.0.1."
        )
    if "[Errno 30]" in text or "Read-only file system" in text:
        return "denied", "Writing files outside the program's folder is blocked here."
    if exc == "PermissionError" and text.startswith("[Errno 13]"):  # the kernel's walls
        if ": '" in text:
            return (
                "denied",
                "Reading or writing files outside the program's folder is blocked here.",
            )
        return "denied", (
            "That is blocked here: a program can use files in its own folder and sockets "
            "on 127.0.0.1."
        )
    if "[Errno 27]" in text or "File too large" in text:
        return "denied", _too_large(f)
    if exc == "BlockingIOError" and ("[Errno 11]" in text or "temporarily unavailable" in text):
        return "denied", "The program tried to start too many processes."
    if "can't start new thread" in text:
        return "denied", "The program tried to start too many processes or threads."
    if exc == "ConnectionRefusedError" and f.tier != "basic":
        return "denied", (
            "The connection was refused: inside the tutor a program can only reach "
            "servers it starts itself on 127.0.0.1."
        )
    if "[Errno 101]" in text or "Network is unreachable" in text or exc == "gaierror":
        return "denied", (
            "There is no network here: a program can only reach servers it starts itself "
            "on 127.0.0.1."
        )
    if exc == "KeyboardInterrupt":
        return "killed", "The program was interrupted (KeyboardInterrupt)."
    if exc and exc != "SystemExit":
        return "error", f"The program stopped with an error ({exc})."
    return "error", f"The program exited with status {rc}."
