"""Helpers for pilot tests of the Textual face: start the wizard on the simulator, wait until
every worker is done, and read the screen as the person sees it.

A module of its own name (not conftest) so `from pilot_kit import ...` finds this file even
when several test folders with a conftest.py run together."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from tui.app.steps.step_screen import StepScreen
from tui.app.wizard_app import WizardApp
from tui.core.model import ConnectionSettings, ExportRequest
from tui.wizard.stages import Stage

BIG = (120, 40)
SMALL = (80, 24)


SETTLE_DEADLINE_SECONDS = 120.0  # a stuck worker fails the test instead of hanging it


async def settle(pilot: Pilot[Any], rounds: int = 3,
                 deadline: float = SETTLE_DEADLINE_SECONDS) -> None:
    """Wait until no worker runs and no timer (the search debounce) is about to start one;
    a worker still running after `deadline` seconds fails the test, naming it."""
    app = pilot.app
    give_up = time.monotonic() + deadline
    quiet = 0
    while quiet < rounds:
        await pilot.pause(0.1)
        running = [w for w in app.workers if w.is_running]
        if running:
            if time.monotonic() > give_up:
                names = ", ".join(f"{w.name or w} ({w.state.name}, group {w.group!r})"
                                  for w in running)
                raise AssertionError(f"settle: after {deadline:.0f} s these workers still "
                                     f"run: {names}")
            quiet = 0
            continue
        with contextlib.suppress(WorkerFailed, WorkerCancelled):  # shown by the app itself
            await app.workers.wait_for_complete()
        quiet += 1


async def keys(pilot: Pilot[Any], *pressed: str) -> None:
    """Press keys (single characters are typed) and wait for what they started."""
    await pilot.press(*pressed)
    await settle(pilot)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*text)
    await settle(pilot)


def screen_text(app: WizardApp) -> str:
    """Every character on the terminal now, line by line (what the person reads)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def toasts(app: WizardApp) -> str:
    """The notifications on show, one a line (they float over the screen, so screen_text
    may miss them while they slide in)."""
    return "\n".join(n.message for n in app._notifications)


def flat(text: str) -> str:
    """Screen text without borders, line breaks and runs of spaces (for sentences that
    wrap inside a box)."""
    return " ".join(text.translate(_BORDERS).split())


_BORDERS = str.maketrans({c: " " for c in "│╭╮╰╯─▔▁▏▕┃━"})


def step(app: WizardApp) -> StepScreen:
    screen = app.screen
    assert isinstance(screen, StepScreen), f"not on a step: {screen!r}"
    return screen


def stage(app: WizardApp) -> Stage:
    return step(app).STAGE


def make_app(prefill: ExportRequest | None = None,
             settings: ConnectionSettings | None = None) -> WizardApp:
    return WizardApp(settings or ConnectionSettings(), prefill or ExportRequest())


def good_request(world: Any, **changes: str) -> ExportRequest:
    """The demo world's request that passes every check."""
    request = ExportRequest(organization_id=world.org_id, entity_id=world.enabled_user,
                            role_arn=world.good_role_arn, kms_key_arn=world.good_key_arn,
                            bucket=world.good_bucket, prefix=world.good_prefix)
    return request.with_changes(**changes) if changes else request


async def point_at(pilot: Pilot[Any], key: str, table_id: str = "choices") -> None:
    """Move the row cursor onto the row `key` with the arrow keys, as a person would."""
    from tui.app.kit.choice_table import ChoiceTable

    table = pilot.app.screen.query_one(f"#{table_id}", ChoiceTable)
    if not table.has_focus:
        table.focus()
        await pilot.pause()
    delta = table.get_row_index(key) - table.cursor_row
    await keys(pilot, *(["down"] * delta if delta > 0 else ["up"] * -delta))
    assert table.pointed is not None and table.pointed.key == key


async def go_to_step(pilot: Pilot[Any], name: str) -> None:
    """ctrl+p, type `go to step: <name>`, and Enter on the entry found."""
    await keys(pilot, "ctrl+p")
    await type_text(pilot, f"go to step: {name.lower()}")
    assert f"Go to step: {name}" in screen_text(pilot.app)
    await keys(pilot, "enter")
