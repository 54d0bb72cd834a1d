"""A lesson: its text step by step, the editable program, Run/Stop/Reset, output and timeline.

Runs go through the runner's async API in one exclusive worker; every event is handed to
the output and timeline views, which coalesce their own repaints. The screen never parses
program output: it only reads events.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left, bisect_right

from rich.text import Text
from textual import events, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Button, Footer, Markdown, Static, TextArea
from textual.worker import Worker, WorkerState

from tutor.app.colors import RunnerColors
from tutor.app.course_screen import TitleBar, missing_sentence
from tutor.app.i18n import tr
from tutor.app.outcome_text import outcome_text
from tutor.app.output_view import STDERR, STDOUT, OutputView, TimelineView
from tutor.app.quiz_panel import QuizPanel
from tutor.lesson import Lesson, QuizStep, ReadStep, RunStep
from tutor.programs import program_request
from tutor.runner.events import Cap, Exit, Start, Stderr, Stdout, Switch

EDITOR_THEMES = {True: "vscode_dark", False: "github_light"}
FIRST_WAIT = 1 / 30
"""After Run, the buttons and the status line wait for the frame with the run's first line,
at most this long (a program that says nothing at first)."""
TIER_STYLE = {"bwrap": "bold green", "unshare": "bold yellow", "basic": "bold red"}


class LessonScreen(Screen):
    BINDINGS = [
        Binding("f5", "run", "Run", id="lesson.run", priority=True),
        Binding("ctrl+r", "run", "Run", show=False, priority=True),
        Binding("ctrl+c", "stop", "Stop", id="lesson.stop", priority=True),
        Binding("escape", "escape", "Lessons", id="lesson.back", priority=True),
        Binding("f6", "reset", "Reset code", id="lesson.reset", priority=True),
        Binding("f7", "prev", "Prev step", id="lesson.prev", priority=True),
        Binding("f8", "next", "Next step", id="lesson.next", priority=True),
        Binding("f9", "app.review", "Review", show=False, priority=True),
    ]
    LANG_KEYS = {
        "run": "key.run",
        "stop": "key.stop",
        "escape": "key.back",
        "reset": "key.reset",
        "prev": "key.prev",
        "next": "key.next",
        "app.review": "key.review",
    }

    running: var[bool] = var(False, init=False)

    def __init__(self, lesson: Lesson, step: int = 0) -> None:
        super().__init__()
        self.lesson = lesson
        self.step_index = max(0, min(step, len(lesson.steps) - 1))
        self.codes: dict[int, str] = {}
        """The learner's edits, by step index (kept while the screen lives)."""
        self.runner_colors = RunnerColors()
        self.run_count = 0
        self.tier: str | None = None
        self.outcome: Exit | None = None
        self.switch_total = 0
        self.cap_after: int | None = None
        self.switch_seqs: list[int] = []
        self._run = None
        self._handed = None
        """A run that action_run started on the spare and the run worker has not taken yet."""
        self._first_output = False
        """A run started and nothing of it (output or outcome) is in the output pane yet."""
        self._paint_now = False
        """The output pane holds a run's first line: paint it at once (see _on_idle)."""
        self._defer_ui = False
        """Buttons and status wait until the run's first line is painted (see action_run)."""
        self._spare = None
        """A pre-started child (tutor.runner.Spare) for the next Run, while a program step
        is shown and the real runner is used; discarded when the screen goes away."""
        self._spare_off = False
        self._gc_paused = False
        self._legend_size = -1
        self._status_timer = None
        self._bindings_timer = None
        self._static_keys: dict[str, tuple] = {}
        """What each status line (#status, #legend, #timeline-title) shows now."""

    # --- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="step-title")
        with Horizontal(id="lesson-body"):
            with Vertical(id="left"):
                with VerticalScroll(id="text-box"):
                    yield Markdown(id="text")
                yield Static(id="banner")
                yield VerticalScroll(id="quiz-host")
                yield TextArea.code_editor(
                    "",
                    language="python",
                    id="code",
                    theme=EDITOR_THEMES[self.app.current_theme.dark],
                )
                with Horizontal(id="buttons"):
                    yield Button("Run", id="run", variant="success", compact=True)
                    yield Button("Stop", id="stop", variant="error", compact=True, disabled=True)
                    yield Button("Reset", id="reset", compact=True)
                    yield Static(classes="spacer")
                    yield Button("Prev", id="prev", compact=True)
                    yield Button("Next", id="next", compact=True)
            with Vertical(id="right"):
                yield Static(id="status")
                yield Static(id="legend")
                yield OutputView(self.runner_colors, id="output")
                yield Static(id="timeline-title")
                yield TimelineView(self.runner_colors, id="timeline")
        yield Footer()

    def on_mount(self) -> None:
        self._output = self.query_one(OutputView)
        self._timeline = self.query_one(TimelineView)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.apply_lang(self.app.lang)
        self.show_step()
        self.update_status()
        self.update_legend(force=True)

    def on_unmount(self) -> None:
        self._spare_off = True
        self.discard_spare()
        handed, self._handed = self._handed, None
        if handed is not None:  # its worker was cancelled before it began: nobody streams it
            handed.kill()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Footer shows Run/Reset only on program steps, Stop only while running."""
        if action in ("run", "reset"):
            return isinstance(self.step, RunStep) and not (action == "run" and self.running)
        if action == "stop":
            return self.running
        if action == "prev":
            return self.step_index > 0 or None
        if action == "next":
            return self.step_index < len(self.lesson.steps) - 1 or None
        return True

    def _theme_changed(self, theme) -> None:
        self.runner_colors.dark = theme.dark
        self.query_one("#code", TextArea).theme = EDITOR_THEMES[theme.dark]
        self.update_legend(force=True)

    # --- steps ---------------------------------------------------------------------

    @property
    def step(self):
        return self.lesson.steps[self.step_index]

    @property
    def editor(self) -> TextArea:
        return self.query_one("#code", TextArea)

    def _remember_code(self) -> None:
        if isinstance(self.step, RunStep):
            self.codes[self.step_index] = self.editor.text

    def show_step(self) -> None:
        """Show the current step: its text, its program or quiz; remember the position."""
        step = self.step
        kind = (
            "read" if isinstance(step, ReadStep) else "run" if isinstance(step, RunStep) else "quiz"
        )
        self.set_class(kind == "read", "-read")
        self.set_class(kind == "run", "-run")
        self.set_class(kind == "quiz", "-quiz")
        self._show_title()
        self._show_text()
        if kind == "run":
            code = self.codes.get(self.step_index, step.code)
            editor = self.editor
            if editor.text != code:
                editor.load_text(code)
        self._show_banner()
        self._show_quiz()
        self.query_one("#prev", Button).disabled = self.step_index == 0
        self.query_one("#next", Button).disabled = self.step_index == len(self.lesson.steps) - 1
        self._update_buttons()
        if kind == "run":
            self.call_after_refresh(self.prepare_spare)
        else:
            self.discard_spare()
        progress = self.app.progress
        progress.set_position(self.lesson.id, self.step_index)
        if self.step_index == len(self.lesson.steps) - 1 and not any(
            isinstance(s, QuizStep) for s in self.lesson.steps
        ):
            progress.mark_complete(self.lesson.id)
        self.app.save_progress()

    def _show_banner(self) -> None:
        """A missing package (with the command that installs it), or a note on endless runs."""
        lang = self.app.lang
        step = self.step
        notes = Text()
        if isinstance(step, RunStep):
            missing = missing_sentence(self.lesson, lang)
            if missing:
                notes.append(missing, style="bold")
            elif step.runs_forever:
                notes.append(tr("lesson.runs_forever", lang), style="italic")
        banner = self.query_one("#banner", Static)
        banner.update(notes)
        banner.display = bool(notes)

    def _show_title(self) -> None:
        lang = self.app.lang
        step = self.step
        kind = (
            "lesson.read"
            if isinstance(step, ReadStep)
            else ("lesson.program" if isinstance(step, RunStep) else "lesson.quiz")
        )
        title = Text()
        title.append(
            tr("lesson.step", lang, i=self.step_index + 1, n=len(self.lesson.steps)), "bold"
        )
        title.append("  ·  " + tr(kind, lang))
        if isinstance(step, RunStep) and step.title is not None:
            title.append("  ·  " + step.title(lang))
        if isinstance(step, RunStep) and self.step_index in self.codes and self._edited():
            title.append("  ·  " + tr("lesson.edited", lang), "italic")
        self.query_one("#step-title", Static).update(title)
        self.title = self.lesson.title(lang)
        self.sub_title = self.lesson.topic(lang)

    def _show_text(self) -> None:
        step = self.step
        lang = self.app.lang
        markdown = ""
        if isinstance(step, ReadStep):
            markdown = step.text(lang)
        elif isinstance(step, RunStep) and step.text is not None:
            markdown = step.text(lang)
        self.query_one("#text-box").display = bool(markdown)
        self.query_one("#text", Markdown).update(markdown)

    def _show_quiz(self) -> None:
        host = self.query_one("#quiz-host", VerticalScroll)
        host.remove_children()
        step = self.step
        if not isinstance(step, QuizStep):
            return
        host.mount(QuizPanel(self.lesson, self.step_index, self.app.lang, self.app.progress))

    def on_quiz_panel_answered(self, message) -> None:
        self.app.save_progress()

    def _edited(self) -> bool:
        step = self.step
        return isinstance(step, RunStep) and self.editor.text != step.code

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if isinstance(self.step, RunStep):
            self.codes[self.step_index] = self.editor.text
            self._show_title()

    def go(self, delta: int) -> None:
        target = self.step_index + delta
        if not 0 <= target < len(self.lesson.steps):
            key = "lesson.last_step" if delta > 0 else "lesson.first_step"
            self.notify(tr(key, self.app.lang), timeout=2)
            return
        self._remember_code()
        if self.running:  # the program belongs to the step being left
            self.action_stop()
        self.step_index = target
        self.show_step()

    def action_next(self) -> None:
        self.go(1)

    def action_prev(self) -> None:
        self.go(-1)

    # --- language ------------------------------------------------------------------

    def apply_lang(self, lang: str) -> None:
        from tutor.app.main import translate_bindings

        translate_bindings(self, self.LANG_KEYS, lang)
        for button_id in ("run", "stop", "reset", "prev", "next"):
            button = self.query_one(f"#{button_id}", Button)
            button.label = tr(f"btn.{button_id}", lang)
            button.refresh(layout=True)
        if self.is_mounted:
            self._show_title()
            self._show_text()
            self._show_banner()  # a QuizPanel follows the language itself, keeping its state
            self.update_status()
            self.update_legend(force=True)

    # --- running -------------------------------------------------------------------

    def _update_buttons(self) -> None:
        if self._defer_ui:
            return
        runnable = isinstance(self.step, RunStep)
        self.query_one("#run", Button).disabled = self.running or not runnable
        self.query_one("#stop", Button).disabled = not self.running
        self.query_one("#reset", Button).disabled = not runnable

    def watch_running(self, running: bool) -> None:
        self._update_buttons()
        self.update_status()
        # Rebuilding the footer costs ~50 ms: not while the first output is on its way.
        # The keys work at once either way (check_action decides when a key is pressed);
        # a quick run changes the footer once, after it ended, or not at all.
        if self._bindings_timer is not None:
            self._bindings_timer.stop()
        self._bindings_timer = self.set_timer(0.2, self.refresh_bindings)
        if running:
            self._status_timer = self.set_interval(0.25, self.update_status)
        elif self._status_timer is not None:
            self._status_timer.stop()
            self._status_timer = None

    def action_run(self) -> None:
        lang = self.app.lang
        step = self.step
        if not isinstance(step, RunStep):
            self.notify(tr("lesson.no_program", lang), timeout=2)
            return
        if self.running:
            self.notify(tr("lesson.already_running", lang), timeout=2)
            return
        missing = missing_sentence(self.lesson, lang)
        if missing:
            self.notify(missing, severity="error", markup=False, timeout=10)
            return
        code = self.editor.text
        # GO first: the spare child runs the program while the panes are cleared and painted.
        self._handed = self._take_spare(code)
        # Then only what the first line needs. Run/Stop and the status line (restyling a
        # button is ~0.6 ms, and each would be repainted in the same frame) follow right
        # after the frame that shows the first line, or after FIRST_WAIT without one; the
        # keys work at once (check_action reads `running`).
        self._defer_ui = True
        self.set_timer(FIRST_WAIT, self._release_ui)
        self.run_count += 1
        output = self.query_one(OutputView)
        timeline = self.query_one(TimelineView)
        output.clear()
        timeline.clear()
        self.runner_colors.clear()
        self.runner_colors.index("main")
        self.switch_seqs = []
        self.switch_total = 0
        self.cap_after = None
        self.outcome = None
        self.tier = None
        output.notice(tr("lesson.run_header", lang, n=self.run_count))
        self.update_legend(force=True)
        self._first_output = True
        self.running = True
        self.run_program(code)

    def _request(self, code: str):
        return program_request(self.lesson, self.step_index, code)

    def _take_spare(self, code: str):
        """Hand the program to the spare child now, if one waits and fits (else None: the
        run worker spawns normally, and reports whatever fails there)."""
        spare, self._spare = self._spare, None
        if spare is None:
            return None
        try:
            return spare.take(self._request(code))  # used up either way
        except Exception:
            spare.close()
            return None

    @work(exclusive=True, group="run", exit_on_error=False)
    async def run_program(self, code: str) -> None:
        run, self._handed = self._handed, None
        if run is None:
            from tutor.runner import start_run

            request = self._request(code)
            if self.app.start_run is not None:  # tests inject a replayed run
                run = await self.app.start_run(request)
            else:
                spare, self._spare = self._spare, None
                run = await start_run(request, spare=spare)  # spare or not, it is used up
        self._run = run
        finished = False
        self.pause_gc(True)
        try:
            async for event in run.events():
                self.handle_event(event)
                if isinstance(event, Exit):
                    finished = True
        finally:
            self._run = None
            self.pause_gc(False)
            if not finished:
                await asyncio.shield(run.stop())
            self.prepare_spare()

    # --- the spare child ------------------------------------------------------------

    def _wants_spare(self) -> bool:
        return (
            not self._spare_off
            and self.app.start_run is None
            and self.is_attached
            and isinstance(self.step, RunStep)
        )

    def prepare_spare(self) -> None:
        """Start a child ahead of the next Run (in the background), unless one is ready."""
        if self._spare is None and self._wants_spare():
            self.run_worker(
                self._prepare_spare(), group="spare", exclusive=True, exit_on_error=False
            )

    async def _prepare_spare(self) -> None:
        from tutor.runner import RunRequest, Spare, prepare_run, resolve_tier

        request = RunRequest(code="", timeout=self.lesson.wall)
        await asyncio.to_thread(resolve_tier, request.isolation)  # a first probe: off the loop
        if self._spare is not None or not self._wants_spare():
            return
        spare = await prepare_run(request)  # no await inside: nothing cancels it half-way
        if self._spare is not None or not self._wants_spare():
            spare.close()
            return
        self._spare = spare
        self.set_timer(Spare.MAX_AGE, lambda: self._recycle_spare(spare))

    def _recycle_spare(self, spare) -> None:
        """A spare that waited too long is replaced (start_run would not use it anyway)."""
        if self._spare is spare:
            self.discard_spare()
            self.prepare_spare()

    def discard_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            spare.close()

    def pause_gc(self, pause: bool) -> None:
        """No cyclic garbage collection while a run streams output (as Textual itself does
        during smooth scrolling): a full collection can take tens of ms, a visible stall.
        Reference counting still frees everything that is not a cycle; the collector
        catches up when the run ends."""
        import gc

        if pause and not self._gc_paused:
            self._gc_paused = gc.isenabled()
            gc.disable()
        elif not pause and self._gc_paused:
            self._gc_paused = False
            gc.enable()

    def handle_event(self, event) -> None:
        """One event from the run: route it to the output, the timeline or the status."""
        cls = type(event)
        if cls is Stdout:
            self._output.add(event.seq, event.runner, STDOUT, event.text)
            self.runner_colors.index(event.runner)
            if self._first_output:
                self._show_first()
        elif cls is Stderr:
            self._output.add(event.seq, event.runner, STDERR, event.text)
            self.runner_colors.index(event.runner)
            if self._first_output:
                self._show_first()
        elif cls is Switch:
            self._timeline.add(event.seq, event.from_, event.to, event.via)
            self.switch_seqs.append(event.seq)
            self.switch_total += 1
        elif isinstance(event, Start):
            self.tier = event.isolation
            self.update_status()
        elif isinstance(event, Cap):
            self.cap_after = event.after
        elif isinstance(event, Exit):
            self.outcome = event
            self.switch_total = max(self.switch_total, event.switches)
            lang = self.app.lang
            message = outcome_text(event.message, lang) or tr(
                "lesson.exit_code", lang, code=event.returncode
            )
            self.query_one(OutputView).notice(message, error=event.reason != "ok", seq=event.seq)
            if event.dropped:
                self.query_one(OutputView).notice(
                    tr("lesson.dropped", lang, n=event.dropped), seq=event.seq
                )
            self._timeline.flush()
            if self._first_output:
                self._show_first()
            else:
                self._output.flush()  # the last lines paint with the outcome, in one frame
            self.running = False
        if len(self.runner_colors.order) != self._legend_size:
            self.update_legend()

    def _release_ui(self) -> None:
        """Bring the buttons and the status line up to date (see action_run)."""
        if self._defer_ui:
            self._defer_ui = False
            self._update_buttons()
            self.update_status()

    def _show_first(self) -> None:
        """A run's first line (output or outcome) goes into the pane now, not at the next
        flush, and its frame is painted as soon as the pane is marked dirty (_on_idle)."""
        self._first_output = False
        self._output.flush()
        self._paint_now = True

    async def _on_idle(self, event: events.Idle) -> None:
        """Paint the frame holding a run's first line at once. Textual paints at most 60
        frames a second, and after a quiet spell its next frame after the one that showed
        the cleared panes is 17-33 ms later: longer than `python hello.py` takes. Only this
        one frame skips the wait; the same update runs (layout if needed, then the dirty
        widgets), just sooner."""
        if (
            self._paint_now
            and self._output in self._dirty_widgets
            and not self.app._batch_count
            and self.is_current
        ):
            self._paint_now = False
            event.prevent_default()  # Screen._on_idle would only schedule this update
            self._on_timer_update()
            self._release_ui()  # for the next frame, at Textual's own pace

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place run failures end up: a sentence in the output, never a traceback."""
        if event.worker.group != "run":
            return
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            lang = self.app.lang
            if isinstance(error, ImportError):
                sentence = tr("lesson.runner_missing", lang, error=error)
            else:
                sentence = tr("lesson.run_failed", lang, error=f"{type(error).__name__}: {error}")
            self.query_one(OutputView).notice(sentence, error=True)
            self.notify(sentence, severity="error", markup=False)
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED, WorkerState.SUCCESS):
            self.running = False
            self._release_ui()
            self.update_status()

    def action_stop(self) -> None:
        if not self.running:
            raise SkipAction()
        self.notify(tr("lesson.stopping", self.app.lang), timeout=2)
        if self._run is not None:
            self.run_worker(self._run.stop(), group="stop", exit_on_error=False)
        else:
            self.workers.cancel_group(self, "run")

    def action_escape(self) -> None:
        if self.running:
            self.action_stop()
            return
        if isinstance(self.focused, TextArea):
            raise SkipAction()
        if isinstance(self.app.focused, TextArea):
            raise SkipAction()
        self.app.pop_screen()

    def action_reset(self) -> None:
        if not isinstance(self.step, RunStep):
            raise SkipAction()
        if not self._edited():
            self.notify(tr("lesson.reset_done", self.app.lang), timeout=2)
            return
        from tutor.app.dialogs import ConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.reset_code()

        self.app.push_screen(ConfirmScreen(tr("confirm.reset", self.app.lang)), confirmed)

    def reset_code(self) -> None:
        step = self.step
        if isinstance(step, RunStep):
            self.editor.load_text(step.code)
            self.codes.pop(self.step_index, None)
            self._show_title()
            self.notify(tr("lesson.reset_done", self.app.lang), timeout=2)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "run": self.action_run,
            "stop": self.action_stop,
            "reset": self.action_reset,
            "prev": self.action_prev,
            "next": self.action_next,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            try:
                action()
            except SkipAction:
                pass

    # --- status, legend, linking ---------------------------------------------------

    def update_status(self) -> None:
        if not self.is_mounted or self._defer_ui:
            return
        lang = self.app.lang
        status = Text()
        if self.tier:
            status.append(
                " " + tr(f"tier.{self.tier}", lang) + " ", TIER_STYLE.get(self.tier, "bold")
            )
            status.append("  ")
        if self.running:
            status.append(tr("lesson.running", lang), "italic")
        elif self.run_count == 0:
            status.append(tr("lesson.no_output", lang), "dim")
        self._update_static("#status", status)
        timeline_title = Text(tr("lesson.timeline", lang) + ": ", style="bold")
        shown = len(self.switch_seqs)
        total = max(self.switch_total, shown)
        if total == 0:
            timeline_title.append(tr("lesson.no_switches", lang), "dim")
        elif self.cap_after is not None and total > shown:
            timeline_title.append(tr("lesson.switch_cap", lang, n=total, shown=shown))
        else:
            timeline_title.append(tr("lesson.switch_count", lang, n=total))
        self._update_static("#timeline-title", timeline_title)

    def _update_static(self, selector: str, text: Text, layout: bool = False) -> None:
        """Show `text` in a Static unless it already shows just that: a repaint of a line
        that did not change is work in the frame that should show a run's first line."""
        key = (text.plain, tuple(text.spans), str(text.style))
        if self._static_keys.get(selector) == key:
            return
        self._static_keys[selector] = key
        self.query_one(selector, Static).update(text, layout=layout)

    def update_legend(self, force: bool = False) -> None:
        if not self.is_mounted:
            return
        runners = self.runner_colors.runners
        if not force and len(runners) == self._legend_size:
            return
        self._legend_size = len(runners)
        lang = self.app.lang
        legend = Text(tr("lesson.legend", lang) + " ", style="bold")
        for runner in runners:
            legend.append("▌", self.runner_colors.style(runner))
            legend.append(runner + "  ", self.runner_colors.style(runner))
        legend.append(tr("lesson.stderr", lang), "dim")
        if "?" in runners:
            legend.append("  " + tr("lesson.unattributed", lang), "dim")
        # The legend is 1-3 rows high (height: auto): only a change of rows needs a layout
        # pass (~1-5 ms, and the screen's whole frame on Run), not a legend that stays on
        # one row.
        static = self.query_one("#legend", Static)
        one_row = static.size.height == 1 and legend.cell_len <= static.content_region.width
        self._update_static("#legend", legend, layout=not one_row)

    def on_line_view_selected(self, message: OutputView.Selected) -> None:
        message.stop()
        output = self.query_one(OutputView)
        timeline = self.query_one(TimelineView)
        if message.view is output:
            if message.seq < 0:
                return
            timeline.flush()
            index = bisect_left(self.switch_seqs, message.seq) - 1
            timeline.select(index)
        else:
            output.flush()
            index = bisect_right(output.lines, message.seq, key=lambda line: line.seq)
            lines = output.lines
            while index < len(lines) and lines[index].kind not in (STDOUT, STDERR):
                index += 1
            output.select(index if index < len(lines) else -1)

    def palette_commands(self):
        from textual.app import SystemCommand

        lang = self.app.lang
        commands = [
            ("key.run", "cmd.run", self.action_run),
            ("key.stop", "cmd.stop", self._palette_stop),
            ("key.reset", "cmd.reset", self.action_reset),
            ("key.prev", "cmd.prev", self.action_prev),
            ("key.next", "cmd.next", self.action_next),
            ("key.back", "cmd.back", self.app.pop_screen),
        ]
        return [
            SystemCommand(tr(title, lang), tr(help_text, lang), callback)
            for title, help_text, callback in commands
        ]

    def _palette_stop(self) -> None:
        try:
            self.action_stop()
        except SkipAction:
            self.notify(tr("lesson.not_running", self.app.lang), timeout=2)
