"""Scenes of the bulk path on the demo world, shared by the pilot tests and
`save_screenshots(out_dir)` (screenshots/bulk-choose.svg, bulk-plan.svg (the review with
sizes and the estimate), bulk-progress.svg, and the questions over a run: bulk-quit.svg
(ctrl+q) and bulk-cancel.svg (x)).

Everything on screen is pinned: the runner's clock is the simulator's ManualClock
(`SimTicks`), the run id is fixed, JobIds come from the simulator's seeded generator and
every job lasts `JOB_SECONDS`, so the same keys give the same picture on every run.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from shots_monitor import _private_state, until, write_pictures
from textual.pilot import Pilot

from tui.app.bulk.bulk_choose_screen import BulkChooseScreen
from tui.app.bulk.bulk_progress_screen import BulkProgressScreen
from tui.app.bulk.bulk_timing import BulkTiming
from tui.app.wizard_app import WizardApp
from tui.core.batch.model import RowState
from tui.core.batch.rate import Pace
from tui.core.model import ConnectionSettings, ExportRequest
from tui.sim import ManualClock, SimulatedAws

JOB_SECONDS = 100.0
SHOT_RUN_ID = "r2027eosdemo"


class SimTicks:
    """The engine's clock for tests and pictures: the simulator's time, 50 ms real sleeps,
    so a run ticks all the time while nothing moves until the clock is advanced."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim

    def now(self) -> float:
        return float(self.sim.clock.now().timestamp())

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> None:
        if wake is not None:
            wake.wait(min(seconds, 0.05))
        else:
            time.sleep(min(seconds, 0.05))


# The simulator in this process answers at once: no need to pace the size reads.
UNPACED = Pace(start=10_000.0, ceiling=10_000.0, burst=10_000.0)


def bulk_app(sim: Any, reports: Path) -> WizardApp:
    """The wizard with the bulk runner on the simulator's clock, manifests to `reports`."""
    app = WizardApp(ConnectionSettings(), ExportRequest())
    app.bulk_timing = BulkTiming(clock=SimTicks(sim), report_dir=reports, pace=UNPACED)
    return app


def stored_run(sim: Any, run_id: str | None = None) -> str:
    """A run of every mailbox stored as the bulk review stores it, not started yet (as
    after a crash right after Start)."""
    from tui.core.batch.model import RunSettings
    from tui.core.batch.plan import choose_enabled, make_plan
    from tui.core.batch.runner import create_run
    from tui.core.batch.store import BatchStore
    from tui.core.session import connect

    world = sim.world
    aws = connect(ConnectionSettings(region="us-east-1"))
    now = sim.clock.now().timestamp()
    plan = make_plan(aws, world.org_id, choose_enabled(aws, world.org_id), "exports/", now)
    store = BatchStore.open()
    try:
        settings = RunSettings(world.org_id, world.good_role_arn, world.good_key_arn,
                               world.good_bucket, "exports/",
                               description="before WorkMail ends")
        return create_run(store, settings, plan, now, run_id).run_id
    finally:
        store.close()


def running(app: Any) -> int:
    screen = app.screen
    progress = screen.progress if isinstance(screen, BulkProgressScreen) else None
    return progress.totals.get(RowState.RUNNING, 0) if progress else -1


def idle(pilot: Pilot[Any]) -> bool:
    return not any(w.is_running for w in pilot.app.workers)


async def open_bulk_choice(pilot: Pilot[Any], ready: Callable[[BulkChooseScreen], bool],
                           what: str) -> None:
    """Launch, connect, take the first organization, ctrl+o at the mailbox step; wait until
    the bulk step is `ready` (`what` names that in a timeout)."""
    for key in ("enter", "enter"):
        await until(pilot, lambda: idle(pilot), "the step to load")
        await pilot.pause(0.1)
        await pilot.press(key)
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "MailboxScreen",
                "the mailbox step")
    await pilot.press("ctrl+o")
    await until(pilot, lambda: isinstance(pilot.app.screen, BulkChooseScreen)
                and ready(pilot.app.screen), what)


async def to_bulk_choice(pilot: Pilot[Any]) -> None:
    """The bulk step with every enabled mailbox listed."""
    await open_bulk_choice(pilot, lambda screen: screen.table.row_count == 56
                           and not screen.loading_anything, "every mailbox listed")


async def to_progress(pilot: Pilot[Any], sim: Any) -> None:
    """Resume the stored run from the bulk step (u); let ten complete and the next ten
    run to 35 %."""
    await to_bulk_choice(pilot)
    await until(pilot, lambda: bool(pilot.app.screen.unfinished), "the unfinished run")
    await pilot.press("u")
    await until(pilot, lambda: running(pilot.app) == 10, "ten running jobs")
    sim.clock.advance(JOB_SECONDS + 1)
    await until(pilot, lambda: running(pilot.app) == 10 and pilot.app.screen.progress.totals[
        RowState.COMPLETED] == 10, "the second ten")
    sim.clock.advance(35)
    await until(pilot, lambda: all(row.progress > 0 for row in pilot.app.screen.progress.rows
                                   if row.state is RowState.RUNNING), "progress on the ten")


async def to_plan(pilot: Pilot[Any]) -> None:
    """Every mailbox through role, key and destination to the review with its sizes and
    estimate (the keys of tests/app/test_bulk.choose_to_plan)."""
    from tui.app.bulk.bulk_plan_screen import BulkPlanScreen

    await to_bulk_choice(pilot)
    for _ in range(6):
        await until(pilot, lambda: not any(w.is_running for w in pilot.app.workers),
                    "the step to load")
        await pilot.press("enter")
        await pilot.pause(0.1)
    await until(pilot, lambda: isinstance(pilot.app.screen, BulkPlanScreen)
                and pilot.app.screen.plan is not None, "the checked plan")


# The key pressed on the progress screen for each question scene.
QUESTIONS = {"bulk-quit": "ctrl+q", "bulk-cancel": "x"}
PICTURES = ("bulk-choose", "bulk-plan", "bulk-progress", *QUESTIONS)


def picture(name: str, size: tuple[int, int]) -> str:
    """The SVG of a scene of PICTURES at `size`, on a fresh simulated world: the bulk step,
    the review with sizes and the estimate, the run in progress, and the questions asked
    over it (quit during the run, cancel)."""
    with _private_state(), TemporaryDirectory() as reports, \
            SimulatedAws(world="demo", clock=ManualClock()) as sim:
        sim.workmail.set_job_duration(JOB_SECONDS)
        async def progress(pilot: Pilot[Any]) -> None:
            await to_progress(pilot, sim)
            if name in QUESTIONS:
                await pilot.press(QUESTIONS[name])
                await until(pilot, lambda: len(pilot.app.screen_stack) > 2
                            and not isinstance(pilot.app.screen, BulkProgressScreen),
                            "the question")

        reach: Callable[[Pilot[Any]], Awaitable[None]] = to_bulk_choice
        if name == "bulk-plan":
            reach = to_plan
        elif name != "bulk-choose":  # the run in progress, with or without a question
            stored_run(sim, SHOT_RUN_ID)
            reach = progress
        return take_picture(bulk_app(sim, Path(reports)), name, size, reach)


def take_picture(app: WizardApp, name: str, size: tuple[int, int],
                 reach: Callable[[Pilot[Any]], Awaitable[None]]) -> str:
    """The SVG of `app` at `size` once `reach` has walked it to the scene; a run on screen
    is paused afterwards (a progress screen has a `stop`), also one under a question."""
    async def take() -> str:
        async with app.run_test(size=size) as pilot:
            await reach(pilot)
            await pilot.pause(0.3)
            shot = app.export_screenshot(title=f"workmail-export: {name}")
            for screen in app.screen_stack:  # a run under a question is paused too
                stop = getattr(screen, "stop", None)
                if stop is not None:
                    stop()
            return shot

    return asyncio.run(take())


def save_screenshots(out_dir: str | Path = "screenshots") -> list[Path]:
    """Write the PICTURES (120x40) and their -80x24 twins into `out_dir`; returns the
    paths."""
    return write_pictures(out_dir, PICTURES, picture)


if __name__ == "__main__":
    for saved in save_screenshots(Path(__file__).resolve().parents[2] / "screenshots"):
        print(saved)
