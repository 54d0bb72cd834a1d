"""An exercise step's keys on the lesson screen: check the code, the hint, the solution.

The exercise panel (tutor.app.exercise_panel) grades and shows; these only find it on the
current step and hand it the editor's code, so the screen's bindings stay one line each.
"""

from __future__ import annotations

from textual.actions import SkipAction

from tutor.lesson import ExerciseStep

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.app.exercise_panel import ExercisePanel
    from tutor.app.lesson_screen import LessonScreen


def _panel(screen: LessonScreen) -> ExercisePanel:
    panel = screen.step_pane.exercise_panel
    if panel is None:
        raise SkipAction()  # not an exercise step: the key does something else, or nothing
    return panel


def check(screen: LessonScreen) -> None:
    """Run the editor's code against the exercise's checks (F4)."""
    _panel(screen).check(screen.editor.text)


def toggle_hint(screen: LessonScreen) -> None:
    _panel(screen).toggle_hint()


def show_solution(screen: LessonScreen) -> None:
    step = screen.step
    if not isinstance(step, ExerciseStep):
        raise SkipAction()
    from tutor.app.exercise_panel import SolutionScreen

    app = screen.app
    app.push_screen(SolutionScreen(step, app.lang, app.current_theme.dark))
