"""Which line of a quiz's code printed a checkpoint's output: the line a next_switch quiz
is paused after, marked in the code it shows.

Output events do not carry their source line, so the `print(...)` calls of the code are
read with `ast` and matched against the printed text (string parts literally, anything
computed as a wildcard). When several prints match, the n-th matching output is taken
to come from the n-th of them only if they are all plain module-level statements (run
once, in order); otherwise the line is unknown (None) rather than guessed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from tutor.runner.events import Event, Stdout

_ANY = ".*"


def _part(node: ast.expr) -> str:
    """A regex for what one expression prints."""
    if isinstance(node, ast.Constant):
        return re.escape(str(node.value))
    if isinstance(node, ast.JoinedStr):
        return "".join(
            re.escape(str(v.value)) if isinstance(v, ast.Constant) else _ANY for v in node.values
        )
    return _ANY


def _pattern(call: ast.Call) -> re.Pattern[str] | None:
    if any(isinstance(a, ast.Starred) for a in call.args):
        return None
    sep = " "
    for keyword in call.keywords:
        if keyword.arg == "sep":
            value = keyword.value
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                return None
            sep = value.value
    return re.compile(re.escape(sep).join(_part(a) for a in call.args), re.DOTALL)


def print_calls(code: str) -> list[tuple[int, re.Pattern[str], bool]]:
    """(line, pattern of what it prints, whether it is a plain module-level statement)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    found = []
    for statement in tree.body:
        plain = isinstance(statement, (ast.Expr, ast.Assign))
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "print"
                and (pattern := _pattern(node)) is not None
            ):
                found.append((node.lineno, pattern, plain))
    return sorted(found, key=lambda item: item[0])


def printing_line(code: str, events: Sequence[Event], index: int) -> int | None:
    """The 1-based line of `code` whose print wrote the stdout event `index` (None: unsure)."""
    event = events[index]
    if not isinstance(event, Stdout):
        return None
    calls = print_calls(code)
    matching = [c for c in calls if c[1].fullmatch(event.line)]
    if len(matching) == 1:
        return matching[0][0]
    if not matching or not all(plain for _, _, plain in matching):
        return None
    earlier = sum(
        1
        for e in events[:index]
        if isinstance(e, Stdout) and any(p.fullmatch(e.line) for _, p, _ in matching)
    )
    return matching[earlier][0] if earlier < len(matching) else None
