"""First code in the child: limits, tracer, then the learner's program as __main__.

Launched by the parent as

    <sandbox prefix> python -I /abs/path/tutor/runner/child/bootstrap.py PROGRAM [ARGS...]

with cwd = a scratch dir (or CORO_TUTOR_CWD, the basic tier: the bootstrap goes there
first) and CORO_TUTOR_EVENT_FD (wire events), CORO_TUTOR_CAP,
CORO_TUTOR_RLIMITS, CORO_TUTOR_WALLS (walls.py: fds, Landlock, seccomp, read-only root, put
up first of all) and CORO_TUTOR_GUARD in the environment (see tracer_wire.py for the
wire format). With CORO_TUTOR_INBOX (the namespace tiers) the scratch dir is a fresh tmpfs
and the program's files are copied into it from that read-only folder.
A spare (pre-started) child is launched without PROGRAM and with
CORO_TUTOR_GO_FD=<fd>: it does its whole start-up (limits, tracer import), then reads that
fd to EOF. The bytes are the program's absolute path (one line: "GO"); nothing at all means
"abort" and the child exits 0 without a word. Its clock (event `t`) starts at GO.

Kept tiny: a script is compiled on every start (~0.7 ms for the bootstrap's own code),
modules load from their .pyc, so the work lives in bootstrap_main.py, tracer.py and its
tracer_*.py modules, loaded by file path (tutor/runner is never put on sys.path, and the
`tutor` package is never imported).

Exit status: 0, 1 after an uncaught exception (traceback on the program's stderr),
130 after KeyboardInterrupt (traceback shown), SystemExit codes as Python does.
"""

from time import perf_counter

_T0 = perf_counter()

import os  # noqa: E402
import sys  # noqa: E402


def _load_main():
    """bootstrap_main.py, imported by file path (from its cached .pyc; sys.path untouched)."""
    from _frozen_importlib import module_from_spec
    from _frozen_importlib_external import SourceFileLoader, spec_from_file_location

    name = "_coro_tutor_bootstrap"
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bootstrap_main.py")
    spec = spec_from_file_location(name, path, loader=SourceFileLoader(name, path))
    mod = module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


if __name__ == "__main__":
    sys.exit(_load_main().main(_T0))
