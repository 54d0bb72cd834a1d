"""The lesson screen's one-line step title: where the learner is and what kind of step it is.

`Step 3 of 7 · Program · its title`, then `✓ solved` for a solved exercise and `edited`
when the code is not the lesson's, so a learner sees at a glance that F6 has work to undo.
Built as rich Text (lesson titles never go through markup).
"""

from __future__ import annotations

from rich.text import Text

from tutor.app.i18n import tr
from tutor.app.step_pane import PROGRAM_STEPS
from tutor.lesson import ExerciseStep, QuizStep, ReadStep, RunStep

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.lesson import Lesson

KIND_KEYS: dict[type, str] = {
    ReadStep: "lesson.read",
    RunStep: "lesson.program",
    ExerciseStep: "lesson.exercise",
}
"""String keys of each step kind's name (a quiz otherwise)."""
KIND_CLASSES: dict[str, type | tuple[type, ...]] = {
    "-read": ReadStep,
    "-run": PROGRAM_STEPS,
    "-exercise": ExerciseStep,
    "-quiz": QuizStep,
}
"""The screen's class for each step kind: tutor.tcss shows each kind's panes by them."""


def step_title(lesson: Lesson, index: int, lang: str, *, solved: bool, edited: bool) -> Text:
    step = lesson.steps[index]
    title = Text()
    title.append(tr("lesson.step", lang, i=index + 1, n=len(lesson.steps)), "bold")
    title.append("  ·  " + tr(KIND_KEYS.get(type(step), "lesson.quiz"), lang))
    if isinstance(step, PROGRAM_STEPS) and step.title is not None:
        title.append("  ·  " + step.title(lang))
    if solved:
        title.append("  ·  ✓ " + tr("lesson.solved", lang), "bold")
    if edited:
        title.append("  ·  " + tr("lesson.edited", lang), "italic")
    return title
