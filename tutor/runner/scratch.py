"""Scratch dirs: one per run, its program file (and the .py files beside it), its removal,
and the sweep of dirs left behind by a tutor that died.

A run's dir is `$TMPDIR/coro-tutor-<uid>/run-<tutor pid>-<random>`: the pid in the name
tells whether its tutor still lives. No shutil import (`coro-tutor run` starts fast).
"""

from __future__ import annotations

import os

from tutor.runner import procs

TYPE_CHECKING = False  # no `typing` import: `coro-tutor run` starts fast
if TYPE_CHECKING:
    from tutor.runner.values import RunRequest

SIBLINGS_MAX = 50
SIBLINGS_MAX_BYTES = 2 << 20


def scratch_base() -> str:
    tmp = os.environ.get("TMPDIR") or "/tmp"
    if not os.path.isdir(tmp):
        tmp = "/tmp"
    return os.path.join(tmp, f"coro-tutor-{os.geteuid()}")


def make_scratch() -> str:
    """A new, empty scratch dir for a run (after sweeping stale ones)."""
    base = scratch_base()
    os.makedirs(base, mode=0o700, exist_ok=True)
    remove_stale_scratch(base)
    while True:
        path = os.path.join(base, f"run-{os.getpid()}-{os.urandom(4).hex()}")
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            continue


def rmtree(path: str) -> None:
    """Delete a scratch dir, whatever the program did to its permissions (no shutil import)."""
    try:
        os.chmod(path, 0o700)
    except OSError:
        return
    for root, dirs, _files in os.walk(path, topdown=True):
        for d in dirs:
            full = os.path.join(root, d)
            if not os.path.islink(full):
                try:
                    os.chmod(full, 0o700)
                except OSError:
                    pass
    for root, dirs, files in os.walk(path, topdown=False):
        for name in files:
            try:
                os.unlink(os.path.join(root, name))
            except OSError:
                pass
        for name in dirs:
            full = os.path.join(root, name)
            try:
                if os.path.islink(full):
                    os.unlink(full)
                else:
                    os.rmdir(full)
            except OSError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass


def remove_stale_scratch(base: str | None = None) -> int:
    """Delete scratch dirs whose tutor process is gone (and kill what still runs in them)."""
    base = base or scratch_base()
    try:
        names = os.listdir(base)
    except OSError:
        return 0
    stale = []
    live: set[int] = set()
    for name in names:
        parts = name.split("-")
        if len(parts) >= 3 and parts[0] == "run" and parts[1].isdigit():
            if procs.alive(int(parts[1])):
                live.add(int(parts[1]))
            else:
                stale.append(os.path.join(base, name))
    if not stale:
        return 0
    procs.kill_stale(stale, live)
    for s in stale:
        rmtree(s)
    return len(stale)


def scratch_size(path: str, limit: int) -> int:
    """Bytes used below `path` (each entry at least one 4 KiB block, so a flood of empty
    files counts too), counted until it passes `limit`."""
    total = 0
    stack = [path]
    while stack and total <= limit:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    total += max(st.st_blocks * 512, 4096)
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:
            continue
    return total


def copy_siblings(folder: str, program: str, scratch: str) -> None:
    """Copy the .py files beside a program file, so `import helper` works as it would with
    `python prog.py`. Only when they are few and small (at most SIBLINGS_MAX files,
    SIBLINGS_MAX_BYTES in all): a program in a big folder gets nothing but itself."""
    picked = []
    total = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name == program or not entry.name.endswith(".py"):
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
                total += entry.stat(follow_symlinks=False).st_size
                picked.append(entry.name)
                if len(picked) > SIBLINGS_MAX or total > SIBLINGS_MAX_BYTES:
                    return
    except OSError:
        return
    for name in picked:
        try:
            with (
                open(os.path.join(folder, name), "rb") as src,
                open(os.path.join(scratch, name), "xb") as dst,
            ):
                dst.write(src.read())
        except OSError:
            continue


def write_program(request: RunRequest, scratch: str) -> str:
    """Write the request's program into `scratch` (a path's text under its own name, with
    its siblings; else `code` as `filename`): the path the child runs."""
    if request.path is not None:
        src = os.fspath(request.path)
        if request.code is None:
            with open(src, encoding="utf-8") as f:
                code = f.read()
        else:
            code = request.code
        name = request.filename if request.filename != "lesson.py" else os.path.basename(src)
        copy_siblings(os.path.dirname(src), os.path.basename(src), scratch)
    else:
        code = request.code if request.code is not None else ""
        name = request.filename
    name = os.path.basename(name) or "lesson.py"
    program = os.path.join(scratch, name)
    with open(program, "w", encoding="utf-8") as f:
        f.write(code)
    return program


def mentions(program: str | None, text: bytes) -> bool:
    """Whether the program file contains `text` (evidence for an outcome, read at the end)."""
    if program is None:
        return False
    try:
        with open(program, "rb") as f:
            return text in f.read()
    except OSError:
        return False
