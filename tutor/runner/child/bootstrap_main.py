# ruff: noqa: UP031
"""The bootstrap's work (bootstrap.py is the script and stays small: a script is compiled on
every start, this module loads from its .pyc). See bootstrap.py for what a child does."""

import builtins
import os
import sys
from time import perf_counter

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name, filename):
    """Import a module of ours from its file (using its cached .pyc), under a private
    name, without touching sys.path."""
    from _frozen_importlib import module_from_spec
    from _frozen_importlib_external import SourceFileLoader, spec_from_file_location

    path = os.path.join(_HERE, filename)
    if not os.path.exists(path):
        return None
    spec = spec_from_file_location(name, path, loader=SourceFileLoader(name, path))
    mod = module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _load_tracer():
    """tracer.py imports its tracer_*.py modules relatively: load it as
    `_coro_tutor.tracer`, `_coro_tutor` being a package whose path is this folder (its
    __init__.py, the parent's runner API, never runs here)."""
    pkg = type(sys)("_coro_tutor")
    pkg.__path__ = [_HERE]
    sys.modules["_coro_tutor"] = pkg
    tracer = _load("_coro_tutor.tracer", "tracer.py")
    sys.modules["_coro_tutor_tracer"] = tracer  # guard.py looks it up by this name
    return tracer


def _wait_go(fd):
    """Block until the parent says GO: the program's path, or b"" (abort)."""
    data = b""
    while True:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    os.close(fd)
    return data[:-1] if data.endswith(b"\n") else data


def _refuse(why):
    """The child cannot set up the program's world: say why and exit 126 (the parent
    reports a sandbox failure), never running the program."""
    sys.__stderr__.write("coro-tutor-init: %s\n" % why)
    sys.__stderr__.flush()
    os._exit(126)


def _walls(spec):
    """The kernel walls (walls.py); the program never runs without them."""
    walls = _load("_coro_tutor_walls", "walls.py")
    try:
        walls.apply(spec)
    except OSError as e:
        _refuse("the sandbox's walls could not be put up (%s)" % e)


def _unpack(inbox):
    """Copy the program's files from the read-only inbox into the scratch tmpfs (cwd)."""
    with os.scandir(inbox) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                with open(entry.path, "rb") as src, open(entry.name, "xb") as dst:
                    dst.write(src.read())


def main(t_start):
    """The child's whole life; `t_start`: when the bootstrap started (perf_counter)."""
    env = os.environ
    go = env.pop("CORO_TUTOR_GO_FD", None)
    if go is None and len(sys.argv) < 2:
        sys.__stderr__.write("usage: bootstrap.py PROGRAM [ARGS...]\n")
        return 2
    cwd = env.pop("CORO_TUTOR_CWD", None)
    if cwd is not None:
        try:
            os.chdir(cwd)
        except OSError as e:
            _refuse("no scratch folder (%s)" % e)
    spec = env.pop("CORO_TUTOR_WALLS", None)
    if spec is not None:
        _walls(spec)
    inbox = env.pop("CORO_TUTOR_INBOX", None)
    limits = env.pop("CORO_TUTOR_RLIMITS", None)
    guard_on = env.pop("CORO_TUTOR_GUARD", None) == "1"
    guard = None
    if limits or guard_on:
        guard = _load("_coro_tutor_guard", "guard.py")
        if guard is not None and limits:
            guard.apply_limits(limits)

    tracer = _load_tracer()
    t0 = t_start
    if go is not None:
        path = _wait_go(int(go))
        if not path:
            return 0  # the spare was discarded
        t0 = perf_counter()
        sys.argv[1:1] = [os.fsdecode(path)]
    if inbox:
        _unpack(inbox)
    program = os.path.abspath(sys.argv[1])
    try:
        with open(program, "rb") as f:
            source = f.read()
    except OSError as e:
        sys.__stderr__.write("python: can't open file %r: %s\n" % (program, e))
        return 2
    tracer.setup(program, source, t0)
    tracer.OWN_FILES.add(__file__)  # main() and exec() below: never in the learner's traceback

    # The program's own view of the world.
    progdir = os.path.dirname(program)
    sys.argv = [program] + sys.argv[2:]
    sys.path.insert(0, progdir)
    sys.path.append(os.path.join(_HERE, "fixtures"))
    main_mod = type(sys)("__main__")
    g = main_mod.__dict__
    g["__file__"] = program
    g["__builtins__"] = builtins  # the module, as in a script's __main__
    g["__cached__"] = None
    g["__spec__"] = None
    g["__package__"] = None
    from _frozen_importlib_external import SourceFileLoader

    g["__loader__"] = SourceFileLoader("__main__", program)
    keep = sys.modules["__main__"]  # noqa: F841 - our globals stay alive
    sys.modules["__main__"] = main_mod

    try:
        # Tracebacks name the file as the learner knows it, not the run's scratch path
        # (linecache still finds it: the program's folder is sys.path[0]).
        code = compile(source, os.path.basename(program), "exec", dont_inherit=True)
        if guard is not None and guard_on:
            guard.install(scratch_dir=os.getcwd())
        exec(code, g)
    except SystemExit:
        raise
    except BaseException as e:
        tracer.report_exception(e)
        return 130 if isinstance(e, KeyboardInterrupt) else 1
    return 0
