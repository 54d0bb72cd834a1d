"""What the tutor keeps about this host between runs, per install: where (the cache folder,
and a key naming this install) and the snapshot of /etc that the full tier binds.

An install is an interpreter prefix and this package's folder: a user's other venvs and
checkouts keep their own files instead of redoing each other's. No pathlib, platformdirs,
hashlib or shutil import: `coro-tutor run` starts fast.
"""

from __future__ import annotations

import os
import stat
import sys

_RUNNER_DIR = os.path.dirname(os.path.realpath(__file__))


def cache_folder() -> str:
    """tutor.paths.cache_dir(), computed without importing pathlib/platformdirs on Linux
    (the same rule as platformdirs' user_cache_dir there)."""
    override = os.environ.get("CORO_TUTOR_HOME")
    if override:
        return os.path.join(os.path.expanduser(override), "cache")
    if sys.platform.startswith("linux"):
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        base = xdg if xdg else os.path.expanduser("~/.cache")
        return os.path.join(base, "coro-tutor")
    from tutor.paths import cache_dir

    return str(cache_dir())


def _fnv(text: str) -> str:
    """A short stable hash (FNV-1a, 32 bits) as 8 hex digits."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8", "surrogateescape"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


def install_key() -> str:
    """Names this install (interpreter prefix, package folder) in cache file names."""
    return _fnv(f"{sys.prefix}\0{_RUNNER_DIR}")


def etc_snapshot(entries: list[str]) -> str | None:
    """A folder to bind read-only at /etc in the full tier, in place of one bind per entry
    (bwrap pays for every mount): copies of the regular files among `entries` (the /etc
    files a program may read), their symlinks as symlinks, and an empty folder for each
    directory among them (bound over it from the host's /etc, `entries` in that order).

    Made in the cache folder once, and again when an entry changes (name, type, size,
    mtime, inode). None when it cannot be made (read-only cache, an unreadable file...):
    the caller binds the entries one by one then."""
    try:
        found = [(p, os.lstat(p)) for p in entries]
        sig = repr([(p, s.st_mode, s.st_size, s.st_mtime_ns, s.st_ino) for p, s in found])
        folder = os.path.join(cache_folder(), f"etc-{install_key()}-{_fnv(sig)}")
        if os.path.isdir(folder):
            return folder
        os.makedirs(cache_folder(), exist_ok=True)
        tmp = f"{folder}.{os.getpid()}-{os.urandom(4).hex()}"
        os.mkdir(tmp, 0o755)
    except OSError:
        return None
    try:
        for path, st in found:
            dest = os.path.join(tmp, os.path.basename(path))
            if stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(path), dest)
            elif stat.S_ISDIR(st.st_mode):
                os.mkdir(dest, 0o755)
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as src:
                    data = src.read()
                fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, st.st_mode & 0o777)
                with open(fd, "wb") as out:
                    out.write(data)
            else:  # a device or socket in /etc: not something to copy
                raise OSError(0, f"not a file: {path}")
        os.rename(tmp, folder)
    except OSError:
        _remove_flat(tmp)
        return folder if os.path.isdir(folder) else None  # another tutor made it meanwhile
    return folder


def _remove_flat(folder: str) -> None:
    """Remove a half-made snapshot (files, symlinks and empty folders only)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        path = os.path.join(folder, name)
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                os.rmdir(path)
            else:
                os.unlink(path)
        except OSError:
            pass
    try:
        os.rmdir(folder)
    except OSError:
        pass
