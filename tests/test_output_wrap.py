"""Long output lines soft-wrap in the output pane, `w` toggles it (issue 13, item 5).

The view selects and scrolls by logical line while the screen shows rows: the row map
(tutor.app.wrap_map) is checked against a brute-force model, and the pane through the
lesson screen at 80x24 with a recorded run that prints a 300-character line.
"""

from __future__ import annotations

import random

import pytest
from test_app import make_app, wait_for
from test_app_support import open_first_run_step

from tutor.app.output_view import OutputView
from tutor.app.wrap_map import RowMap, wrap_cuts
from tutor.runner.events import Exit, Start, Stdout, Switch

NARROW = (80, 24)
LONG = "".join(f"<{n:03d}>" for n in range(60))  # 300 characters, each 5-cell piece unique


def long_line_events() -> list:
    """main prints two lines, the long one, then ten short ones, a switch between them."""
    events: list = [Start(seq=0, t=0.0, isolation="basic", python="3.11.7")]

    def add(cls, **fields):
        events.append(cls(seq=len(events), t=0.0, **fields))

    add(Stdout, runner="main", text="before 1\n")
    add(Stdout, runner="main", text="before 2\n")
    add(Stdout, runner="main", text=LONG + "\n")
    add(Switch, from_="main", to="worker", via="send")
    for n in range(10):
        add(Stdout, runner="worker", text=f"after {n}\n")
    add(Exit, returncode=0, reason="ok", message="", switches=1, dropped=0)
    return events


def rows(output: OutputView) -> list[str]:
    return ["".join(s.text for s in output.render_line(y)) for y in range(output.size.height)]


def texts_of(output: OutputView) -> list[str]:
    return [line.text for line in output.lines]


async def ran(pilot) -> OutputView:
    await open_first_run_step(pilot)
    screen = pilot.app.screen
    screen.set_focus(None)
    await pilot.press("f5")
    output = screen.query_one(OutputView)
    await wait_for(pilot, lambda: not screen.running and output.pending == 0 and output.lines)
    await pilot.pause()
    return output


async def test_a_300_character_line_wraps_into_rows_at_80_columns_and_keys_move_by_line():
    app = make_app(events=long_line_events())
    async with app.run_test(size=NARROW) as pilot:
        output = await ran(pilot)
        index = texts_of(output).index(LONG)
        assert output.wrap
        assert output.max_scroll_x == 0  # nothing to scroll sideways
        # the long line's rows, read back in order, are the line, and none is wider
        output.scroll_to(y=output.row_of(index), animate=False, immediate=True)
        await pilot.pause()
        taken = output.row_map.rows_of(index)
        assert taken >= 4
        shown = rows(output)[:taken]
        pieces = [row[3:].rstrip() for row in shown]  # after the bar, marker and space
        assert "".join(pieces) == LONG
        assert all(len(row.rstrip()) <= output.size.width for row in shown)
        assert all(row.startswith("▌") for row in shown)  # the runner's bar on every row
        # ↓ from the long line selects the next logical line, not its second row
        output.focus()
        output.select(index)
        await pilot.press("down")
        assert output.cursor == index + 1
        assert output.lines[output.cursor].text == "after 0"
        await pilot.press("up", "up")
        assert output.cursor == index - 1
        # the selected line is in view, whichever row it starts on
        last = len(output.lines) - 1
        output.select(last)
        await pilot.pause()
        assert output.scroll_y <= output.row_of(last) < output.scroll_y + output.size.height
        output.select(index)
        await pilot.pause()
        assert output.scroll_y <= output.row_of(index) < output.scroll_y + output.size.height


async def test_a_click_on_any_row_of_a_wrapped_line_selects_that_line_and_its_switch():
    app = make_app(events=long_line_events())
    async with app.run_test(size=NARROW) as pilot:
        output = await ran(pilot)
        index = texts_of(output).index(LONG)
        after = texts_of(output).index("after 0")
        output.scroll_to(y=output.row_of(index), animate=False, immediate=True)
        await pilot.pause()
        await pilot.click(output, offset=(10, 2))  # the third row of the long line
        assert output.cursor == index
        await pilot.click(output, offset=(10, output.row_map.rows_of(index)))
        assert output.cursor == after
        timeline = app.screen.query_one("#timeline")
        await wait_for(pilot, lambda: timeline.cursor == 0)  # the switch before "after 0"


async def test_w_toggles_wrapping_and_keeps_the_selected_line_in_view():
    app = make_app(events=long_line_events())
    async with app.run_test(size=NARROW) as pilot:
        output = await ran(pilot)
        index = texts_of(output).index(LONG)
        output.select(index)
        await pilot.press("w")
        await pilot.pause()
        assert not output.wrap
        assert output.virtual_size.height == len(output.lines)
        assert output.max_scroll_x > 0  # one row, scrolled sideways
        assert output.scroll_y <= index < output.scroll_y + output.size.height
        row = rows(output)[index - int(output.scroll_y)]
        assert LONG[:40] in row and LONG[-20:] not in row
        await pilot.press("w")
        await pilot.pause()
        assert output.wrap and output.max_scroll_x == 0
        assert output.virtual_size.height == len(output.lines) + output.row_map.rows_of(index) - 1


async def test_wrapped_rows_follow_a_resize():
    app = make_app(events=long_line_events())
    async with app.run_test(size=NARROW) as pilot:
        output = await ran(pilot)
        index = texts_of(output).index(LONG)
        narrow = output.row_map.rows_of(index)
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        await pilot.pause()
        assert output.row_map.rows_of(index) < narrow
        assert output.virtual_size.height == len(output.lines) + output.row_map.rows_of(index) - 1


def test_the_row_map_agrees_with_counting_rows_one_by_one():
    rng = random.Random(7)
    for _ in range(50):
        taken = [rng.choice([1, 1, 1, 2, 3, 7]) for _ in range(rng.randrange(1, 60))]
        row_map = RowMap()
        for index, n in enumerate(taken):
            if n > 1:
                row_map.add(index, n)
        model = [(index, part) for index, n in enumerate(taken) for part in range(n)]
        assert row_map.total(len(taken)) == len(model)
        for row, (index, part) in enumerate(model):
            assert row_map.line_at(row) == (index, part)
            assert row_map.row_of(index) == row - part
            assert row_map.rows_of(index) == taken[index]


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("", 10, [0, 0]),
        ("abcdefghij", 10, [0, 10]),
        ("abcdefghijk", 10, [0, 10, 11]),
        ("协程协程协程", 5, [0, 4, 8, 12]),  # a wide character never straddles a row's end
    ],
)
def test_wrap_cuts(text: str, width: int, expected: list[int]) -> None:
    assert wrap_cuts(text, width) == expected


@pytest.mark.parametrize("wrap", [True, False], ids=["wrapped", "one-row"])
def test_snapshot_of_a_long_line_at_80x24(snap_compare, wrap: bool):
    async def run_before(pilot) -> None:
        output = await ran(pilot)
        if not wrap:
            await pilot.press("w")
        pilot.app.clear_notifications()
        output.scroll_to(y=output.row_of(texts_of(output).index(LONG)), animate=False)
        for _ in range(3):
            await pilot.pause()

    app = make_app(events=long_line_events())
    assert snap_compare(app, terminal_size=NARROW, run_before=run_before)
