"""Guard rails that run inside the child, before the learner's program.

Loaded by file path by the bootstrap (stdlib only, cheap to import):

    guard.apply_limits(os.environ["CORO_TUTOR_RLIMITS"])   # rlimits, set inside the namespace
    guard.install(scratch_dir=os.getcwd())                 # audit hook (basic/partial tiers)

CORO_TUTOR_GUARD_ALLOW (colon-separated) names more writable folders: the partial tier's
private tmpfs mounts.

The audit hook refuses, with a PermissionError whose message the parent recognises:
signalling processes outside the program's own session (``os.kill(-1, ...)``, pid <= 0,
another session's pid), writes/deletes/renames outside the scratch folder, and network
connections to anything but loopback (and Unix sockets outside the scratch folder).
ctypes can bypass audit hooks: these are guard rails, not a boundary; the namespaces of the
full and partial tiers are the boundary.
"""

import os
import sys

# The parent matches these texts in the program's last stderr line; keep them in sync with
# tutor/runner/outcome.py.
KILL_DENIED = "Stopping other programs is blocked here"
WRITE_DENIED = "Writing files outside the program's folder is blocked here"
NET_DENIED = "Connecting to other computers is blocked here; only 127.0.0.1 works"

_LIMITS = {
    "cpu": "RLIMIT_CPU",
    "data": "RLIMIT_DATA",
    "nproc": "RLIMIT_NPROC",
    "fsize": "RLIMIT_FSIZE",
    "nofile": "RLIMIT_NOFILE",
    "core": "RLIMIT_CORE",
    "as": "RLIMIT_AS",
}


def apply_limits(spec):
    """Set rlimits from "cpu=10:11,data=536870912,nproc=64,fsize=...,nofile=256,core=0".

    A value "soft:hard" sets both; a single value sets soft = hard. A limit that cannot be
    raised (the hard limit is already lower) is clamped to it. "stack=N" sets the stack of
    new threads (N bytes): RLIMIT_AS ("as=") must leave room for NPROC of them.
    """
    import resource

    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, value = item.partition("=")
        if name == "pdeathsig":
            _pdeathsig_on_fork(int(value))
            continue
        if name == "stack":
            import _thread

            _thread.stack_size(int(value))
            continue
        attr = _LIMITS.get(name.strip())
        if attr is None or not hasattr(resource, attr):
            continue
        soft_s, _, hard_s = value.partition(":")
        soft = int(soft_s)
        hard = int(hard_s) if hard_s else soft
        which = getattr(resource, attr)
        _, cur_hard = resource.getrlimit(which)
        if cur_hard != resource.RLIM_INFINITY:
            hard = min(hard, cur_hard)
            soft = min(soft, hard)
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            pass


def _pdeathsig_on_fork(sig):
    """Basic tier: a forked child dies with its parent, so killing the tutor ends the tree.

    ctypes is loaded in the parent before the first fork (not at start-up: most programs
    never fork); the child checks that its parent did not die before prctl took effect.
    """
    state = {}

    def before():
        if "prctl" not in state:
            try:
                import ctypes

                state["prctl"] = ctypes.CDLL(None).prctl
            except Exception:
                state["prctl"] = None
        state["parent"] = os.getpid()

    def after_in_child():
        prctl = state.get("prctl")
        if prctl is None:
            return
        try:
            prctl(1, sig, 0, 0, 0)  # PR_SET_PDEATHSIG
        except Exception:
            return
        if os.getppid() != state.get("parent"):
            os._exit(128 + sig)  # not os.kill: that goes through the audit hook

    os.register_at_fork(before=before, after_in_child=after_in_child)


_PATH_EVENTS = (
    "os.remove", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod", "os.chown", "os.utime",
    "os.mkfifo", "os.mknod", "os.setxattr", "os.removexattr", "shutil.rmtree",
)  # fmt: skip
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_ALLOWED_WRITES = ("/dev/null", "/dev/tty", "/dev/stdout", "/dev/stderr", "/dev/full", "/dev/zero")


def install(scratch_dir):
    """Install the audit hook. Writes are allowed under `scratch_dir` only."""
    scratch = os.path.realpath(scratch_dir)
    prefix = scratch.rstrip("/") + "/"
    # Folders that are private to the sandbox (tmpfs in the partial tier) are writable too.
    private = tuple(
        os.path.realpath(p).rstrip("/") + "/"
        for p in os.environ.get("CORO_TUTOR_GUARD_ALLOW", "").split(":")
        if p
    )
    realpath = os.path.realpath
    fspath = os.fsdecode
    own_sid = os.getsid(0)
    sys.dont_write_bytecode = True

    def inside(path, dir_fd=None):
        if isinstance(path, int):
            return True
        try:
            p = fspath(path)
        except TypeError:
            return True
        if dir_fd is not None and dir_fd >= 0 and not os.path.isabs(p):
            try:
                p = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), p)
            except OSError:
                return False
        if p in _ALLOWED_WRITES or p.startswith("/proc/self/") or p.startswith("/dev/fd/"):
            return True
        full = realpath(p)
        if full == scratch or full.startswith(prefix) or full in _ALLOWED_WRITES:
            return True
        return bool(private) and (full + "/").startswith(private)

    def deny_write(path):
        raise PermissionError(f"{WRITE_DENIED}: {fspath(path)!r}")

    me = os.getpid()

    def ours(pid):
        """True for a process of the program's own session or one it started (or of the
        calling process's own session, after a setsid)."""
        mine = (me, os.getpid())
        if pid in mine:
            return True
        if pid == 1:  # init (or the namespace's init): never the program's to signal
            return False
        # Session 0 is the kernel's/init's: a program started straight under init shares it
        # with unrelated processes, so only real sessions say "ours".
        sids = tuple(s for s in (own_sid, os.getsid(0)) if s > 1)
        for _ in range(64):
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    data = f.read()
                fields = data[data.rindex(b")") + 2 :].split()
            except (OSError, ValueError):
                return False
            if int(fields[3]) in sids or pid in mine:
                return True
            pid = int(fields[1])
            if pid <= 1:
                return False
        return False

    watched = frozenset(
        ("open", "os.rename", "os.link", "os.symlink", "os.kill", "os.killpg")
        + _PATH_EVENTS
        + ("socket.connect", "socket.sendto", "socket.sendmsg")
    )

    def hook(event, args):
        # Called for every audited event, e.g. each frame.f_code read of the 3.10/3.11
        # switch hook: one set lookup before anything else.
        if event not in watched:
            return
        if event == "open":
            path, mode, flags = args
            if path is None or isinstance(path, int):
                return
            writing = (mode and any(c in mode for c in "wax+")) or (flags & _WRITE_FLAGS)
            if writing and not inside(path):
                deny_write(path)
        elif event in _PATH_EVENTS:
            path = args[0]
            dir_fd = args[-1] if event in ("os.remove", "os.rmdir", "os.mkdir") else None
            if not isinstance(dir_fd, int):
                dir_fd = None
            if not inside(path, dir_fd):
                deny_write(path)
        elif event in ("os.rename", "os.link"):
            src, dst = args[0], args[1]
            if not inside(src) or not inside(dst):
                deny_write(dst if inside(src) else src)
        elif event == "os.symlink":
            if not inside(args[1]):
                deny_write(args[1])
        elif event == "os.kill":
            pid = args[0]
            if pid <= 0 or not ours(pid):
                raise PermissionError(f"{KILL_DENIED}: os.kill({pid}, ...)")
        elif event == "os.killpg":
            pgid = args[0]
            if pgid <= 0 or not ours(pgid):
                raise PermissionError(f"{KILL_DENIED}: os.killpg({pgid}, ...)")
        elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
            sock, address = args[0], args[1]
            if not _local(sock, address, inside):
                raise PermissionError(f"{NET_DENIED}: {address!r}")

    sys.addaudithook(hook)
    # The learner's traceback must not show our frames: the tracer filters its own files
    # out of tracebacks; add ours (harmless when the tracer is not there).
    tracer = sys.modules.get("_coro_tutor_tracer")
    own = getattr(tracer, "OWN_FILES", None)
    if isinstance(own, set):
        own.add(hook.__code__.co_filename)


def _local(sock, address, inside):
    family = getattr(sock, "family", None)
    if family is None or address is None:  # no address: a connected socket (checked then)
        return True
    import socket

    if family == socket.AF_UNIX:
        if isinstance(address, (str, bytes)):
            name = os.fsdecode(address)
            return name.startswith("\0") or inside(name)
        return True
    if family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        host = address[0]
        if isinstance(host, bytes):
            host = host.decode()
        if host in ("localhost", "", "::1", "0.0.0.0", "::") or host.startswith("127."):
            return True
        if host.startswith("::ffff:127."):
            return True
        return False
    return family not in (socket.AF_INET, socket.AF_INET6, getattr(socket, "AF_PACKET", -1))
