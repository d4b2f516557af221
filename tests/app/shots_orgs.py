"""Scenes of the bulk path with several organizations at once, on the "orgs" world (its
us-east-1 organizations northwind, contoso and fabrikam, 200 mailboxes each), shared by the
pilot tests and `save_screenshots(out_dir)` (screenshots/bulk-orgs-plan.svg and
bulk-orgs-progress.svg).

Everything on screen is pinned: the runner's clock is the simulator's ManualClock
(shots_bulk.SimTicks), every job lasts `JOB_SECONDS`, sizes are the world's seeded ones.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from unittest import mock

from shots_bulk import bulk_app, idle, open_bulk_choice, take_picture
from shots_monitor import _private_state, until, write_pictures
from textual.pilot import Pilot

from tui.app.bulk.bulk_choose_screen import BulkChooseScreen
from tui.app.bulk.bulk_group_plan_screen import BulkGroupPlanScreen
from tui.app.bulk.bulk_orgs_screen import BulkOrganizationsScreen
from tui.app.bulk.group_progress_screen import GroupProgressScreen
from tui.core.batch.model import RowState
from tui.sim import ManualClock, SimulatedAws

JOB_SECONDS = 600.0


async def to_orgs_plan(pilot: Pilot[Any]) -> None:
    """Connect, take the first organization, ctrl+o, g: mark the Region's three, Enter; then
    the Region's role, its key, bucket and prefix, to the review of the three."""
    await open_bulk_choice(pilot, lambda _: idle(pilot), "the bulk step")
    await pilot.press("g")
    await until(pilot, lambda: isinstance(pilot.app.screen, BulkOrganizationsScreen),
                "the organizations")
    await pilot.pause(0.1)
    await pilot.press("down", "space", "space", "enter")  # the other two (and the first)
    await until(pilot, lambda: isinstance(pilot.app.screen, BulkChooseScreen)
                and len(pilot.app.state.bulk_organizations) == 3, "three organizations")
    # go on; the role of us-east-1 (second: both trust the account); the key and the
    # bucket offered first; the prefix the role allows
    for keys in (("enter",), ("down", "enter"), ("enter",), ("enter",), ("enter",),
                 ("enter",)):
        await until(pilot, lambda: idle(pilot), "the step to load")
        await pilot.pause(0.1)
        await pilot.press(*keys)
    await until(pilot, lambda: isinstance(pilot.app.screen, BulkGroupPlanScreen)
                and pilot.app.screen.account is not None and idle(pilot), "the plans")


async def to_orgs_progress(pilot: Pilot[Any], sim: Any) -> None:
    """Start the three; let the first wave end and the next run to a third."""
    await to_orgs_plan(pilot)
    await pilot.press("s")
    await pilot.pause(0.2)
    await pilot.press("y")

    def running() -> int:
        screen = pilot.app.screen
        if not isinstance(screen, GroupProgressScreen) or screen.progress is None:
            return -1
        return screen.progress.totals.get(RowState.RUNNING, 0)

    await until(pilot, lambda: running() == 30, "thirty running jobs")
    sim.clock.advance(JOB_SECONDS + 1)
    await until(pilot, lambda: running() == 30 and pilot.app.screen.progress.totals[
        RowState.COMPLETED] == 30, "the second wave")
    sim.clock.advance(JOB_SECONDS / 3)
    await pilot.pause(0.5)


def orgs_world_app(sim: Any, reports: Path) -> Any:
    sim.workmail.set_job_duration(JOB_SECONDS)
    return bulk_app(sim, reports)


SHOT_GROUP_ID = "g2027eosorgs"


def picture(name: str, size: tuple[int, int]) -> str:
    """The SVG of `bulk-orgs-plan` or `bulk-orgs-progress` at `size` (the group's id pinned)."""
    with _private_state(), TemporaryDirectory() as reports, \
            mock.patch("tui.core.batch.group.new_group_id", lambda: SHOT_GROUP_ID), \
            SimulatedAws(world="orgs", clock=ManualClock()) as sim:
        app = orgs_world_app(sim, Path(reports))

        async def progress(pilot: Pilot[Any]) -> None:
            await to_orgs_progress(pilot, sim)

        reach: Callable[[Pilot[Any]], Awaitable[None]] = (
            progress if name == "bulk-orgs-progress" else to_orgs_plan)
        return take_picture(app, name, size, reach)


def save_screenshots(out_dir: str | Path = "screenshots") -> list[Path]:
    """Write bulk-orgs-plan.svg and bulk-orgs-progress.svg (120x40) and their -80x24 twins
    into `out_dir`; returns the paths."""
    return write_pictures(out_dir, ("bulk-orgs-plan", "bulk-orgs-progress"), picture)


if __name__ == "__main__":
    for saved in save_screenshots(Path(__file__).resolve().parents[2] / "screenshots"):
        print(saved)
