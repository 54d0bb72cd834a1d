"""Isolation tiers, limits, the probe (cached) and the command lines that start a child.

Three tiers, best first (docs/runner-sandbox.md has the details and the measured costs):

* ``full``    bubblewrap: new user/pid/net/ipc/uts/mount namespaces, read-only ``/``,
              private ``/tmp``, ``/var/tmp``, ``/dev/shm`` and ``$HOME``, the interpreter,
              venv, tutor package and lessons bound back read-only, the scratch dir as cwd.
* ``partial`` ``unshare --user --map-root-user --net --pid --fork --mount-proc --kill-child``
              with ``sh`` as PID 1: it brings ``lo`` up, hides ``/tmp``, ``/var/tmp``,
              ``/dev/shm`` and ``$HOME`` behind private tmpfs mounts (binding back what the
              child needs), then runs the child and waits for it.
* ``basic``   no namespaces: a new session, PR_SET_PDEATHSIG, a subreaper sweep, rlimits and
              the audit-hook guard rails of ``guard.py``. Files are not protected.

Nothing here imports asyncio or textual: ``coro-tutor run`` must start in milliseconds.
"""

from __future__ import annotations

import os
import sys

from tutor.runner.values import Limits, TierStatus  # noqa: F401 (Limits: re-exported)

TYPE_CHECKING = False  # not `typing`: `coro-tutor run` starts fast
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    Fingerprint = dict[str, Any]
    """What a probe depends on (kernel, tools, ...): JSON-like, compared as a whole."""

TIERS = ("full", "partial", "basic")
ISOLATION = {"full": "bwrap", "partial": "unshare", "basic": "basic"}
"""Tier -> the `isolation` field of the start event."""
CHOICES = ("auto",) + TIERS

RUNNER_DIR = os.path.dirname(os.path.realpath(__file__))
PACKAGE_DIR = os.path.dirname(RUNNER_DIR)
CHILD_DIR = os.path.join(RUNNER_DIR, "child")
BOOTSTRAP = os.path.join(CHILD_DIR, "bootstrap.py")
GUARD = os.path.join(CHILD_DIR, "guard.py")
WALLS = os.path.join(CHILD_DIR, "walls.py")

PROBE_VERSION = 5
MiB = 1024 * 1024


class SandboxUnavailable(RuntimeError):
    """The requested isolation tier cannot run here; the message says why and how to fix it."""


# --------------------------------------------------------------------------------------
# The probe

_TOOL_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def which(name: str) -> str | None:
    """The absolute path of a system tool (a fixed PATH: the learner's PATH is not trusted)."""
    for folder in _TOOL_PATH.split(":"):
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK) and not os.path.isdir(path):
            return path
    return None


_tools: dict[str, str | None] = {}


def tool(name: str) -> str | None:
    if name not in _tools:
        _tools[name] = which(name)
    return _tools[name]


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def _fingerprint() -> Fingerprint:
    """What the probe result depends on; the cache is used only while all of it is unchanged."""
    tools: dict[str, list[object] | None] = {}
    for name in ("bwrap", "unshare", "ip", "mount", "setpriv", "env"):
        where = which(name)
        _tools[name] = where
        if where:
            st = os.stat(where)
            tools[name] = [where, st.st_size, int(st.st_mtime)]
        else:
            tools[name] = None
    code = os.stat(__file__)
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
        "code": [code.st_size, int(code.st_mtime)],
    }


def cache_file() -> str:
    """tutor.paths.cache_dir()/sandbox-probe.json, without importing pathlib/platformdirs on
    Linux (the same rule as platformdirs' user_cache_dir there): `run` must start fast."""
    override = os.environ.get("CORO_TUTOR_HOME")
    if override:
        folder = os.path.join(os.path.expanduser(override), "cache")
    elif sys.platform.startswith("linux"):
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        base = xdg if xdg else os.path.expanduser("~/.cache")
        folder = os.path.join(base, "coro-tutor")
    else:
        from tutor.paths import cache_dir

        folder = str(cache_dir())
    return os.path.join(folder, "sandbox-probe.json")


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
            env={**_base_env(cwd, cwd), **(extra or {})},
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
        walls = walls_spec(tier, scratch, sys.executable, abi=_abi or 0)
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


# --------------------------------------------------------------------------------------
# Command lines


def _base_env(scratch: str, home: str) -> dict[str, str]:
    venv_bin = os.path.dirname(sys.executable)
    env = {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "MALLOC_ARENA_MAX": "2",
    }
    if sys.prefix != sys.base_prefix:
        env["VIRTUAL_ENV"] = sys.prefix
    return env


def child_env(scratch: str, extra: dict[str, str]) -> dict[str, str]:
    """The scrubbed environment of a child: nothing of the learner's own environment."""
    env = _base_env(scratch, scratch)
    env.update(extra)
    return env


TMPFS_SIZE = 64 * MiB
"""The default size of every private tmpfs of the namespace tiers (`Limits.disk`): the
scratch dir, /tmp, /var/tmp, /dev/shm, /run (the basic tier cannot cap a folder: only each
file, RLIMIT_FSIZE)."""
INBOX = "/run/coro-tutor-inbox"
"""Where the namespace tiers show the host's scratch dir, read-only: the bootstrap copies
the program (and the files beside it) from there into the scratch tmpfs."""
PRIVATE = ("/tmp", "/var/tmp", "/dev/shm")
"""Writable private tmpfs folders of the namespace tiers (besides the scratch dir)."""
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC = (
    "alternatives", "ca-certificates", "crypto-policies", "gai.conf", "group", "host.conf",
    "hosts", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "mime.types",
    "nsswitch.conf", "os-release", "passwd", "pki", "protocols", "resolv.conf", "services",
    "ssl",
)  # fmt: skip
"""What of /etc a Python program may read (plus /etc/python3*): no other host file."""
DEVICES = ("/dev/null", "/dev/zero", "/dev/full")
"""Device files the program may write (and read)."""
RANDOM = ("/dev/urandom", "/dev/random")
"""Device files the program may only read: not /dev as a whole (a terminal in /dev/pts
would let a basic-tier program read the learner's keystrokes)."""


def hidden_paths() -> list[str]:
    """Folders hidden behind private tmpfs mounts in the partial tier."""
    home = os.environ.get("HOME") or os.path.expanduser("~")
    hidden = ["/tmp", "/var/tmp", "/dev/shm", "/run"]
    real_home = os.path.realpath(home) if home else ""
    if real_home and real_home != "/" and os.path.isdir(real_home) and real_home not in hidden:
        hidden.append(real_home)
    hidden = [p for p in hidden if os.path.isdir(p) and not os.path.islink(p)]
    # a folder inside another hidden folder is hidden already (and has no mount point)
    return [p for p in hidden if not any(q != p and _under(p, q) for q in hidden)]


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def needed_paths(python: str, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """What the child must see read-only: interpreter, venv, tutor package, lessons, extras."""
    paths = [
        os.path.realpath(sys.base_prefix),
        os.path.realpath(sys.prefix),
        sys.prefix,
        PACKAGE_DIR,
        os.path.dirname(os.path.realpath(python)),
        # another interpreter (RunRequest.python): its whole prefix, bin/ and lib/
        os.path.dirname(os.path.dirname(os.path.realpath(python))),
        os.path.dirname(python),
    ]
    lessons = os.environ.get("CORO_TUTOR_LESSONS")
    if lessons:
        paths.append(os.path.realpath(os.path.expanduser(lessons)))
    repo_lessons = os.path.join(os.path.dirname(PACKAGE_DIR), "lessons")
    if os.path.isdir(repo_lessons):
        paths.append(repo_lessons)
    paths.extend(os.path.realpath(p) for p in extra)
    seen: list[str] = []
    for p in paths:
        if p and p not in seen and os.path.exists(p):
            seen.append(p)
    return seen


_system: list[str] | None = None


def system_paths() -> list[str]:
    """The host's system folders and /etc files a child may read (those present here)."""
    global _system
    if _system is None:
        found = [p for p in SYSTEM_DIRS if os.path.lexists(p)]
        try:
            etc = sorted(n for n in os.listdir("/etc") if n in ETC or n.startswith("python3"))
        except OSError:
            etc = []
        _system = found + [os.path.join("/etc", n) for n in etc]
    return _system


def _outermost(paths: Iterable[str]) -> list[str]:
    out: list[str] = []
    for p in sorted(paths, key=len):
        if not any(_under(p, q) for q in out):
            out.append(p)
    return out


def _rebinds(python: str, extra: list[str] | tuple[str, ...], hidden: list[str]) -> list[str]:
    """The needed paths that a hidden folder would cover, outermost first, de-duplicated."""
    covered = [p for p in needed_paths(python, extra) if any(_under(p, h) for h in hidden)]
    return _outermost(covered)


def _binds(python: str, extra: list[str] | tuple[str, ...]) -> list[str]:
    """The full tier's needed paths outside the system folders, outermost first."""
    system = [p for p in system_paths() if not os.path.islink(p)]
    extra_paths = [p for p in needed_paths(python, extra) if not any(_under(p, s) for s in system)]
    return _outermost(extra_paths)


def walls_spec(
    tier: str,
    scratch: str,
    python: str,
    extra_ro: list[str] | tuple[str, ...] = (),
    keep_fds: tuple[int, ...] = (),
    abi: int | None = None,
) -> str:
    """CORO_TUTOR_WALLS: what child/walls.py puts up in the child (see its docstring)."""
    abi = landlock_abi() if abi is None else abi
    lines = [f"keep {fd}" for fd in keep_fds]
    if abi:
        lines.append(f"landlock {abi}")
    if tier != "full":  # the full tier mounts no socket file; the others keep the host's
        lines.append("seccomp")
    if tier == "partial":
        lines.append("rofs")
    reads = system_paths() + needed_paths(python, extra_ro) + ["/proc", *RANDOM]
    reads.append("/sys/devices/system/cpu")
    if tier != "basic":
        reads.append(INBOX)
    lines += ["r " + p for p in reads]
    lines.append("w " + scratch)
    if tier != "basic":
        lines += ["w " + p for p in PRIVATE if os.path.isdir(p)]
    lines += ["f " + p for p in DEVICES]
    return "\n".join(lines)


def enforces(tier: str) -> str:
    """The `enforces` words of the start event: the kernel walls of a run in `tier`."""
    from tutor.runner.child.walls import in_force

    words: str = in_force(landlock_abi(), tier != "full", tier == "partial")
    return words


def command(
    tier: str,
    argv: list[str],
    scratch: str,
    python: str,
    extra_ro: list[str] | tuple[str, ...] = (),
    keep_fds: tuple[int, ...] = (),
    disk: int = TMPFS_SIZE,
) -> list[str]:
    """The full command line that runs `argv` (the child python) in `tier` with cwd `scratch`
    (`disk`: the size of each private tmpfs).

    The first word is an absolute path (the caller uses posix_spawn). The basic and partial
    tiers start with `setpriv --pdeathsig KILL` (the sandbox dies with the tutor; bwrap does
    that itself with --die-with-parent), the basic tier then `env -C scratch` for the cwd.
    """
    setpriv = tool("setpriv")
    deathsig = [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []
    if tier == "basic":
        env = tool("env")
        if env:
            return deathsig + [env, "-C", scratch, "--"] + list(argv)
        return deathsig + ["/bin/sh", "-c", 'cd "$0" && exec "$@"', scratch] + list(argv)
    if tier == "full":
        return _bwrap(argv, scratch, python, extra_ro, disk)
    if tier == "partial":
        hidden = hidden_paths()
        rebinds = _rebinds(python, extra_ro, hidden)
        return (
            deathsig
            + [
                tool("unshare") or "unshare",
                "--user",
                "--map-root-user",
                "--net",
                "--pid",
                "--fork",
                "--mount-proc",
                "--kill-child",
                "--",
                "/bin/sh",
                "-c",
                _partial_script(hidden, rebinds, scratch, keep_fds, disk),
                "coro-tutor-init",
            ]
            + list(argv)
        )
    raise ValueError(f"unknown tier {tier!r}")


def _bwrap(
    argv: list[str], scratch: str, python: str, extra_ro: list[str] | tuple[str, ...], disk: int
) -> list[str]:
    """Only what the child needs: system folders, /etc files, interpreter, venv, tutor."""
    size = str(disk)
    cmd = [
        tool("bwrap") or "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
    ]  # fmt: skip
    for p in system_paths():
        if os.path.islink(p):
            cmd += ["--symlink", os.readlink(p), p]
        else:
            cmd += ["--ro-bind-try", p, p]
    cmd += ["--dev", "/dev", "--proc", "/proc"]
    for p in ("/tmp", "/var/tmp", "/run", "/dev/shm"):
        cmd += ["--size", size, "--tmpfs", p]
    for p in _binds(python, extra_ro):
        cmd += ["--ro-bind", p, p]
    cmd += ["--ro-bind", scratch, INBOX, "--size", size, "--tmpfs", scratch, "--chdir", scratch]
    if os.geteuid() == 0:
        cmd += ["--cap-drop", "ALL"]
    return cmd + ["--"] + list(argv)


_LO_UP_PY = (
    "import socket,fcntl,struct;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);"
    "f=struct.unpack('16sh',fcntl.ioctl(s,0x8913,struct.pack('16sh',b'lo',0)))[1];"
    "fcntl.ioctl(s,0x8914,struct.pack('16sh',b'lo',f|1))"
)


def _q(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def _partial_script(
    hidden: list[str],
    rebinds: list[str],
    scratch: str,
    keep_fds: tuple[int, ...] = (),
    disk: int = TMPFS_SIZE,
) -> str:
    """PID 1 of the partial tier: loopback up, private tmpfs mounts (capped), the host's
    scratch dir shown read-only at INBOX and a tmpfs in its place, then the child (which
    makes every other mount read-only before the program runs: child/walls.py)."""
    lines = [
        "set -e",
        f'ip link set lo up 2>/dev/null || "$1" -I -c {_q(_LO_UP_PY)}',
    ]
    # Keep a handle (an fd: dash knows 3..9) on every folder to bind back before the tmpfs
    # mounts cover them; never on an fd the child inherits (the event pipe).
    free = [fd for fd in range(3, 10) if fd not in keep_fds]
    keep = [scratch] + rebinds
    if len(keep) > len(free):  # too many folders to bind back: hide only the temp folders
        hidden = [h for h in hidden if h in ("/tmp", "/var/tmp", "/dev/shm", "/run")]
        keep = [scratch] + [p for p in rebinds if any(_under(p, h) for h in hidden)]
        keep = keep[: len(free)]
    handles = list(zip(free, keep, strict=False))
    for fd, p in handles:
        lines.append(f"exec {fd}<{_q(p)}")
    opts = f"size={disk},nosuid,nodev"
    for h in hidden:
        lines.append(f"mount -t tmpfs -o {opts},mode=1777 coro-tutor {_q(h)}")
    for fd, p in handles:
        target = INBOX if p == scratch else p
        lines.append(f"mkdir -p {_q(target)}")
        lines.append(f"mount --no-canonicalize --bind /proc/self/fd/{fd} {_q(target)}")
    for fd, _ in handles:
        lines.append(f"exec {fd}<&-")
    lines += [
        f"mkdir -p {_q(scratch)}",
        f"mount -t tmpfs -o {opts},mode=0700 coro-tutor {_q(scratch)}",
        f"cd {_q(scratch)}",
        "set +e",
        # Not `exec`: sh stays PID 1 so the child is an ordinary process that gets signals.
        '"$@"',
        "exit $?",
    ]
    return "\n".join(lines)
