"""Snapshot tests: the look of every wizard step on the demo world, pinned as SVG.

Each test opens the wizard prefilled up to the step (so it opens there, as `--organization ...`
would) or plays the demo walk's keys to reach it, then compares the screen with the SVG in
`__snapshots__/`. Regenerate after a deliberate change with
`pytest tests/app/test_snapshots.py --snapshot-update`, and look at the SVGs.

What would make a snapshot differ from run to run is pinned: the simulator's clock is manual,
its JobIds come from a seeded generator, the journal lives at a relative path, and the request
ids of AWS's answers come from a counter here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pilot_kit import BIG, SMALL, good_request, make_app

from benchmarks.common import (
    DEMO_WALK,
    REQUEST_ID_MODULES,
    RESULT_READY,
    counted_uuid,
    hold_still,
    play,
    ten_running_jobs,
    wait_for_step,
    wait_for_text,
    wait_until,
)
from tui.core.model import ExportRequest

MOVES = {move.step: move for move in DEMO_WALK}
ORDER = ("organization_id", "entity_id", "role_arn", "kms_key_arn", "bucket", "prefix")


@pytest.fixture(autouse=True)
def steady_screen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing on screen that changes between runs: a relative journal path, counted ids."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKMAIL_EXPORT_STATE_DIR", "state")
    counted = counted_uuid()
    for name in REQUEST_ID_MODULES:
        monkeypatch.setattr(f"{name}.uuid", counted)


def prefilled(world: Any, through: str | None) -> ExportRequest:
    """The good request's fields up to and including `through` (None: nothing)."""
    if through is None:
        return ExportRequest()
    full = good_request(world)
    kept = ORDER[: ORDER.index(through) + 1]
    return ExportRequest(**{name: getattr(full, name) for name in kept})


def shoot(snap_compare: Any, sim: Any, size: tuple[int, int], through: str | None,
          steps: tuple[str, ...], ready: str,
          before_steps: Callable[[Any], None] | None = None) -> None:
    """Open the wizard prefilled `through` a field, play the demo moves `steps`, and compare
    the screen once `ready` shows (a step of the walk is ready, or a text is on screen)."""
    app = make_app(prefilled(sim.world, through))

    async def reach(pilot: Any) -> None:
        for step in steps:
            move = MOVES[step]
            await wait_for_step(pilot, move)
            if step == steps[-1] and before_steps is not None:
                before_steps(sim)
            await play(pilot, move)
        shown = MOVES[ready].is_ready if ready in MOVES else lambda screen: ready in screen
        await wait_until(pilot, shown, f"the screen to shoot ({ready})")
        hold_still(pilot.app)

    assert snap_compare(app, terminal_size=size, run_before=reach)


STEP_SHOTS = [  # the step (shot once it is ready), prefilled through, moves played before
    ("connection", None, ()),
    ("organization", None, ("connection",)),
    ("mailbox", "organization_id", ()),
    ("mailbox-search", "organization_id", ("mailbox",)),
    ("role", "entity_id", ()),
    ("key", "role_arn", ()),
    ("destination", "kms_key_arn", ()),
    ("destination-filled", "kms_key_arn", ("destination",)),
    ("review", "prefix", ()),
    ("confirm", "prefix", ("review",)),
]


@pytest.mark.parametrize(("step", "through", "steps"), STEP_SHOTS, ids=[s[0] for s in STEP_SHOTS])
def test_each_step_at_120x40(snap_compare: Any, sim: Any, step: str, through: str | None,
                             steps: tuple[str, ...]) -> None:
    shoot(snap_compare, sim, BIG, through, steps, step)


def test_result_with_the_job_id(snap_compare: Any, sim: Any) -> None:
    shoot(snap_compare, sim, BIG, "prefix", ("review", "confirm"), RESULT_READY)
    jobs = sim.workmail.jobs(sim.world.org_id)
    assert len(jobs) == 1


def test_result_when_aws_refuses(snap_compare: Any, sim: Any) -> None:
    shoot(snap_compare, sim, BIG, "prefix", ("review", "confirm"),
          "LimitExceededException", before_steps=ten_running_jobs)


def test_review_with_a_role_that_cannot_use_the_key(snap_compare: Any, sim: Any) -> None:
    app = make_app(good_request(sim.world, role_arn=sim.world.no_kms_role_arn))

    async def reach(pilot: Any) -> None:
        await wait_for_text(pilot, "✗", "the review's error")
        hold_still(pilot.app)

    assert snap_compare(app, terminal_size=BIG, run_before=reach)


SMALL_SHOTS = [s for s in STEP_SHOTS if s[0] in (
    "connection", "mailbox-search", "role", "key", "destination-filled", "review")]


@pytest.mark.parametrize(("step", "through", "steps"), SMALL_SHOTS,
                         ids=[s[0] for s in SMALL_SHOTS])
def test_steps_at_80x24(snap_compare: Any, sim: Any, step: str, through: str | None,
                        steps: tuple[str, ...]) -> None:
    shoot(snap_compare, sim, SMALL, through, steps, step)


def test_result_at_80x24(snap_compare: Any, sim: Any) -> None:
    shoot(snap_compare, sim, SMALL, "prefix", ("review", "confirm"), RESULT_READY)
