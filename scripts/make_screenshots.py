"""Save an SVG picture of every wizard step of the demo into a folder (default: screenshots/).

    python scripts/make_screenshots.py [OUT_DIR]

It runs the wizard headless on the simulated demo world (manual clock, so the pictures are
the same every time), walks the demo happy path with the keys a person presses (the same walk
as the snapshot tests and the tmux test, `benchmarks.common.DEMO_WALK`) and saves the screen
of each step once its data has loaded: 120x40 for every step, 80x24 for a few. Then one
refused submit (ten jobs already running) shows the error result. The monitor, job-list and
bulk-export and setup pictures come from `save_screenshots(out_dir)` of the scene modules
beside their tests (tests/app/shots_monitor.py, shots_bulk.py, shots_setup.py).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmarks.common, when run as a script from anywhere
sys.path.insert(0, str(ROOT / "tests" / "app"))  # the monitor, jobs and bulk scenes

from benchmarks.common import (  # noqa: E402
    DEMO_WALK,
    REQUEST_ID_MODULES,
    Move,
    counted_uuid,
    dummy_aws_env,
    hold_still,
    play,
    ten_running_jobs,
    wait_for_step,
    wait_for_text,
    walk_demo,
)

BIG = (120, 40)
SMALL = (80, 24)
# Picture names of the walk's steps (steps not listed here are not saved).
NAMES = {
    "connection": "01-connection", "organization": "02-organization",
    "mailbox-search": "03-mailbox-search", "role": "04-role", "key": "05-key",
    "destination-filled": "06-destination", "review": "07-review", "confirm": "08-confirm",
}
RESULT_NAME = "09-result-job-id"
ERROR_NAME = "10-result-refused"
SMALL_STEPS = ("connection", "mailbox-search", "role", "key", "destination-filled", "review")
# The scenes of the other screens, each module with save_screenshots(out_dir) -> paths:
# the job monitor and job list, the bulk export, setup (plan and apply), and
# verify/download/inspect.
OTHER_SCREENSHOTS = ("shots_monitor", "shots_bulk", "shots_setup", "shots_retrieve")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=ROOT / "screenshots")
    out_dir: Path = parser.parse_args(argv).out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir = out_dir.resolve()
    os.environ.update(dummy_aws_env())
    steady_request_ids()
    saved = asyncio.run(save_wizard(out_dir))
    saved += save_other_screens(out_dir)
    for path in saved:
        print(path.relative_to(out_dir.parent) if out_dir.parent in path.parents else path)
    return 0


def steady_request_ids() -> None:
    """Request ids from a counter, so the error picture is the same every time."""
    counted = counted_uuid()
    for name in REQUEST_ID_MODULES:
        importlib.import_module(name).uuid = counted  # type: ignore[attr-defined]


Drive = Callable[[Any, Any], Awaitable[None]]


async def on_demo(size: tuple[int, int], drive: Drive) -> None:
    """Run the wizard on a fresh demo world at `size` and let `drive(pilot, sim)` steer."""
    from tui.app.wizard_app import WizardApp
    from tui.core.model import ConnectionSettings, ExportRequest
    from tui.sim import ManualClock, SimulatedAws

    # A journal of its own for each walk (the seeded simulator gives each walk the same
    # JobId), at a relative path so the result pictures do not show a temporary folder.
    with tempfile.TemporaryDirectory() as home, \
            SimulatedAws(world="demo", clock=ManualClock()) as sim:
        was = Path.cwd()
        os.chdir(home)
        os.environ["WORKMAIL_EXPORT_STATE_DIR"] = "state"
        try:
            app = WizardApp(ConnectionSettings(), ExportRequest())
            async with app.run_test(size=size) as pilot:
                await drive(pilot, sim)
        finally:
            os.chdir(was)


def save(app: Any, out_dir: Path, name: str, saved: list[Path]) -> None:
    hold_still(app)
    path = out_dir / f"{name}.svg"
    path.write_text(app.export_screenshot(title=f"workmail-export · {name[3:]}"),
                    encoding="utf-8")
    saved.append(path)


async def save_wizard(out_dir: Path) -> list[Path]:
    saved: list[Path] = []

    async def every_step(pilot: Any, sim: Any) -> None:
        async def shoot(move: Move) -> None:
            if move.step in NAMES:
                save(pilot.app, out_dir, NAMES[move.step], saved)

        await walk_demo(pilot, on_step=shoot)
        save(pilot.app, out_dir, RESULT_NAME, saved)

    async def a_few_small(pilot: Any, sim: Any) -> None:
        async def shoot(move: Move) -> None:
            if move.step in SMALL_STEPS:
                save(pilot.app, out_dir, f"{NAMES[move.step]}-80x24", saved)

        await walk_demo(pilot, on_step=shoot)
        save(pilot.app, out_dir, f"{RESULT_NAME}-80x24", saved)

    async def refused(pilot: Any, sim: Any) -> None:
        for move in DEMO_WALK:
            await wait_for_step(pilot, move)
            if move.step == "confirm":
                ten_running_jobs(sim)
            await play(pilot, move)
        await wait_for_text(pilot, "LimitExceededException", "the refused submit")
        save(pilot.app, out_dir, ERROR_NAME, saved)

    await on_demo(BIG, every_step)
    await on_demo(SMALL, a_few_small)
    await on_demo(BIG, refused)
    return saved


def save_other_screens(out_dir: Path) -> list[Path]:
    """The monitor, jobs and bulk pictures, from the modules that hold those scenes."""
    saved: list[Path] = []
    for name in OTHER_SCREENSHOTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            print(f"note: no {name} module: its pictures were not made", file=sys.stderr)
            continue
        saved += [Path(path) for path in module.save_screenshots(out_dir)]
    return saved


if __name__ == "__main__":
    raise SystemExit(main())
