"""Setup in the Textual wizard: from an account with nothing to a JobId, and each fix a step
offers (enable a key, block public access, fix a role) applied from its plan screen; the
simulator, not the app, judges the export that follows.

Snapshots pin the plan screen and the apply screen at 120x40 and 80x24."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pilot_kit import BIG, SMALL, flat, good_request, keys, make_app, point_at, screen_text, settle
from pilot_kit import stage as stage_of

from benchmarks.common import (
    FRESH_WALK,
    RESULT_READY,
    hold_still,
    wait_for_step,
    wait_for_text,
    walk_demo,
    walk_presses,
)
from tui.app.setup.apply_screen import ApplyScreen
from tui.app.setup.plan_screen import PlanScreen
from tui.app.steps.confirm_screen import ConfirmScreen
from tui.core.model import ExportRequest
from tui.sim import ManualClock, SimulatedAws
from tui.wizard.stages import Stage

MOVES = {move.step: move for move in FRESH_WALK}


@pytest.fixture
def fresh(isolated_aws_env: None, monkeypatch: pytest.MonkeyPatch,
          tmp_path: Path) -> Iterator[SimulatedAws]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKMAIL_EXPORT_STATE_DIR", "state")
    with SimulatedAws(world="fresh", clock=ManualClock()) as sim:
        yield sim


def job_state(sim: Any, organization_id: str) -> str:
    """Let the simulated clock run the one job of the organization to its end."""
    (job,) = sim.workmail.jobs(organization_id)
    sim.clock.advance(3600)
    return str(job.state(sim.clock.now())) + (f": {job.failure}" if job.failure else "")


async def test_from_nothing_to_a_job_id_with_setup_in_the_walk(fresh: SimulatedAws) -> None:
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await walk_demo(pilot, walk=FRESH_WALK)
        await wait_for_text(pilot, RESULT_READY, "the result")
        assert walk_presses(FRESH_WALK) <= 25
    request = app.state.request
    assert request.role_arn.endswith(":role/workmail-export/WorkMailExport-example-corp")
    assert request.bucket.startswith("example-corp-mail-exports-")
    assert job_state(fresh, request.organization_id) == "COMPLETED"


async def test_leaving_a_plan_changes_nothing(fresh: SimulatedAws) -> None:
    """The confirmation names what would be created; n, then Esc on the plan: nothing is."""
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await walk_demo(pilot, until="role-confirm", walk=FRESH_WALK)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert str(dialog.question) == ("Create a role for this export: Create role "
                                        "WorkMailExport-example-corp (1 call)?")
        await keys(pilot, "n")
        assert isinstance(app.screen, PlanScreen)
        await keys(pilot, "escape")
        assert stage_of(app) is Stage.ROLE
        assert app.state.request.role_arn == ""
    import boto3

    assert boto3.client("iam").list_roles()["Roles"] == []


def opened_at(world: Any, stage: Stage, **changes: str) -> ExportRequest:
    full = good_request(world, **changes)
    keep = {Stage.ROLE: 2, Stage.KEY: 3, Stage.DESTINATION: 4}[stage]
    names = ("organization_id", "entity_id", "role_arn", "kms_key_arn", "bucket", "prefix")
    return ExportRequest(**{n: getattr(full, n) for n in names[:keep]})


async def apply_fix(pilot: Any, title: str) -> None:
    """f, the plan (titled `title`), apply, confirm, and back to the step."""
    await keys(pilot, "f")
    assert isinstance(pilot.app.screen, PlanScreen), screen_text(pilot.app)
    assert title in screen_text(pilot.app)
    await keys(pilot, "a")
    await keys(pilot, "y")
    assert isinstance(pilot.app.screen, ApplyScreen)
    assert "Done:" in screen_text(pilot.app)
    await keys(pilot, "enter")


async def choose_row(pilot: Any, key: str) -> None:
    """Once the step has listed its choices, Enter on the row `key`."""
    await settle(pilot)
    await point_at(pilot, key)
    await keys(pilot, "enter")


@pytest.mark.parametrize(("stage", "handle", "title", "calls", "next_stage"), [
    (Stage.KEY, "disabled_key_arn", "Enable this key", "1 call", Stage.DESTINATION),
    (Stage.KEY, "pending_deletion_key_arn", "Cancel this key's deletion and enable it",
     "2 calls", Stage.DESTINATION),
    (Stage.ROLE, "untrusted_role_arn", "Fix this role", "1 call", Stage.KEY),
])
async def test_a_step_fixes_what_its_check_found(sim: Any, stage: Stage, handle: str,
                                                 title: str, calls: str,
                                                 next_stage: Stage) -> None:
    """The check's error names the fix (f), its plan is applied, the step checks again and
    moves on with the same (now repaired) value."""
    chosen = getattr(sim.world, handle)
    app = make_app(opened_at(sim.world, stage))
    async with app.run_test(size=BIG) as pilot:
        await choose_row(pilot, chosen)
        assert stage_of(app) is stage
        assert f"Or press f: {title} ({calls}, shown first)." in flat(screen_text(app))
        await apply_fix(pilot, title)
        assert stage_of(app) is next_stage
    request = app.state.request
    assert chosen in (request.role_arn, request.kms_key_arn)


async def test_public_access_is_blocked_from_the_destination_step(sim: Any) -> None:
    """The public bucket: Block Public Access and the role's grant for it in one plan; the
    export that follows COMPLETES on the simulator."""
    world = sim.world
    app = make_app(opened_at(world, Stage.DESTINATION))
    async with app.run_test(size=BIG) as pilot:
        await choose_row(pilot, world.public_bucket)
        step = app.screen
        step.query_one("#prefix").value = "exports/"  # type: ignore[attr-defined]
        step.query_one("#description").focus()
        await keys(pilot, "enter")
        assert "is public" in flat(screen_text(app))
        await apply_fix(pilot, "Block public access on this bucket and fix this role")
        # The public grant stays (the tool removes nothing); Block Public Access overrides it,
        # which the check words as a warning: ctrl+n goes on.
        assert "which its RestrictPublicBuckets setting overrides" in flat(screen_text(app))
        await keys(pilot, "ctrl+n")
        assert stage_of(app) is Stage.REVIEW, screen_text(app)
        await keys(pilot, "s")
        await keys(pilot, "y")
        await wait_for_text(pilot, RESULT_READY, "the result")
    assert job_state(sim, world.org_id) == "COMPLETED"


async def test_a_refused_call_stops_the_apply_and_says_what_to_do(fresh: SimulatedAws) -> None:
    fresh.faults.deny("iam", "CreateRole")
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await walk_demo(pilot, until="role-confirm", walk=FRESH_WALK)
        await keys(pilot, "y")
        await wait_for_text(pilot, "Stopped at call 1 of 1", "the failure")
        text = flat(screen_text(app))
        assert "could not apply: missing iam:CreateRole" in text
        assert "w on the plan writes the shell script" in text
        await keys(pilot, "enter")
        assert stage_of(app) is Stage.ROLE and app.state.request.role_arn == ""


# --- snapshots -----------------------------------------------------------------------------------


def shoot_fresh(snap_compare: Any, size: tuple[int, int], at: str) -> None:
    app = make_app()

    async def reach(pilot: Any) -> None:
        await walk_demo(pilot, until=at, walk=FRESH_WALK)
        await wait_for_step(pilot, MOVES[at])
        hold_still(pilot.app)

    assert snap_compare(app, terminal_size=size, run_before=reach)


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
@pytest.mark.parametrize("at", ["role-plan", "bucket-plan", "bucket-applied"])
def test_setup_screen_snapshots(snap_compare: Any, fresh: SimulatedAws, at: str,
                                size: tuple[int, int]) -> None:
    shoot_fresh(snap_compare, size, at)
