"""`coro-tutor run --watch FILE`: run the program, then again each time the file is saved
(rustlings-style), a line between runs; ctrl+c ends it. watchfiles is imported only here,
so a plain `coro-tutor run` starts as fast as before."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from tutor.strings import tr


def watch(args: Any, run: Callable[[Any], int]) -> int:
    """Run `args` with `run(args)` now and after every save of args.file; ctrl+c ends."""
    from watchfiles import watch as changes

    lang = args.lang or "en"
    path = os.path.abspath(args.file)
    rule = "─" * 8
    try:
        while True:
            rc = run(args)
            _say(f"{rule} {tr('watch.waiting', lang, file=args.file, code=rc)} {rule}")
            # the folder, not the file: editors that save by renaming a new file over it
            for _changes in changes(
                os.path.dirname(path) or ".",
                watch_filter=lambda _change, changed: changed == path,
                recursive=False,
            ):
                if os.path.isfile(path):
                    break
            _say(f"{rule} {tr('watch.again', lang, file=args.file)} {rule}")
    except KeyboardInterrupt:
        _say(tr("watch.ended", lang))
        return 0


def _say(line: str) -> None:
    sys.stdout.flush()
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
