"""The kernel walls the child puts up around itself before the learner's program runs.

In every tier, after bwrap/unshare have set up their mounts (a Landlocked process cannot
mount) and before any line of the program runs, the bootstrap calls `apply(spec)`:

1. closes every fd but 0-2 and the ones it must keep (the event pipe, the go pipe); then
   ``pdeathsig PID`` (the basic tier, started without setpriv): PR_SET_PDEATHSIG=SIGKILL,
   and if the parent is no longer PID (the tutor died before that), exit at once;
2. ``rofs``: makes the whole mount tree read-only (`mount_setattr`, AT_RECURSIVE) and then
   the writable mounts (the scratch dir and the private tmpfs folders) writable again
   (the partial tier, which keeps the host's ``/`` otherwise);
3. ``seccomp``: a four-instruction BPF filter refusing ``socket(AF_UNIX, ...)`` (named
   Unix sockets are not covered by Landlock up to ABI 7; ``socketpair`` stays allowed, so
   asyncio's self-pipe works), ``io_uring_setup`` and foreign-architecture syscalls;
4. Landlock: writes only beneath the ``w`` paths (and the ``f`` device files), reads and
   execution only beneath the ``r`` paths; with ABI >= 6 signals and abstract Unix sockets
   scoped to the sandbox's own processes (and ptrace, so ``/proc/<tutor>/mem``, is closed by
   Landlock itself). Rights unknown to the running kernel's ABI are dropped.

The spec (CORO_TUTOR_WALLS, built by tutor/runner/wallspec.py) is one item per line:
``pdeathsig PID``, ``keep FD``, ``rofs``, ``seccomp``, ``landlock ABI`` (the ABI the parent
probed), ``r PATH``, ``w PATH``, ``f PATH``. A wall the kernel refuses raises `WallError`:
the bootstrap then stops before the program runs, as the sandbox could not start.

Stdlib only, and cheap: the bare ``_ctypes`` extension (not the ``ctypes`` package, whose
import costs several ms) and three raw syscalls (444-446, the same on every architecture).
"""

import os
import sys
from stat import S_ISDIR

# Landlock (include/uapi/linux/landlock.h)
_CREATE, _ADD_RULE, _RESTRICT = 444, 445, 446
_VERSION = 1  # LANDLOCK_CREATE_RULESET_VERSION
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1, 2, 4, 8
_FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 14, 1 << 15
_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1, 2

# mount_setattr (5.12+)
_MOUNT_SETATTR, _AT_FDCWD, _AT_RECURSIVE, _MOUNT_ATTR_RDONLY = 442, -100, 0x8000, 1

# seccomp: (AUDIT_ARCH, __NR_socket) per machine
_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
_IO_URING_SETUP = 425
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_PR_SET_PDEATHSIG, _SIGKILL = 1, 9
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_EACCES, _ENOSYS = 13, 38


class WallError(OSError):
    """A wall the kernel refused to put up (the program must not run without it)."""


_lib = None


def _binding():
    """(syscall, long type, char-pointer type) from the bare _ctypes extension."""
    global _lib
    if _lib is None:
        import _ctypes

        class Long(_ctypes._SimpleCData):
            _type_ = "l"

        class CharP(_ctypes._SimpleCData):
            _type_ = "z"

        class Fn(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
            _restype_ = Long

        class Libc:
            _handle = _ctypes.dlopen(None)

        _lib = {
            "syscall": Fn(("syscall", Libc())),
            "prctl": Fn(("prctl", Libc())),
            "long": Long,
            "charp": CharP,
            "errno": _ctypes.get_errno,
        }
    return _lib


def _call(nr, *args, fn="syscall"):
    """syscall(nr, *args) (or prctl(nr, *args)): ints as longs, bytes as pointers to their
    data. Raises OSError."""
    lib = _binding()
    Long, CharP = lib["long"], lib["charp"]
    ret = lib[fn](*[CharP(a) if isinstance(a, bytes) else Long(a) for a in (nr,) + args])
    if ret < 0:
        err = lib["errno"]()
        raise OSError(err, os.strerror(err))
    return ret


def prctl(option, *args):
    """prctl(option, *args) (raises OSError). The parent uses it too: its subreaper flag
    without the cost of importing the `ctypes` package."""
    return _call(option, *args, fn="prctl")


def abi():
    """The Landlock ABI this kernel offers (0: none, or not Linux)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        return _call(_CREATE, 0, 0, _VERSION)
    except (OSError, AttributeError, ImportError):
        return 0


def handled_fs(version):
    """Every file-system right the ABI knows (all of them are denied unless a rule allows)."""
    rights = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    if version >= 2:
        rights |= 1 << 13  # REFER
    if version >= 3:
        rights |= _FS_TRUNCATE
    if version >= 5:
        rights |= _FS_IOCTL_DEV
    return rights


def in_force(version, seccomp=False, rofs=False):
    """The words the start event and `coro-tutor doctor` show: which walls hold."""
    words = []
    if version >= 1:
        words.append(f"landlock-{version}")
        words.append("files")
    if version >= 6:
        words += ["signals", "abstract-sockets", "ptrace"]
    if seccomp:
        words.append("no-unix-sockets")
    if rofs:
        words.append("read-only-root")
    return " ".join(words) if words else "none"


def _u64(n):
    return n.to_bytes(8, sys.byteorder)


def _close_fds(keep):
    """Only fds 0-2 and `keep` reach the program (a shell may have left e.g. fd 12 open)."""
    low = 3
    for fd in sorted(k for k in keep if k >= 3):
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 20)


def _read_only_root(writable):
    """Every mount read-only, then the sandbox's own writable mounts writable again."""
    ro = _u64(_MOUNT_ATTR_RDONLY) + _u64(0) + _u64(0) + _u64(0)
    rw = _u64(0) + _u64(_MOUNT_ATTR_RDONLY) + _u64(0) + _u64(0)
    _call(_MOUNT_SETATTR, _AT_FDCWD, b"/", _AT_RECURSIVE, ro, len(ro))
    for path in writable:
        _call(_MOUNT_SETATTR, _AT_FDCWD, os.fsencode(path), 0, rw, len(rw))


def _seccomp():
    """Refuse socket(AF_UNIX) with EACCES and io_uring; allow everything else."""
    machine = os.uname().machine
    if machine not in _ARCH:
        return False
    arch, nr_socket = _ARCH[machine]

    def op(code, jt, jf, k):
        return code.to_bytes(2, sys.byteorder) + bytes((jt, jf)) + k.to_bytes(4, sys.byteorder)

    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    prog = b"".join(
        (
            op(ld, 0, 0, 4),  # seccomp_data.arch
            op(jeq, 1, 0, arch),
            op(ret, 0, 0, _RET_ERRNO | _ENOSYS),  # another ABI (i386, x32 below): refuse
            op(ld, 0, 0, 0),  # seccomp_data.nr
            op(jge, 5, 0, 0x40000000),  # x32 syscalls -> ENOSYS
            op(jeq, 0, 2, nr_socket),
            op(ld, 0, 0, 16),  # args[0] (low 32 bits): the domain
            op(jeq, 3, 4, 1),  # AF_UNIX -> EACCES, else allow
            op(jeq, 1, 0, _IO_URING_SETUP),
            op(ret, 0, 0, _RET_ALLOW),
            op(ret, 0, 0, _RET_ERRNO | _ENOSYS),
            op(ret, 0, 0, _RET_ERRNO | _EACCES),
            op(ret, 0, 0, _RET_ALLOW),
        )
    )
    from _ctypes import addressof

    lib = _binding()
    holder = lib["charp"](prog)  # keeps the filter's bytes alive; its value is their address
    address = lib["long"].from_address(addressof(holder)).value
    fprog = (len(prog) // 8).to_bytes(2, sys.byteorder) + b"\0" * 6 + _u64(address)
    _call(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, fprog, 0, 0, fn="prctl")
    return True


def _landlock(version, reads, writes, files):
    rights = handled_fs(version)
    scoped = _SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL if version >= 6 else 0
    attr = _u64(rights)
    if version >= 4:
        attr += _u64(0)  # TCP is not filtered: Landlock knows ports only (see the docs)
    if version >= 6:
        attr += _u64(scoped)
    ruleset = _call(_CREATE, attr, len(attr), 0)
    try:
        read = (_FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR) & rights
        for allowed, paths in ((read, reads), (rights, writes), (_FILE_RIGHTS & rights, files)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue  # not on this system (or not in this sandbox)
                try:
                    mask = allowed
                    if not S_ISDIR(os.fstat(fd).st_mode):
                        mask &= _FILE_RIGHTS
                    rule = _u64(mask) + fd.to_bytes(4, sys.byteorder, signed=True)
                    _call(_ADD_RULE, ruleset, 1, rule, 0)  # LANDLOCK_RULE_PATH_BENEATH
                finally:
                    os.close(fd)
        _call(_RESTRICT, ruleset, 0)
    finally:
        os.close(ruleset)


def apply(spec):
    """Put up the walls `spec` names (see the module docstring). Returns their words."""
    keep, reads, writes, files = [], [], [], []
    rofs = seccomp = False
    version = parent = 0
    for line in spec.split("\n"):
        word, _, arg = line.partition(" ")
        if word == "pdeathsig":
            parent = int(arg)
        elif word == "keep":
            keep.append(int(arg))
        elif word == "r":
            reads.append(arg)
        elif word == "w":
            writes.append(arg)
        elif word == "f":
            files.append(arg)
        elif word == "rofs":
            rofs = True
        elif word == "seccomp":
            seccomp = True
        elif word == "landlock":
            version = int(arg)
    _close_fds(keep)
    try:
        if parent:
            _call(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0, fn="prctl")
            if os.getppid() != parent:  # the tutor died before the signal was armed
                os._exit(128 + _SIGKILL)
        if rofs:
            _read_only_root(writes)
        if seccomp or version:
            _call(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, fn="prctl")
        if seccomp:
            seccomp = _seccomp()
        if version:
            version = min(version, abi())
            if version <= 0:
                raise OSError(0, "Landlock is not available in this sandbox")
            _landlock(version, reads, writes, files)
    except OSError as e:
        raise WallError(e.errno, f"{e.strerror}") from None
    return in_force(version, seccomp, rofs)
