"""Scenes of setup on the "fresh" world (an organization with no role, key or bucket), for
`save_screenshots(out_dir)`: screenshots/setup-plan.svg (the plan of a new bucket, shown
whole) and setup-applied.svg (each call marked as it was made), at 120x40 and 80x24.

The walk is benchmarks.common.FRESH_WALK, the one the pilot test and the keystroke benchmark
play; the simulator's clock is manual and its ids seeded, so each picture is the same every
run."""

from __future__ import annotations

import asyncio
from pathlib import Path

from shots_monitor import _private_state, write_pictures

from benchmarks.common import FRESH_WALK, hold_still, wait_for_step, walk_demo
from tui.app.wizard_app import WizardApp
from tui.core.model import ConnectionSettings, ExportRequest
from tui.sim import ManualClock, SimulatedAws

SCENES = {"setup-plan": "bucket-plan", "setup-applied": "bucket-applied"}  # picture: move
MOVES = {move.step: move for move in FRESH_WALK}


def picture(name: str, size: tuple[int, int]) -> str:
    """The SVG of scene `name` at `size` (columns, rows), on a fresh simulated world."""
    with _private_state(), SimulatedAws(world="fresh", clock=ManualClock()):
        app = WizardApp(ConnectionSettings(), ExportRequest())

        async def take() -> str:
            async with app.run_test(size=size) as pilot:
                await walk_demo(pilot, until=SCENES[name], walk=FRESH_WALK)
                await wait_for_step(pilot, MOVES[SCENES[name]])
                hold_still(app)
                await pilot.pause(0.2)
                return app.export_screenshot(title=f"workmail-export: {name}")

        return asyncio.run(take())


def save_screenshots(out_dir: str | Path = "screenshots") -> list[Path]:
    """Write screenshots/setup-plan.svg and setup-applied.svg at 120x40, and the same at
    80x24 as *-80x24.svg; returns the paths."""
    return write_pictures(out_dir, SCENES, picture)
