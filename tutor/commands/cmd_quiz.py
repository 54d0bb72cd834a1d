"""Answer a lesson's quizzes in the plain terminal (or from a file, with --answers).

Every key comes from a real run of the quiz's program. Interactively: type the line
numbers in the order you think they are printed (e.g. `3 1 2`), a runner's number, or an
option's number; `?` shows the hint, `r` reveals the key, an empty line skips.

With --answers FILE (YAML or JSON), the answers come from the file and the grading is
printed as JSON. The file is either a list (one answer per quiz, in order; null skips)
or a mapping from step number (as shown, 1-based) to answer. An answer is a list of lines
or of their numbers (predict_order), a runner or a list of runners, one per pause
(next_switch), or an option's text or number (multiple_choice).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tutor.commands.common import course_from, print_json, python_refusal
from tutor.glyphs import PAUSED
from tutor.lesson import Lesson, QuizStep, load_lesson
from tutor.strings import LANGUAGES, tr

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.progress import Progress
    from tutor.quiz import Grade, Quiz

    Reader = Callable[[Quiz, dict[str, str]], object]
    """Reads one reply: None at end of input, "", "?" or "r", or an answer."""


def _quiz_step(lesson: Lesson, index: int) -> QuizStep:
    step = lesson.steps[index]
    if not isinstance(step, QuizStep):
        raise TypeError(f"step {index + 1} of {lesson.id} is not a quiz")
    return step


def ui(lang: str) -> dict[str, str]:
    """This command's sentences (the catalog's `quizcli.*` keys), English where missing."""
    from tutor.strings import catalog

    table = {}
    for source in (catalog("en"), catalog(lang)):
        table.update(
            {k[len("quizcli.") :]: v for k, v in source.items() if k.startswith("quizcli.")}
        )
    return table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "lesson", metavar="LESSON", help="a lesson id, its number in `list`, or a file"
    )
    parser.add_argument(
        "--answers",
        metavar="FILE",
        help="answer from a YAML or JSON file; print the grading as JSON",
    )


def find_lesson(name: str, args: argparse.Namespace) -> tuple[Lesson | None, str | None]:
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.exists():
        lesson, errors = load_lesson(path)
        return lesson, "\n".join(map(str, errors)) or None
    course = course_from(args)
    lesson = course.get(name)
    if lesson is None and name.isdigit() and 1 <= int(name) <= len(course.lessons):
        lesson = course.lessons[int(name) - 1]
    if lesson is None:
        known = ", ".join(lesson.id for lesson in course.lessons[:30])
        return None, f"No lesson {name!r}. Lessons: {known}"
    return lesson, None


def run(args: argparse.Namespace) -> int:
    from tutor.progress import load_progress

    lesson, error = find_lesson(args.lesson, args)
    if lesson is None:
        print(error, file=sys.stderr)
        return 1
    progress, warning = load_progress()
    if warning:
        print(warning, file=sys.stderr)
    lang = args.lang or progress.get_setting("lang") or "en"
    if lang not in LANGUAGES:
        lang = "en"
    refused = python_refusal(lesson, lang)
    if refused:
        print(refused, file=sys.stderr)
        return 1
    if args.answers:
        return answer_from_file(lesson, Path(args.answers), lang, progress)
    return interactive(lesson, lang, progress)


# --- from a file --------------------------------------------------------------------


def read_answers(path: Path, quiz_steps: list[int]) -> dict[int, Any]:
    """Step index -> answer, from a list (in quiz order) or a {step number: answer} mapping."""
    import yaml

    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if isinstance(data, list):
        if len(data) > len(quiz_steps):
            raise ValueError(f"{len(data)} answers for {len(quiz_steps)} quizzes")
        return {index: answer for index, answer in zip(quiz_steps, data, strict=False)}
    if isinstance(data, dict):
        answers = {}
        for key, answer in data.items():
            if not str(key).strip().isdigit() or int(key) - 1 not in quiz_steps:
                shown = ", ".join(str(i + 1) for i in quiz_steps)
                raise ValueError(
                    f"{key!r} is not a quiz step number (the quizzes are steps {shown})"
                )
            answers[int(key) - 1] = answer
        return answers
    raise ValueError("the answers file must hold a list or a mapping of step number to answer")


def answer_from_file(lesson: Lesson, path: Path, lang: str, progress: Progress) -> int:
    from tutor.quiz import AnswerError, QuizKeyError, load_quiz, quiz_steps

    steps = quiz_steps(lesson)
    try:
        answers = read_answers(path, steps)
    except (OSError, ValueError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # yaml errors
        print(f"{path}: not valid YAML or JSON: {exc}", file=sys.stderr)
        return 1
    results = []
    right = graded = 0
    failed = False
    for index in steps:
        entry: dict[str, Any] = {
            "step": index + 1,
            "step_index": index,
            "kind": _quiz_step(lesson, index).quiz,
        }
        if answers.get(index) is None:
            entry["skipped"] = True
            results.append(entry)
            continue
        try:
            quiz = load_quiz(lesson, index)
            grade = quiz.grade(answers[index], lang)
        except QuizKeyError as exc:
            entry["error"] = f"no key: {exc}"
            failed = True
        except AnswerError as exc:
            entry["error"] = f"bad answer: {exc}"
        else:
            entry.update(grade.to_dict())
            entry["items"] = quiz.items
            if quiz.kind == "next_switch":
                entry["paused_lines"] = quiz.paused_lines
            graded += 1
            right += grade.correct
            progress.record_answer(lesson.id, index, grade.correct, grade.answer)
            progress.save()
        results.append(entry)
    if progress.problem:
        print(progress.problem, file=sys.stderr)
    out = {
        "lesson": lesson.id,
        "lang": lang,
        "right": right,
        "graded": graded,
        "quizzes": len(steps),
        "results": results,
    }
    print_json(out)
    return 1 if failed else 0


# --- interactive --------------------------------------------------------------------


def _ask(prompt: str) -> str | None:
    try:
        reply = input(prompt)
    except EOFError:
        print()
        return None
    if not sys.stdin.isatty():
        print(reply)  # echo scripted answers, so the transcript reads like a session
    return reply


def _print_code(code: str, paused: int | None = None) -> None:
    for number, line in enumerate(code.rstrip("\n").split("\n"), 1):
        mark = PAUSED if number == paused else " "
        print(f"{mark} {number:3} | {line}")


def _side_by_side(
    left: list[str] | str, right: list[str] | str, ok: list[bool], t: dict[str, str]
) -> None:
    width = max([len(t["yours"])] + [len(x) for x in left]) + 2
    print(f"      {t['yours']:<{width}}   {t['real']}")
    for i, (a, b) in enumerate(zip(left, right, strict=False)):
        print(f"  {i + 1:2}. {a:<{width}} {'  ' if ok[i] else '✗ '} {b}")


def _print_trace(quiz: Quiz, t: dict[str, str]) -> None:
    print(t["trace"])
    for row in quiz.trace():
        mark = f"   <- {t['mark'].format(n=row.mark.rsplit(' ', 1)[-1])}" if row.mark else ""
        if row.answer:
            mark += f"   <- {t['answer_mark'].format(n=row.answer.rsplit(' ', 1)[-1])}"
        if row.kind == "switch":
            print(f"      ~ switch {row.runner} ({row.text}){mark}")
        elif row.kind == "exit":
            if row.text and row.text != "ok":
                print(f"      [{row.text}]")
        else:
            err = " (stderr)" if row.kind == "stderr" else ""
            print(f"  {row.runner:>12}{err} | {row.text}{mark}")


def _show_result(quiz: Quiz, grade: Grade, t: dict[str, str]) -> None:
    if grade.revealed:
        print(t["revealed"])
    else:
        print(t["right"] if grade.correct else t["wrong"])
    if quiz.kind == "predict_order":
        if not grade.correct and not grade.revealed:
            assert grade.first_difference is not None  # a wrong order differs somewhere
            print(t["first_diff"].format(pos=grade.first_difference + 1))
        _side_by_side(grade.answer, grade.key, grade.right, t)
        _print_trace(quiz, t)
    elif quiz.kind == "next_switch":
        if not grade.revealed:
            for n, (mine, key) in enumerate(zip(grade.answer, grade.key, strict=False)):
                word = "pause_right" if mine == key else "pause_wrong"
                print(f"{n + 1}." + t[word].format(runner=key, answer=mine))
        else:
            for n, key in enumerate(grade.key):
                print(f"{n + 1}. {key}")
        _print_trace(quiz, t)
    else:
        print(f"  {grade.key}")
    print(t["why"], grade.explanation.strip())


def _read_order(quiz: Quiz, t: dict[str, str]) -> object:
    while True:
        reply = _ask(t["order_prompt"])
        if reply is None:
            return None
        reply = reply.strip()
        if reply in ("", "?", "r"):
            return reply
        parts = reply.replace(",", " ").split()
        if all(p.isdigit() for p in parts):
            try:
                return quiz.normalize([int(p) for p in parts])
            except ValueError as exc:
                print(t["bad"].format(error=exc))
        else:
            print(t["bad"].format(error=f"{reply!r} is not a list of numbers"))


def _read_pick(quiz: Quiz, t: dict[str, str]) -> object:
    while True:
        reply = _ask(t["pick_prompt"])
        if reply is None:
            return None
        reply = reply.strip()
        if reply in ("", "?", "r"):
            return reply
        try:
            return quiz.pick(reply)
        except ValueError as exc:
            print(t["bad"].format(error=exc))


def _ask_one(quiz: Quiz, lang: str, t: dict[str, str]) -> Grade | str:
    """One attempt. Returns the grade, "skip", "eof", or None after a reveal handled inside."""
    step = quiz.step
    if quiz.kind == "next_switch":
        answers = []
        total = len(quiz.key)
        for n in range(total):
            where = quiz.paused_lines[n]
            if n and where:  # the whole program was printed with the question
                print(f"{PAUSED} {where:3} | {step.code.split(chr(10))[where - 1]}")
            print(t["printed"])
            for runner, text in quiz.context_lines(n):
                print(f"  {runner:>12} | {text}")
            assert step.checkpoints is not None  # a next_switch quiz has them
            line = step.checkpoints[n].after
            key = "paused" if where else "paused_somewhere"
            print(t[key].format(line=line, where=where, n=n + 1, total=total))
            print(tr("quiz.rule", lang))
            for i, name in enumerate(quiz.items, 1):
                print(f"  {i}. {name}")
            status, reply = _reply(quiz, lang, t, _read_pick)
            if status != "answer":
                done: Grade | str = reply  # "eof", "skip" or the reveal's grade
                return done
            answers.append(reply)
            if reply == quiz.key[n]:
                print(t["pause_right"].format(runner=quiz.key[n]))
            else:
                print(t["pause_wrong"].format(runner=quiz.key[n], answer=reply))
        return quiz.grade(answers, lang)
    if quiz.kind == "predict_order":
        print(t["lines"])
    for i, item in enumerate(quiz.items, 1):
        print(f"  {i}. {item}")
    status, reply = _reply(
        quiz, lang, t, _read_order if quiz.kind == "predict_order" else _read_pick
    )
    return quiz.grade(reply, lang) if status == "answer" else reply


def _reply(quiz: Quiz, lang: str, t: dict[str, str], read: Reader) -> tuple[str, Any]:
    """Read until an answer, showing hints on "?": ("answer", it), or ("done", what
    `_ask_one` returns: "eof", "skip" or the reveal's grade)."""
    while True:
        reply = read(quiz, t)
        if reply != "?":
            break
        print(t["hint"], quiz.step.hint(lang).strip())
    if reply is None:
        return "done", "eof"
    if reply == "":
        return "done", "skip"
    if reply == "r":
        return "done", quiz.reveal(lang)
    return "answer", reply


def interactive(lesson: Lesson, lang: str, progress: Progress) -> int:
    from tutor.quiz import QuizKeyError, load_quiz, quiz_steps

    t = ui(lang)
    steps = quiz_steps(lesson)
    if not steps:
        print(t["none"])
        return 0
    print(f"{lesson.title(lang)}\n")
    right = 0
    for n, index in enumerate(steps, 1):
        step = _quiz_step(lesson, index)
        print(t["quiz"].format(n=n, total=len(steps), step=index + 1, kind=t[step.quiz]))
        print(step.question(lang).strip())
        try:
            quiz = load_quiz(lesson, index)
        except QuizKeyError as exc:
            print(t["program"])
            _print_code(step.code)
            print(t["no_key"].format(error=exc))
            print()
            continue
        print(t["program"])
        _print_code(step.code, quiz.paused_lines[0] if quiz.paused_lines else None)
        attempt = 0
        while True:
            attempt += 1
            outcome = _ask_one(quiz, lang, t)
            if outcome == "eof":
                print(t["score"].format(right=right, total=len(steps)))
                return 0
            if isinstance(outcome, str):  # "skip"
                print(t["skipped"])
                break
            outcome.record_in(progress)
            if not outcome.revealed:
                right += outcome.correct and attempt == 1
            if not progress.save() and progress.problem:
                print(progress.problem, file=sys.stderr)
            _show_result(quiz, outcome, t)
            if outcome.correct or outcome.revealed:
                break
            reply = _ask(t["again"])
            if reply is None:
                return 0
            if reply.strip().lower() == "r":
                progress.record_reveal(lesson.id, index)
                progress.save()
                _show_result(quiz, quiz.reveal(lang), t)
                break
            if reply.strip().lower() != "t":
                break
        print()
    print(t["score"].format(right=right, total=len(steps)))
    return 0
