"""Which isolation tiers work here: the probe (run once, cached), the choice of a tier,
the Landlock ABI, and what `coro-tutor doctor` says about them.

Each tier is probed by running its real command line (tutor.runner.sandbox) behind the
same kernel walls as a run (tutor.runner.wallspec), with a loopback check. The result is
cached in a small text file while its fingerprint (kernel, tools, sysctls, venv, this
code) holds. Nothing here imports asyncio or textual: `coro-tutor run` starts fast.
"""

from __future__ import annotations

import os
import sys

from tutor.runner import wallspec
from tutor.runner.hostcache import cache_folder, install_key
from tutor.runner.sandbox import RUNNER_DIR, WALLS, child_env, command, tool
from tutor.runner.values import TierStatus

TYPE_CHECKING = False  # not `typing`: `coro-tutor run` starts fast
if TYPE_CHECKING:
    from typing import Any

    Fingerprint = dict[str, Any]
    """What a probe depends on (kernel, tools, ...): JSON-like, compared as a whole."""

TIERS = ("full", "partial", "basic")
ISOLATION = {"full": "bwrap", "partial": "unshare", "basic": "basic"}
"""Tier -> the `isolation` field of the start event."""
CHOICES = ("auto",) + TIERS

PROBE_VERSION = 5
_CODE = [
    os.path.join(RUNNER_DIR, name)
    for name in ("tiers.py", "sandbox.py", "wallspec.py", "hostcache.py")
]
"""The probe's own code and the command lines and walls it tries: a change re-probes."""


class SandboxUnavailable(RuntimeError):
    """The requested isolation tier cannot run here; the message says why and how to fix it."""


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def _fingerprint() -> Fingerprint:
    """What the probe result depends on; the cache is used only while all of it is unchanged."""
    tools: dict[str, list[object] | None] = {}
    for name in ("bwrap", "unshare", "ip", "mount", "setpriv"):
        where = tool(name, fresh=True)
        if where:
            st = os.stat(where)
            tools[name] = [where, st.st_size, int(st.st_mtime)]
        else:
            tools[name] = None
    code = [os.stat(path) for path in _CODE]
    return {
        "version": PROBE_VERSION,
        "kernel": os.uname().release,
        "euid": os.geteuid(),
        "tools": tools,
        "userns": [
            _read("/proc/sys/kernel/unprivileged_userns_clone"),
            _read("/proc/sys/user/max_user_namespaces"),
            _read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
        ],
        "prefix": os.path.realpath(sys.prefix),
        "code": [[st.st_size, int(st.st_mtime)] for st in code],
    }


def cache_file() -> str:
    """tutor.paths.cache_dir()/sandbox-probe-KEY.json, KEY naming the install (hostcache):
    with one file for all, another venv or checkout of the same user made the next run
    probe again (100+ ms) whenever it had run in between."""
    return os.path.join(cache_folder(), f"sandbox-probe-{install_key()}.json")


_memo: tuple[Fingerprint, dict[str, TierStatus]] | None = None
_abi: int | None = None
"""The Landlock ABI of this kernel (probed with the tiers, cached with them)."""
_CACHE_HEADER = "coro-tutor sandbox probe"


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def _write_cache(path: str, fingerprint: Fingerprint, tiers: dict[str, TierStatus]) -> None:
    """A small text file (no json: its import pulls in `re`): header, fingerprint, tiers."""
    lines = [_CACHE_HEADER, repr(fingerprint)]
    for t in TIERS:
        st = tiers[t]
        lines.append(
            "\t".join([t, "1" if st.available else "0", _clean(st.reason), _clean(st.hint)])
        )
    lines.append(f"landlock\t{_abi or 0}")
    from tutor.files import atomic_write

    atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"), mode=0o644)


def _read_cache(path: str, fingerprint: Fingerprint) -> dict[str, TierStatus] | None:
    global _abi
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if len(lines) < 2 + len(TIERS) or lines[0] != _CACHE_HEADER or lines[1] != repr(fingerprint):
        return None
    tiers: dict[str, TierStatus] = {}
    abi = None
    for line in lines[2:]:
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] in TIERS:
            tiers[parts[0]] = TierStatus(parts[0], parts[1] == "1", parts[2], parts[3])
        elif len(parts) == 2 and parts[0] == "landlock" and parts[1].isdigit():
            abi = int(parts[1])
    if set(tiers) != set(TIERS) or abi is None:
        return None
    _abi = abi
    return tiers


def probe(refresh: bool = False) -> dict[str, TierStatus]:
    """Which tiers work here, probed once and cached (invalidated when the tools change)."""
    global _memo, _abi
    fingerprint = _fingerprint()
    if not refresh and _memo is not None and _memo[0] == fingerprint:
        return _memo[1]
    cache = cache_file()
    if not refresh:
        tiers = _read_cache(cache, fingerprint)
        if tiers is not None:
            _memo = (fingerprint, tiers)
            return tiers
    from tutor.runner.child.walls import abi

    _abi = abi()
    tiers = {
        "full": _probe_full(fingerprint),
        "partial": _probe_partial(fingerprint),
        "basic": TierStatus("basic", True),
    }
    _memo = (fingerprint, tiers)
    try:
        _write_cache(cache, fingerprint, tiers)
    except OSError:
        pass
    return tiers


_USERNS_HINT = (
    "allow unprivileged user namespaces, e.g. sudo sysctl -w kernel.unprivileged_userns_clone=1 "
    "(on Ubuntu 24.04+: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, "
    "or add an AppArmor profile for bwrap)"
)


def _try(argv: list[str], cwd: str, extra: dict[str, str] | None = None) -> tuple[bool, str]:
    import subprocess

    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=10,
            env=child_env(cwd, extra or {}),
        )
    except (OSError, subprocess.SubprocessError) as e:
        return False, str(e)
    out = (proc.stdout + proc.stderr).strip()
    if proc.returncode == 0 and "lo-up" in out:
        return True, ""
    return False, (out.splitlines() or [f"exit status {proc.returncode}"])[-1]


# The probe runs the same command line a run uses, with a program that checks loopback.
_PROBE_CODE = (
    "import socket;s=socket.socket();s.bind(('127.0.0.1',0));s.listen();"
    "c=socket.create_connection(s.getsockname(),timeout=2);print('lo-up')"
)
# ... behind the same kernel walls as a run (a tier whose walls fail is not available)
_WALLS_CODE = (
    "import os,sys,importlib.util as u;s=u.spec_from_file_location('w',sys.argv[1]);"
    "w=u.module_from_spec(s);s.loader.exec_module(w)\n"
    "try:w.apply(os.environ['CORO_TUTOR_WALLS'])\n"
    "except OSError as e:print('walls:',e);sys.exit(1)\n"
)


def _probe_with(tier: str, fingerprint: Fingerprint) -> TierStatus:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="coro-tutor-probe-") as scratch:
        code = [sys.executable, "-I", "-c", _WALLS_CODE + _PROBE_CODE, WALLS]
        argv = command(tier, code, scratch, sys.executable)
        if argv[0] == tool("setpriv"):  # the probe needs no parent-death signal
            argv = argv[argv.index("--") + 1 :]
        walls = wallspec.walls_spec(tier, scratch, sys.executable, abi=_abi or 0)
        ok, why = _try(argv, scratch, {"CORO_TUTOR_WALLS": walls})
    if ok:
        return TierStatus(tier, True)
    if why.startswith("walls:"):
        return TierStatus(tier, False, f"the kernel refused the sandbox's walls ({why[7:]})", "")
    if "uid map" in why or "Permission denied" in why or "Operation not permitted" in why:
        why = f"user namespaces are not allowed here ({why})"
        return TierStatus(tier, False, why, _USERNS_HINT)
    return TierStatus(tier, False, why or "the sandbox did not start", "")


def _probe_full(fingerprint: Fingerprint) -> TierStatus:
    if not fingerprint["tools"]["bwrap"]:
        return TierStatus(
            "full",
            False,
            "bubblewrap (bwrap) is not installed",
            "install bubblewrap: sudo apt install bubblewrap (Fedora: sudo dnf install bubblewrap)",
        )
    return _probe_with("full", fingerprint)


def _probe_partial(fingerprint: Fingerprint) -> TierStatus:
    if not fingerprint["tools"]["unshare"] or not fingerprint["tools"]["mount"]:
        return TierStatus(
            "partial",
            False,
            "unshare or mount (util-linux) is not installed",
            "install util-linux: sudo apt install util-linux",
        )
    return _probe_with("partial", fingerprint)


def landlock_abi() -> int:
    """The Landlock ABI this kernel offers (0: none): from the probe's cache when it holds,
    else asked of the kernel (~1 ms; a forced basic run never waits for the tiers' probe)."""
    global _abi
    if _abi is None:
        _read_cache(cache_file(), _fingerprint())
    if _abi is None:
        from tutor.runner.child.walls import abi

        _abi = abi()
    return _abi


def choose(isolation: str = "auto", refresh: bool = False) -> str:
    """The tier to use: the best available for "auto", else the one asked for (or an error)."""
    if isolation not in CHOICES:
        raise ValueError(f"isolation must be one of {', '.join(CHOICES)}, not {isolation!r}")
    if isolation == "basic":
        return "basic"
    tiers = probe(refresh)
    if isolation == "auto":
        return next(t for t in TIERS if tiers[t].available)
    status = tiers[isolation]
    if not status.available:
        raise SandboxUnavailable(describe(status))
    return isolation


def describe(status: TierStatus) -> str:
    """One line: the tier and, when missing, why and how to get it."""
    if status.available:
        return f"{status.tier}: available"
    text = f"{status.tier}: not available: {status.reason}"
    return f"{text}. To get it: {status.hint}." if status.hint else text + "."


def doctor_line() -> str:
    """The sandbox line of `coro-tutor doctor`."""
    tiers = probe()
    best = next(t for t in TIERS if tiers[t].available)
    badge = {"full": "full (bubblewrap)", "partial": "partial (unshare)", "basic": "basic"}[best]
    lines = [badge]
    if best != "full":
        lines.append("             " + describe(tiers["full"]))
    if best == "basic":
        lines.append("             " + describe(tiers["partial"]))
    for tier in TIERS:
        if tiers[tier].available:
            lines.append(f"             kernel walls, {tier + ':':8} {enforces(tier)}")
    if not landlock_abi():
        lines.append(
            "             Landlock is not available (Linux 5.13+ has it): programs in the basic "
            "tier can read and change your files."
        )
    return "\n".join(lines)


def enforces(tier: str) -> str:
    """The `enforces` words of the start event: the kernel walls of a run in `tier`."""
    from tutor.runner.child.walls import in_force

    words: str = in_force(landlock_abi(), tier != "full", tier == "partial")
    return words
