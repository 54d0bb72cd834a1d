"""The right half of a program step: sandbox badge, runner legend, output, switch count,
timeline, the selection that links an output line to its switch and back, and stepping
through a finished run's switches (the line that says where each runner is; the editor's
marks are the screen's to set, from the SwitchShown message).

It owns the run controller and shows what the controller posts (tutor.app.messages); the
messages bubble on to the screen. It never parses program output: it only reads events.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import var
from textual.widgets import Static

from tutor.app.colors import RunnerColors, painted_backgrounds, readable
from tutor.app.i18n import tr
from tutor.app.looks import LOOK_CLASSES, looks_css, looks_of
from tutor.app.messages import RunEvent, RunFailed, RunStarted, RunWaiting, SwitchShown
from tutor.app.output_view import STDERR, STDOUT, OutputView
from tutor.app.run_controller import RunController
from tutor.app.stepping import status_text
from tutor.app.timeline_view import SwitchLine, TimelineView
from tutor.runner import UNATTRIBUTED
from tutor.runner.events import Block, Cap, Exit, Start, Stderr, Stdout, Switch
from tutor.runner.outcome import block_sentence
from tutor.runner.outcome import render as render_outcome
from tutor.runner.outcome import sentence as outcome_sentence
from tutor.textsafe import visible

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any  # Widget's keyword arguments, passed on

    from textual.timer import Timer

    from tutor.runner import RunRequest
    from tutor.runner.events import Event
    from tutor.runner.streaming import StartRun

TIER_COLOR = {"bwrap": "#3fa63f", "unshare": "#c8a000", "basic": "#e8304a"}
"""The sandbox badge: green full, yellow partial, red basic; made readable on the theme."""


class RunPane(Vertical):
    """Runs and what they showed. The screen sets `lang` and calls start/stop/show_running."""

    DEFAULT_CSS = looks_css("RunPane")
    COMPONENT_CLASSES = LOOK_CLASSES

    lang: var[str] = var("en", init=False)

    def __init__(self, start_run: StartRun | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runner_colors = RunnerColors()
        self.controller = RunController(self, start_run)
        self.running = False
        self.tier: str | None = None
        self.outcome: Exit | None = None
        self.switch_total = 0
        self.cap_event: Cap | None = None
        self.switch_seqs: list[int] = []
        self.runs_here = 0
        """Runs started since the step was shown (its output is this step's own)."""
        self.timeout = 0.0
        """The wall limit of the run shown (for the stop sentence)."""
        self.saw_traceback = False
        self.last_stderr = ""
        self._showing = False
        """The pane shows the current run's events (False after a step change, until a run
        of the new step starts: a stopped program's last words belong to the step left)."""
        self.paint_requested = False
        """The output holds a run's first line: the screen paints it at once (on_idle)."""
        self._first_output = False
        """A run started and nothing of it (output or outcome) is in the output yet."""
        self._partial: dict[int, tuple[int, str, str]] = {}
        """kind -> (seq, runner, text) of an output line waiting for its newline."""
        self._status_held = False
        """The status waits until the run's first line is painted (see start)."""
        self._status_timer: Timer | None = None
        self._legend_size = -1
        self._static_keys: dict[str, tuple[object, ...]] = {}
        """What each status line (#status, #legend, #timeline-title) shows now."""
        self.run_code = ""
        """The program of the run shown: stepping quotes and marks its lines."""
        self.step_row = -1
        """Stepping: the timeline row of the moment shown (-1: none picked yet)."""
        self.code_shown = True
        """The editor still holds the code that ran (its lines can be marked)."""
        self._muted_style: Style | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Static(id="legend")
        yield OutputView(self.runner_colors, id="output")
        yield Static(id="timeline-title")
        yield TimelineView(self.runner_colors, id="timeline")
        yield Static(id="switch-status")

    def on_mount(self) -> None:
        self.output = self.query_one(OutputView)
        self.timeline = self.query_one(TimelineView)

    def on_resize(self) -> None:
        self.update_legend(force=True)  # what fits on its row

    def watch_lang(self, lang: str) -> None:
        self.update_status()
        self.update_legend(force=True)
        self.update_switch_status()

    def set_dark(self, dark: bool) -> None:
        """The theme changed (dark or not): the legend's and the badge's colours follow."""
        self._muted_style = None
        self.runner_colors.dark = dark
        self.update_legend(force=True)  # and the muted notes' colour (any theme change)
        self.update_status()

    @property
    def run_count(self) -> int:
        return self.controller.count

    # --- runs ----------------------------------------------------------------------

    def start(self, request: RunRequest) -> None:
        """Run `request`. The status line waits for the frame with the run's first line
        (show_running): restyling it would be work in that frame."""
        self._status_held = True
        self.timeout = request.timeout
        self.run_code = request.code or ""
        self.controller.start(request)

    def show_step(self, runnable: bool) -> None:
        """A step is shown: its panes start empty, and say what F5 will do."""
        self._showing = False
        self.runs_here = 0
        self._clear()
        self.update_status()
        self.update_legend(force=True)
        if runnable:
            self.call_after_refresh(self._before_run)

    def _before_run(self) -> None:
        """What F5 will do, in the output pane (after layout, so it wraps to the pane)."""
        if not self._showing and not self.runs_here:
            self.output.notice(tr("lesson.before_run", self.lang))

    def stop(self) -> bool:
        return self.controller.stop()

    def show_running(self, running: bool) -> None:
        """The status line follows the run (and counts its switches while it goes)."""
        self.running = running
        self._status_held = False
        self.update_status()
        self.update_switch_status()
        if running and self._status_timer is None:
            self._status_timer = self.set_interval(0.25, self.update_status)
        elif not running and self._status_timer is not None:
            self._status_timer.stop()
            self._status_timer = None

    def _clear(self) -> None:
        self.output.clear()
        self.timeline.clear()
        self.runner_colors.clear()
        self.switch_seqs = []
        self.switch_total = 0
        self.cap_event = None
        self.outcome = None
        self.tier = None
        self.saw_traceback = False
        self.last_stderr = ""
        if self.step_row >= 0:
            self.post_message(SwitchShown(None, None, ""))  # the editor's marks go too
        self.step_row = -1
        self.code_shown = True
        self.update_switch_status()

    def on_run_started(self, message: RunStarted) -> None:
        self._showing = True
        self.runs_here += 1
        self._clear()
        self.runner_colors.index("main")  # lane 1 of the timeline, whoever prints first
        self.output.notice(tr("lesson.run_header", self.lang, n=message.number))
        self.update_legend(force=True)
        self._first_output = True
        self._partial = {}

    def on_run_event(self, message: RunEvent) -> None:
        message.stop()
        events = self.controller.take_events(message)
        if self._showing:
            self.show_events(events)

    def on_run_waiting(self, message: RunWaiting) -> None:
        self.output.notice(tr("serve.waiting_slot", self.lang))
        self.output.flush()

    def on_run_failed(self, message: RunFailed) -> None:
        if self._showing:
            self.output.notice(self.failure_sentence(message.error), error=True)

    def failure_sentence(self, error: BaseException) -> str:
        """A run that broke down, in one sentence (never a traceback)."""
        if isinstance(error, ImportError):
            return tr("lesson.runner_missing", self.lang, error=error)
        return tr("lesson.run_failed", self.lang, error=f"{type(error).__name__}: {error}")

    def show_events(self, events: list[Event]) -> None:
        """Route a run's events to the output, the timeline and the status."""
        timeline, colors = self.timeline, self.runner_colors
        for event in events:
            # exact type tests, cheapest on a flood of output (and mypy narrows on them)
            if type(event) is Stdout or type(event) is Stderr:
                self._add_output(event, STDOUT if type(event) is Stdout else STDERR)
                colors.index(event.runner)
                if self._first_output:
                    self._show_first()
            elif type(event) is Block:
                sentence = block_sentence(event.runner, event.ms, event.line, event.call, self.lang)
                self.output.notice(sentence, error=True, seq=event.seq)
                label = tr("timeline.block", self.lang, runner=event.runner, ms=event.ms)
                timeline.add_block(event.seq, event.runner, event.ms, label)
            elif type(event) is Switch:
                timeline.add(event.seq, event.from_, event.to, event.via, event.line, event.to_line)
                self.switch_seqs.append(event.seq)
                self.switch_total += 1
            elif isinstance(event, Start):
                self.tier = event.isolation
                self.update_status()
            elif isinstance(event, Cap):
                self.cap_event = event
            elif isinstance(event, Exit):
                self._show_exit(event)
        if len(colors.order) != self._legend_size:
            self.update_legend()

    def _note_stderr(self, text: str) -> None:
        """What the stop sentences need to stay true: was there a traceback, and how did
        stderr end (a line per event, so a flood costs a comparison each)."""
        if text.startswith("Traceback (most recent call last)"):
            self.saw_traceback = True
        self.last_stderr = text

    def outcome_sentences(self, event: Exit) -> list[str]:
        """The outcome in the learner's language, true to what the run showed: a stop on
        the time limit claims a traceback only when one came, and a program that tried to
        read the keyboard (input() raised EOFError) is told why that cannot work here."""
        lang = self.lang
        if event.reason == "timeout" and not self.saw_traceback:
            params = {"seconds": self.timeout, **(event.params or {})}
            first = render_outcome("timeout_no_traceback", params, lang)
        else:
            first = outcome_sentence(event, lang) or tr(
                "lesson.exit_code", lang, code=event.returncode
            )
        sentences = [first]
        if self.last_stderr.startswith("EOFError"):
            sentences.append(tr("lesson.no_keyboard", lang))
        return sentences

    def _add_output(self, event: Stdout | Stderr, kind: int) -> None:
        """Output texts are pieces of lines (a line ends with its newline): a line shows
        once complete, coloured by the runner that began it; the stream keeps each piece's
        runner."""
        part = self._partial.pop(kind, None)
        text = event.text
        seq, runner = event.seq, event.runner
        if part is not None:
            seq, runner, text = part[0], part[1], part[2] + text
        if text.endswith("\n"):
            self.output.add(seq, runner, kind, text[:-1])
            if kind == STDERR:
                self._note_stderr(text[:-1])
        else:
            self._partial[kind] = (seq, runner, text)

    def _show_exit(self, event: Exit) -> None:
        for kind, (seq, runner, text) in sorted(self._partial.items()):
            self.output.add(seq, runner, kind, text)  # a last line without its newline
            if kind == STDERR:
                self._note_stderr(text)
        self._partial = {}
        self.outcome = event
        self.switch_total = max(self.switch_total, event.switches)
        lang = self.lang
        first, *notes = self.outcome_sentences(event)
        self.output.notice(first, error=event.reason != "ok", seq=event.seq)
        for note in notes:
            self.output.notice(note, seq=event.seq)
        if event.dropped:
            stopped = self.cap_event is not None and self.cap_event.counted_to(event.switches)
            key = "lesson.dropped_stopped" if stopped else "lesson.dropped"
            self.output.notice(tr(key, lang, n=event.dropped), seq=event.seq)
        self.timeline.flush()
        if self._first_output:
            self._show_first()
        else:
            self.output.flush()  # the last lines paint with the outcome, in one frame

    def _show_first(self) -> None:
        """A run's first line (output or outcome) goes into the pane now, not at the next
        flush, and the screen paints its frame as soon as the pane is marked dirty."""
        self._first_output = False
        self.output.flush()
        self.paint_requested = True

    # --- status, legend ------------------------------------------------------------

    def update_status(self) -> None:
        if not self.is_mounted or self._status_held:
            return
        lang, muted = self.lang, self._muted()
        status = Text()
        if self.tier:
            status.append(" " + tr(f"tier.{self.tier}", lang) + " ", self._tier_style(self.tier))
            status.append("  ")
        if self.running:
            status.append(tr("lesson.running", lang), "italic")
        elif self.runs_here == 0:
            status.append(tr("lesson.no_output", lang), muted)
        self._update_static("#status", status)
        timeline_title = Text(tr("lesson.timeline", lang) + ": ", style="bold")
        shown = len(self.switch_seqs)
        total = max(self.switch_total, shown)
        if total == 0:
            timeline_title.append(tr("lesson.no_switches", lang), muted)
        elif self.cap_event is not None and total > shown:
            key = (
                "lesson.switch_cap_stopped"
                if self.cap_event.counted_to(total)
                else "lesson.switch_cap"
            )
            timeline_title.append(tr(key, lang, n=total, shown=shown))
        else:
            timeline_title.append(tr("lesson.switch_count", lang, n=total))
        if self.can_step:
            timeline_title.append("  " + tr("step.hint", lang), muted)
        self._update_static("#timeline-title", timeline_title)

    def _muted(self) -> Style:
        """Notes' colour in this theme (kept until set_dark: a run's first frame is busy)."""
        muted = self._muted_style or looks_of(self).muted
        if self.is_mounted:
            self._muted_style = muted
        return muted

    def _tier_style(self, tier: str) -> Style:
        """The badge's colour with 4.5:1 on the status line's background, whatever the theme."""
        color = TIER_COLOR.get(tier)
        if color is None:
            return Style(bold=True)
        static = self.query_one("#status", Static)
        dark = self.app.current_theme.dark
        backgrounds = painted_backgrounds((static.rich_style.bgcolor,), dark)
        return Style(bold=True, color=readable(color, backgrounds))

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
        static = self.query_one("#legend", Static)
        legend = self._legend(runners, static.content_region.width)
        # The legend is 1-3 rows high (height: auto): only a change of rows needs a layout
        # pass (~1-5 ms, and the screen's whole frame on Run), not a legend that stays on
        # one row.
        one_row = static.size.height == 1 and legend.cell_len <= static.content_region.width
        self._update_static("#legend", legend, layout=not one_row)

    def _legend(self, runners: list[str], width: int) -> Text:
        """The runners in their colours, with what fits of the rest on one row: the label
        goes first, then the note on `?`, then the one on `!` (a row's worth of runners
        that wraps takes no notes, which would break in two)."""
        lang, colors = self.lang, self.runner_colors
        muted = self._muted()
        names = Text(style="bold")
        for runner in runners:
            names.append("▌", colors.style(runner))
            names.append(visible(runner, one_line=True) + "  ", colors.style(runner))
        notes = [tr("lesson.stderr", lang)]
        if UNATTRIBUTED in runners:
            notes.append(tr("lesson.unattributed", lang))
        label = Text(tr("lesson.legend", lang) + " ", style="bold")
        candidates = [
            Text.assemble(label, names, Text("  ".join(notes), muted)),
            *(names + Text("  ".join(notes[:n]), muted) for n in range(len(notes), 0, -1)),
        ]
        for legend in candidates:
            if not width or legend.cell_len <= width:
                return legend
        return names

    # --- selection links -----------------------------------------------------------

    def on_line_view_selected(self, message: OutputView.Selected) -> None:
        """An output line selects the switch before it; a switch, the line after it. After
        the run, either one also shows that moment (see step_to)."""
        message.stop()
        output, timeline = self.output, self.timeline
        if message.view is output:
            if message.seq < 0:
                return
            timeline.flush()
            switch = bisect_left(self.switch_seqs, message.seq) - 1
            row = timeline.switch_rows[switch] if 0 <= switch < len(timeline.switch_rows) else -1
            timeline.select(row)
            self.step_to(row, message.seq)
        else:
            self.step_to(message.index, message.seq)
            output.flush()
            lines = output.lines
            index = bisect_right(lines, message.seq, key=lambda line: line.seq)
            while index < len(lines) and lines[index].kind not in (STDOUT, STDERR):
                index += 1
            output.select(index if index < len(lines) else -1)

    # --- stepping through a finished run -------------------------------------------

    @property
    def can_step(self) -> bool:
        """A finished run with switches is shown: the step keys work."""
        return self._showing and not self.running and bool(self.timeline.switch_rows)

    def step(self, delta: int) -> None:
        """The previous (-1) or next (1) switch; the timeline's selection says which."""
        if self.can_step:
            self.timeline.flush()
            self.timeline.action_step(delta)

    def step_to(self, row: int, until: int) -> None:
        """Show the moment after timeline row `row` (-1: before any switch): output after
        seq `until` dimmed, the switch's lines marked in the code, in words below."""
        if not self.can_step:
            return
        self.step_row = row
        self.output.show_until(until)
        line = self.timeline.lines[row] if row >= 0 else None
        if isinstance(line, SwitchLine):
            self.post_message(SwitchShown(line.line, line.to_line, self.run_code))
        else:
            self.post_message(SwitchShown(None, None, self.run_code))
        self.update_switch_status()

    def set_code_shown(self, shown: bool) -> None:
        """The screen says whether the editor could mark the lines (its code is the run's)."""
        if shown != self.code_shown:
            self.code_shown = shown
            self.update_switch_status()

    def update_switch_status(self) -> None:
        """The stepping line: the switch shown in words (shown only while stepping)."""
        if not self.is_mounted:
            return
        static = self.query_one("#switch-status", Static)
        timeline, row = self.timeline, self.step_row
        if not self.can_step or not 0 <= row < len(timeline.lines):
            if static.display:
                static.display = False
            return
        static.display = True
        line = timeline.lines[row]
        total = len(timeline.switch_rows)
        number = timeline.switch_at(row) + 1
        text = status_text(line, number, total, self.run_code, self.code_shown, self.lang)
        self._update_static("#switch-status", text, layout=True)
