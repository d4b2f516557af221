"""Snapshots that pin the look of the bulk path's screens that hold still: the bulk step,
the review of one organization's plan (sizes, order, disabled mailboxes, the estimate) and
the review of several organizations at once, at 120x40 and 80x24.

The scenes are the screenshots' own (shots_bulk, shots_orgs): the simulator's ManualClock
and seeded sizes make every number on them the same at each run. The screens with a run in
progress are left to the pilot tests (a running run moves between two pictures).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from shots_bulk import JOB_SECONDS, bulk_app, to_bulk_choice, to_plan
from shots_monitor import BIG, SMALL, _private_state
from shots_orgs import orgs_world_app, to_orgs_plan

from tui.sim import ManualClock, SimulatedAws


@pytest.fixture
def private_state() -> Iterator[None]:
    with _private_state():
        yield


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
@pytest.mark.parametrize("scene", ["bulk-choose", "bulk-plan"])
def test_one_organization_bulk_snapshots(private_state: None, tmp_path: Path,
                                         snap_compare: Any, scene: str,
                                         size: tuple[int, int]) -> None:
    with SimulatedAws(world="demo", clock=ManualClock()) as sim:
        sim.workmail.set_job_duration(JOB_SECONDS)
        reach = to_plan if scene == "bulk-plan" else to_bulk_choice
        assert snap_compare(bulk_app(sim, tmp_path), terminal_size=size, run_before=reach)


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
def test_several_organizations_plan_snapshot(private_state: None, tmp_path: Path,
                                             snap_compare: Any, size: tuple[int, int]) -> None:
    with SimulatedAws(world="orgs", clock=ManualClock()) as sim:
        app = orgs_world_app(sim, tmp_path)
        assert snap_compare(app, terminal_size=size, run_before=to_orgs_plan)
