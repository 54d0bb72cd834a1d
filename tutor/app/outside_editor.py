"""The learner's own editor ($VISUAL, else $EDITOR) for a step's code.

The app hands the terminal over with `App.suspend()` while the editor runs on a temporary
copy of the code, then takes back whatever was saved. No widgets here: the screen decides
what to do with the result.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from tutor.strings import tr

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from textual.app import App


def editor_command(environ: Mapping[str, str] | None = None) -> list[str] | None:
    """The editor command from VISUAL, else EDITOR (split like a shell would), or None."""
    environ = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = environ.get(name, "").strip()
        if not value:
            continue
        try:
            parts = shlex.split(value)
        except ValueError:
            continue
        if parts:
            return parts
    return None


def edit_code(app: App[Any], code: str, file_name: str, lang: str) -> tuple[str | None, str | None]:
    """Open `code` in the learner's editor; return (the saved code, None) or (None, the
    sentence saying why not)."""
    from textual.app import SuspendNotSupported

    command = editor_command()
    if command is None:
        return None, tr("editor.unset", lang)
    shown = shlex.join(command)
    with tempfile.TemporaryDirectory(prefix="coro-tutor-edit-") as folder:
        path = Path(folder) / file_name
        path.write_text(code, encoding="utf-8")
        try:
            with app.suspend():
                returncode = subprocess.run([*command, str(path)]).returncode
        except SuspendNotSupported:
            return None, tr("editor.no_suspend", lang)
        except OSError as error:  # not found, not executable
            return None, tr("editor.not_found", lang, command=shown, error=error.strerror)
        if returncode != 0:
            return None, tr("editor.failed", lang, command=shown, code=returncode)
        try:
            return path.read_text(encoding="utf-8"), None
        except (OSError, UnicodeDecodeError) as error:
            return None, tr("editor.unreadable", lang, error=error)
