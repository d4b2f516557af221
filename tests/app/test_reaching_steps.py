"""Every step stays within reach: an error that a later field causes (a role that may not
write to the bucket chosen) is fixed from that field's step, opened from its review row or
from the command palette; the palette lists every step and says what a closed one needs."""

from __future__ import annotations

from typing import Any

from pilot_kit import (
    BIG,
    SMALL,
    flat,
    go_to_step,
    keys,
    make_app,
    point_at,
    screen_text,
    settle,
    stage,
    toasts,
    type_text,
)

from tui.core.model import ExportRequest
from tui.wizard.stages import Stage

LOGS_BUCKET = "example-corp-logs"  # the demo role's policies do not allow it


async def walk_to_a_review_with_the_logs_bucket(pilot: Any, world: Any) -> None:
    """Issue 10.1's walk: WorkMailExportRole, alias/workmail-export, bucket
    example-corp-logs (prefix exports/), ctrl+n; the destination step warns that the role
    may not export there (its finding is the role's), and ctrl+n goes on anyway."""
    await settle(pilot)
    assert stage(pilot.app) is Stage.ROLE
    await point_at(pilot, world.good_role_arn)
    await keys(pilot, "enter")
    assert stage(pilot.app) is Stage.KEY
    await point_at(pilot, world.good_key_arn)
    await keys(pilot, "enter")
    assert stage(pilot.app) is Stage.DESTINATION
    await point_at(pilot, LOGS_BUCKET)
    await keys(pilot, "enter")
    await type_text(pilot, "exports/")
    await keys(pilot, "ctrl+n")
    assert "see the IAM role's finding" in flat(screen_text(pilot.app))
    await keys(pilot, "ctrl+n")
    assert stage(pilot.app) is Stage.REVIEW


def at_role_step(world: Any) -> ExportRequest:
    return ExportRequest(organization_id=world.org_id, entity_id=world.enabled_user)


async def test_the_bucket_row_of_a_review_whose_role_error_the_bucket_causes_opens_its_step(
        sim: Any) -> None:
    world = sim.world
    app = make_app(at_role_step(world))
    async with app.run_test(size=BIG) as pilot:
        await walk_to_a_review_with_the_logs_bucket(pilot, world)
        text = flat(screen_text(app))
        assert "IAM role ✗ error" in text
        assert "1 error(s) block the submit" in text
        await point_at(pilot, "bucket", table_id="fields")
        assert "Enter opens the Destination step to change it." in flat(screen_text(app))
        await keys(pilot, "enter")
        assert stage(app) is Stage.DESTINATION

        await point_at(pilot, world.good_bucket)  # the bucket the role may write to
        await keys(pilot, "enter", "enter", "enter")
        assert stage(app) is Stage.REVIEW
        text = flat(screen_text(app))
        assert "error(s) block the submit" not in text
        assert "IAM role ✓ ok" in text


async def test_from_the_role_step_the_palette_reaches_the_destination(sim: Any) -> None:
    world = sim.world
    app = make_app(at_role_step(world))
    async with app.run_test(size=SMALL) as pilot:
        await walk_to_a_review_with_the_logs_bucket(pilot, world)
        await point_at(pilot, "role", table_id="fields")
        await keys(pilot, "enter")
        assert stage(app) is Stage.ROLE
        text = flat(screen_text(app))
        assert f"may not do what an export needs: s3:AbortMultipartUpload, s3:PutObject on " \
               f"arn:aws:s3:::{LOGS_BUCKET}/*" in text
        assert "or change the key or destination (ctrl+p: Go to step)" in text
        await go_to_step(pilot, "Destination")
        assert stage(app) is Stage.DESTINATION


async def test_the_palette_names_every_step_and_what_a_closed_one_needs_first(sim: Any) -> None:
    world = sim.world
    app = make_app(at_role_step(world))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert stage(app) is Stage.ROLE
        await keys(pilot, "ctrl+p")
        await type_text(pilot, "go to step")
        text = screen_text(app)
        for name in ("Connection", "Organization", "Mailbox", "Key", "Destination", "Review"):
            assert f"Go to step: {name}" in text
        await type_text(pilot, ": dest")
        assert "opens once the Role step has a value" in flat(screen_text(app))
        await keys(pilot, "enter")
        assert stage(app) is Stage.ROLE
        assert "Choose the IAM role first: the Destination step needs it." in toasts(app)
