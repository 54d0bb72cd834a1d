"""Pilot tests of the lesson screen at small terminal sizes (issue 13: 5, 7).

80x24 is the smallest size that works: nothing that matters is cut off there.
"""

from __future__ import annotations

from test_app import make_app
from test_app_support import SIZE, open_first_run_step

NARROW = (80, 24)


def inside(widget, screen) -> bool:
    region = widget.region
    return region.area > 0 and screen.region.contains_region(region)


async def test_narrow_screen_stacks_code_above_output_and_keeps_buttons_in_view():
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await open_first_run_step(pilot)
        await pilot.pause()
        screen = app.screen
        code, output = screen.query_one("#code"), screen.query_one("#output")
        assert code.region.width >= NARROW[0] - 2  # the code has the full width
        assert output.region.y >= code.region.bottom  # the output is below it
        for button in ("#run", "#next"):
            assert inside(screen.query_one(button), screen), button


async def test_wide_screen_keeps_code_and_output_side_by_side():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        await pilot.pause()
        code, output = app.screen.query_one("#code"), app.screen.query_one("#output")
        assert output.region.x >= code.region.right
        # and it switches when the terminal is resized
        await pilot.resize_terminal(*NARROW)
        await pilot.pause()
        assert output.region.y >= code.region.bottom
