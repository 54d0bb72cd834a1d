"""Every problem of a lesson file that does not fit the format, in plain words at its line.

msgspec stops at the first problem; an author fixing a file wants them all. The file is
checked piece by piece (each top-level key, then each step, beside a baseline that is
valid), and msgspec's messages are rephrased ("`code` should be text, not a whole number").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec

from tutor.lesson import (
    LANGUAGES,
    LOADER_FIELDS,
    Checkpoint,
    ExerciseStep,
    Lesson,
    Limits,
    QuizStep,
    ReadStep,
    RunStep,
    Text,
)
from tutor.lesson_checks import Check, Concurrency, Range
from tutor.lesson_yaml import Located

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.lesson_yaml import Loc

Data = dict[str, Any]
"""A lesson file's plain data, as YAML gave it: any shape at all."""

_MSGSPEC_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_PATH_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")
_TYPE_WORDS = {
    "str": "text",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "array": "a list",
    "object": "a mapping of keys to values",
    "null": "empty",
}


def _parse_loc(path: str) -> Loc:
    return tuple(name if name else int(index) for name, index in _PATH_PART.findall(path or ""))


def _plain_words(what: str, loc: Loc, data: Data) -> tuple[str, str | None]:
    """Rephrase a msgspec validation message; also return the key it is about, if any."""
    field_name = loc[-1] if loc and isinstance(loc[-1], str) else None
    if m := re.match(r"Object contains unknown field `(.+)`", what):
        return f"unknown key `{m[1]}`{_allowed_keys(loc, data)}", m[1]
    if m := re.match(r"Object missing required field `(.+)`", what):
        if m[1] in LANGUAGES:
            return f"missing the `{m[1]}` text (every text needs both en and zh)", None
        if m[1] == "code" and loc and loc[-1] is not None:
            return "missing `code`: every run step and quiz needs a program", None
        return f"missing required key `{m[1]}`", None
    if m := re.match(r"Expected `(.+?)`, got `(.+?)`", what):
        want = " or ".join(_TYPE_WORDS.get(t.strip(), t.strip()) for t in m[1].split("|"))
        got = _TYPE_WORDS.get(m[2], m[2])
        subject = f"`{field_name}`" if field_name else "this value"
        return f"{subject} should be {want}, not {got}", None
    if "of length >= 1" in what:
        if field_name == "steps":
            return "`steps` is empty: a lesson needs at least one step", None
        return f"`{field_name or 'this value'}` is empty", None
    if m := re.search(r"of length >= (\d+)", what):
        return f"`{field_name or 'this list'}` needs at least {m[1]} items", None
    if m := re.match(r"Invalid (?:enum )?value (.+)", what):
        if field_name == "kind":
            return f"unknown step kind {m[1]} (expected read, run, quiz or exercise)", None
        if field_name == "quiz":
            return (
                f"unknown quiz kind {m[1]} "
                "(expected predict_order, next_switch or multiple_choice)",
                None,
            )
        return f"`{field_name}` cannot be {m[1]}", None
    if "matching regex" in what and loc and loc[0] == "requires":
        value = data["requires"][loc[1]] if len(loc) > 1 else None
        return (
            f"unknown requirement {value!r} (expected greenlet, gevent or python>=3.N)",
            None,
        )
    if "matching regex" in what and field_name == "id":
        return "`id` must be lowercase letters, digits and dashes (like `yield-from`)", None
    return what[0].lower() + what[1:] if what else "invalid value", None


def _allowed_keys(loc: Loc, data: Data) -> str:
    struct = _struct_at(loc, data)
    if struct is None:
        return ""
    names = [f for f in struct.__struct_fields__ if f not in LOADER_FIELDS]
    return " (allowed here: " + ", ".join(names) + ")"


_STEP_KINDS: dict[str, type[msgspec.Struct]] = {
    "read": ReadStep,
    "run": RunStep,
    "quiz": QuizStep,
    "exercise": ExerciseStep,
}
_FIELD_STRUCTS: dict[tuple[type, str], type[msgspec.Struct]] = {
    (Lesson, "title"): Text,
    (Lesson, "summary"): Text,
    (Lesson, "topic"): Text,
    (Lesson, "limits"): Limits,
    (ReadStep, "text"): Text,
    (RunStep, "title"): Text,
    (RunStep, "text"): Text,
    (RunStep, "watch"): Text,
    (QuizStep, "question"): Text,
    (QuizStep, "hint"): Text,
    (QuizStep, "explanation"): Text,
    (ExerciseStep, "title"): Text,
    (ExerciseStep, "text"): Text,
    (ExerciseStep, "hint"): Text,
    (Check, "switches"): Range,
    (Check, "concurrency"): Concurrency,
}
_LIST_STRUCTS: dict[tuple[type, str], type[msgspec.Struct]] = {
    (QuizStep, "checkpoints"): Checkpoint,
    (ExerciseStep, "checks"): Check,
}


def _at(data: object, part: str | int) -> object:
    """data[part] in a mapping or a list (msgspec's paths exist), else None."""
    if isinstance(data, dict):
        return data[part]
    if isinstance(data, list) and isinstance(part, int):
        return data[part]
    return None


def _struct_at(loc: Loc, data: object) -> type[msgspec.Struct] | None:
    """The struct that the mapping at `loc` is read as, when it can be known."""
    current: type[msgspec.Struct] | None = Lesson
    for index, part in enumerate(loc):
        data = _at(data, part)
        if isinstance(part, int):
            continue  # the list's item type was chosen at the list's key
        if current is Lesson and part == "steps":
            kind: object = None
            if len(loc) > index + 1:
                step = _at(data, loc[index + 1])
                kind = step.get("kind") if isinstance(step, dict) else None
            current = _STEP_KINDS.get(kind) if isinstance(kind, str) else None
        elif current is not None:
            current = _FIELD_STRUCTS.get((current, part)) or _LIST_STRUCTS.get((current, part))
        else:
            return None
    return current


def _located(
    exc: msgspec.ValidationError,
    data: Data,
    where: Located,
    remap: Callable[[Loc], Loc] | None = None,
) -> tuple[int, str]:
    """(line, message) for one msgspec error; `remap` turns the piece's path into the file's."""
    m = _MSGSPEC_AT.match(str(exc))
    assert m is not None
    loc = _parse_loc(m["path"])
    if remap is not None:
        loc = remap(loc)
    message, key = _plain_words(m["what"], loc, data)
    return where.line(loc, key), message


_WORD = {"en": "x", "zh": "x"}
_BASELINE = {"id": "x", "title": _WORD, "summary": _WORD, "topic": _WORD}
_BASE_STEP = {"kind": "read", "text": _WORD}


def _problem(piece: Data) -> msgspec.ValidationError | None:
    try:
        msgspec.convert(piece, Lesson)
    except msgspec.ValidationError as exc:
        return exc
    return None


def every_error(data: Data, where: Located) -> list[tuple[int, str]]:
    """Every problem found in a lesson's data, as (line, message), in line order."""
    found = [
        (where.line((), name), f"unknown key `{name}`{_allowed_keys((), data)}")
        for name in sorted(LOADER_FIELDS & data.keys())
    ]
    baseline = {**_BASELINE, "steps": [_BASE_STEP]}
    if _problem(baseline) is None:  # the format grew a required key: one error at a time
        for field in msgspec.structs.fields(Lesson):
            if field.required and field.name not in data:
                exc = _problem({k: v for k, v in baseline.items() if k != field.name})
                if exc is not None:
                    found.append(_located(exc, data, where))
        for key, value in data.items():
            if key in LOADER_FIELDS:
                continue
            if key == "steps" and isinstance(value, list) and value:
                for index, step in enumerate(value):
                    exc = _problem({**baseline, "steps": [step]})
                    if exc is not None:
                        found.append(_located(exc, data, where, _step_remap(index)))
            elif (exc := _problem({**baseline, key: value})) is not None:
                found.append(_located(exc, data, where))
    if not found:  # a problem only the whole file shows (or no baseline)
        exc = _problem(data)
        if exc is not None:
            found.append(_located(exc, data, where))
    return sorted(dict.fromkeys(found), key=lambda problem: problem[0])  # stable


def _step_remap(index: int) -> Callable[[Loc], Loc]:
    def remap(loc: Loc) -> Loc:
        return ("steps", index, *loc[2:]) if loc[:2] == ("steps", 0) else loc

    return remap
