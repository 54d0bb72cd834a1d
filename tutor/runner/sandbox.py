"""The command lines that start a child in each isolation tier, the folders they bind and
the child's scrubbed environment.

Three tiers, best first (docs/runner-sandbox.md has the details and the measured costs;
tutor.runner.tiers probes which work here, tutor.runner.wallspec adds the kernel walls):

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

from tutor.runner.hostcache import etc_snapshot

TYPE_CHECKING = False  # not `typing`: `coro-tutor run` starts fast
if TYPE_CHECKING:
    from collections.abc import Iterable

RUNNER_DIR = os.path.dirname(os.path.realpath(__file__))
PACKAGE_DIR = os.path.dirname(RUNNER_DIR)
CHILD_DIR = os.path.join(RUNNER_DIR, "child")
BOOTSTRAP = os.path.join(CHILD_DIR, "bootstrap.py")
GUARD = os.path.join(CHILD_DIR, "guard.py")
WALLS = os.path.join(CHILD_DIR, "walls.py")

MiB = 1024 * 1024


_TOOL_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def which(name: str) -> str | None:
    """The absolute path of a system tool (a fixed PATH: the learner's PATH is not trusted)."""
    for folder in _TOOL_PATH.split(":"):
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK) and not os.path.isdir(path):
            return path
    return None


_tools: dict[str, str | None] = {}


def tool(name: str, fresh: bool = False) -> str | None:
    """which(name), remembered (fresh: look again, as the probe's fingerprint does)."""
    if fresh or name not in _tools:
        _tools[name] = which(name)
    return _tools[name]


def child_env(scratch: str, extra: dict[str, str]) -> dict[str, str]:
    """The scrubbed environment of a child: nothing of the learner's own environment."""
    venv_bin = os.path.dirname(sys.executable)
    env = {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "MALLOC_ARENA_MAX": "2",
    }
    if sys.prefix != sys.base_prefix:
        env["VIRTUAL_ENV"] = sys.prefix
    env.update(extra)
    return env


# --------------------------------------------------------------------------------------
# What a tier shows the child


TMPFS_SIZE = 64 * MiB
"""The default size of every private tmpfs of the namespace tiers (`Limits.disk`): the
scratch dir, /tmp, /var/tmp, /dev/shm, /run (the basic tier cannot cap a folder: only each
file, RLIMIT_FSIZE)."""
INBOX = "/run/coro-tutor-inbox"
"""Where the namespace tiers show the host's scratch dir, read-only: the bootstrap copies
the program (and the files beside it) from there into the scratch tmpfs."""
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC = (
    "alternatives", "ca-certificates", "crypto-policies", "gai.conf", "group", "host.conf",
    "hosts", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "mime.types",
    "nsswitch.conf", "os-release", "passwd", "pki", "protocols", "resolv.conf", "services",
    "ssl",
)  # fmt: skip
"""What of /etc a Python program may read (plus /etc/python3*): no other host file."""


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


def _realpath(path: str) -> str:
    """os.path.realpath in three syscalls for a path that exists (the kernel resolves it;
    os.path.realpath lstats every component, ~4x slower here), else os.path.realpath."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return os.path.realpath(path)
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(path)
    finally:
        os.close(fd)


_resolved: dict[tuple[object, ...], list[str]] = {}


def needed_paths(python: str, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """What the child must see read-only (those that exist): interpreter, venv, tutor
    package, lessons, extras. Resolved once per set of inputs (a run asks for its walls and
    for its binds), checked for existence every time."""
    lessons = os.environ.get("CORO_TUTOR_LESSONS")
    key = (python, tuple(extra), sys.prefix, sys.base_prefix, lessons)
    if key not in _resolved:
        _resolved[key] = _candidates(python, extra, lessons)
    seen: list[str] = []
    for p in _resolved[key]:
        if p and p not in seen and os.path.exists(p):
            seen.append(p)
    return seen


def _candidates(python: str, extra: list[str] | tuple[str, ...], lessons: str | None) -> list[str]:
    real_python = _realpath(python)
    paths = [
        _realpath(sys.base_prefix),
        _realpath(sys.prefix),
        sys.prefix,
        PACKAGE_DIR,
        os.path.dirname(real_python),
        # another interpreter (RunRequest.python): its whole prefix, bin/ and lib/
        os.path.dirname(os.path.dirname(real_python)),
        os.path.dirname(python),
    ]
    if lessons:
        paths.append(_realpath(os.path.expanduser(lessons)))
    repo_lessons = os.path.join(os.path.dirname(PACKAGE_DIR), "lessons")
    if os.path.isdir(repo_lessons):
        paths.append(repo_lessons)
    paths.extend(_realpath(p) for p in extra)
    return paths


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


# --------------------------------------------------------------------------------------
# Command lines


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

    The first word is an absolute path (the caller uses posix_spawn). The partial tier
    starts with `setpriv --pdeathsig KILL` (the sandbox dies with the tutor; bwrap does that
    itself with --die-with-parent). The basic tier is the child alone: it sets its parent-
    death signal and cwd itself, first thing (CORO_TUTOR_WALLS' `pdeathsig`, CORO_TUTOR_CWD),
    two execs fewer on the way to the program.
    """
    if tier == "basic":
        return list(argv)
    setpriv = tool("setpriv")
    deathsig = [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []
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
    """Only what the child needs: system folders, /etc files (a snapshot of them when it
    can be made: hostcache.etc_snapshot), interpreter, venv, tutor."""
    size = str(disk)
    cmd = [
        tool("bwrap") or "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
    ]  # fmt: skip
    etc = [p for p in system_paths() if p.startswith("/etc/")]
    snapshot = etc_snapshot(etc)  # one bind instead of a dozen: bwrap pays for each mount
    for p in system_paths():
        if p in etc and snapshot is not None:
            if p == etc[0]:
                cmd += ["--ro-bind", snapshot, "/etc"]
            if os.path.isdir(p) and not os.path.islink(p):  # an empty folder there
                cmd += ["--ro-bind-try", p, p]
        elif os.path.islink(p):
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
