"""After the first step is on screen, the app readies the later steps in small slices: their
CSS is in the stylesheet before they are first shown, so showing them parses no CSS (the
reparse that held the UI thread 12-17 ms at each new screen) and they look as before."""

from __future__ import annotations

import time
from typing import Any

import pytest

from benchmarks.common import DEMO_WALK, play, wait_for_step
from tests.app.pilot_kit import BIG, make_app
from tui.app.kit import warm_up


async def warmed(pilot: Any) -> None:
    """Wait (bounded) until the warm-up has put every step screen's CSS file in place."""
    files = warm_up._screen_css_files(warm_up.STEP_SCREEN_MODULES)
    deadline = time.monotonic() + 10
    while not all(pilot.app.stylesheet.has_source(path) for path in files):
        assert time.monotonic() < deadline, "the warm-up never added the screens' CSS"
        await pilot.pause(0.05)


async def test_later_steps_show_without_parsing_css_again(sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await warmed(pilot)
        reparses = []
        reparse = app.stylesheet.reparse

        def counted() -> None:
            reparses.append(type(app.screen).__name__)
            reparse()

        app.stylesheet.reparse = counted  # type: ignore[method-assign]
        for move in DEMO_WALK[:8]:  # connection .. destination-filled: six new screens
            await wait_for_step(pilot, move)
            await play(pilot, move)
        assert type(app.screen).__name__ == "ReviewScreen"
        assert reparses == []
        # The screen still looks as its CSS file says (review_screen.tcss: at most 10 rows
        # of fields, 2 cells of padding around the command).
        assert app.screen.query_one("#fields").styles.max_height.value == 10
        assert app.screen.query_one("#cli-command").styles.padding.left == 2



async def test_a_warm_up_that_fails_stops_and_the_steps_still_show(
        sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def moved(modules: tuple[str, ...]) -> list[str]:
        raise AttributeError("a Textual whose stylesheet internals moved")

    monkeypatch.setattr(warm_up, "_screen_css_files", moved)
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause(1.0)  # the warm-up has started and stopped
        for move in DEMO_WALK[:3]:  # connection, organization, to the mailbox search
            await wait_for_step(pilot, move)
            await play(pilot, move)
        await wait_for_step(pilot, DEMO_WALK[3])
        assert app.is_running
