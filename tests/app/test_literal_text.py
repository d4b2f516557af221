"""The Textual face shows text from outside literally: a job's Description written as markup
(`[bold red]…[/]`) keeps its brackets and does not style the screen, and its control
characters show as visible escapes, in the monitor, the jobs screen and the choice lists."""

from __future__ import annotations

from typing import Any

from pilot_kit import BIG, make_app, settle, step
from shots_monitor import (
    STILL,
    flat,
    open_monitor,
    prepared,
    result_app,
    screen_text,
    start_job,
    until_screen,
    wizard_app,
)

from tui.app.jobs.jobs_screen import JobsScreen
from tui.sim import SimulatedAws
from tui.wizard.stages import Stage

MARKUP = "[bold red]styled[/]"
CONTROLS = "\x1b]0;pwned\x07\x1b[2J"
SHOWN_CONTROLS = "\\x1b]0;pwned\\x07\\x1b[2J"


def no_controls(text: str) -> bool:
    return not any(c in text for c in "\x1b\x07\r")


def styled_red(app: Any, word: str) -> bool:
    """Whether a segment holding `word` is drawn red (the markup was obeyed)."""
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            if word in segment.text and style is not None and style.color is not None \
                    and style.color.name == "red":
                return True
    return False


async def test_the_monitor_shows_a_markup_description_literally(sim: SimulatedAws) -> None:
    prepared(sim)
    job_id = start_job(sim, 0, description=f"{MARKUP} {CONTROLS}")
    app = result_app(sim, 0, job_id, STILL)
    async with app.run_test(size=BIG) as pilot:
        await open_monitor(pilot)
        text = screen_text(app)
        assert f"{MARKUP} {SHOWN_CONTROLS}" in flat(text)
        assert no_controls(text)
        assert not styled_red(app, "styled")


async def test_the_jobs_screen_shows_a_markup_description_literally(sim: SimulatedAws) -> None:
    prepared(sim)
    start_job(sim, 0, description=f"{MARKUP} {CONTROLS}")
    app = wizard_app(sim, STILL)
    async with app.run_test(size=(240, 30)) as pilot:  # the description column in full
        await pilot.pause()
        await pilot.press("j")
        await until_screen(pilot, JobsScreen,
                           lambda j: j.table.row_count == 1 and not j.calls.running(),
                           "the job listed")
        await pilot.pause(0.1)
        text = screen_text(app)
        assert f"{MARKUP} {SHOWN_CONTROLS}" in text
        assert no_controls(text)
        assert not styled_red(app, "styled")


async def test_a_choice_list_shows_names_from_aws_escaped(sim: SimulatedAws) -> None:
    sim.workmail.create_organization(alias=f"evil{CONTROLS}{MARKUP}")
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # Continue on the connection step
        await settle(pilot)
        assert step(app).STAGE is Stage.ORGANIZATION
        text = screen_text(app)
        assert f"evil{SHOWN_CONTROLS}{MARKUP}" in text
        assert no_controls(text)
