"""From launch to a JobId on the demo world, with the keys a person would press."""

from __future__ import annotations

from typing import Any

import pytest
from pilot_kit import BIG, SMALL, flat, keys, make_app, screen_text, settle, stage, type_text

from benchmarks.common import walk_presses
from tui.core.journal import Journal
from tui.wizard.stages import Stage

HAPPY_PREFIX = "exports/alice.wong/"  # the role allows exports/; the mailbox is alice.wong


async def walk_happy_path(pilot: Any, sim: Any) -> int:
    """Walk the demo world from launch to the JobId; returns the keys pressed."""
    app, world = pilot.app, sim.world
    pressed = 0

    async def press(*names: str) -> None:
        nonlocal pressed
        pressed += len(names)
        await keys(pilot, *names)

    await settle(pilot)
    assert stage(app) is Stage.CONNECTION
    assert "123456789012" in screen_text(app)
    await press("enter")
    assert stage(app) is Stage.ORGANIZATION
    assert "example-corp" in screen_text(app)
    await press("enter")
    assert stage(app) is Stage.MAILBOX
    pressed += len("al")
    await type_text(pilot, "al")
    assert "alice.wong@example-corp.awsapps.com" in screen_text(app)
    assert "amira" not in screen_text(app)  # the only mailbox starting with "al"
    await press("enter")
    assert stage(app) is Stage.ROLE, flat(screen_text(app))
    assert app.state.request.entity_id == world.enabled_user
    await press("enter")  # the first row: WorkMailExportRole, made for this organization
    assert stage(app) is Stage.KEY, flat(screen_text(app))
    assert app.state.request.role_arn == world.good_role_arn
    await press("enter")  # the first row: the key the role may use
    assert stage(app) is Stage.DESTINATION, flat(screen_text(app))
    assert app.state.request.kms_key_arn == world.good_key_arn
    await press("enter")  # the first row: example-corp-mail-export, the role may write to it
    # the prefix is filled in from the role's encryption-context condition, with the mailbox
    assert app.screen.query_one("#prefix").value == HAPPY_PREFIX  # type: ignore[attr-defined]
    assert f"s3://{world.good_bucket}/{HAPPY_PREFIX}…" in screen_text(app)
    await press("enter", "enter")
    assert stage(app) is Stage.REVIEW, flat(screen_text(app))
    assert "error" not in screen_text(app)
    await press("s")
    assert "Start the export job?" in screen_text(app)
    assert f"s3://{world.good_bucket}/{HAPPY_PREFIX}<JobId>.zip" in screen_text(app)
    await press("y")
    assert stage(app) is Stage.RESULT, flat(screen_text(app))
    return pressed


@pytest.mark.parametrize("size", [BIG, SMALL])
async def test_the_demo_happy_path_ends_with_a_job_id_the_service_knows(
        sim: Any, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await walk_happy_path(pilot, sim)
        jobs = sim.workmail.jobs(sim.world.org_id)
        assert len(jobs) == 1
        job = jobs[0]
        text = screen_text(app)
        assert "The export job is running." in text
        assert job.job_id in text
        assert job.entity_id == sim.world.enabled_user
        # Enter on the first row of each list: the role made for this organization, the key
        # and the bucket that role may use.
        world = sim.world
        assert (job.role_arn, job.kms_key_arn, job.bucket) == (
            world.good_role_arn, world.good_key_arn, world.good_bucket)
        assert job.prefix == HAPPY_PREFIX
        assert "Recorded in the journal at" in flat(text)
        with Journal.open() as journal:
            entry = journal.find(job.job_id)
        assert entry is not None
        assert entry.entity_name == "alice.wong"
        assert entry.entity_email == "alice.wong@example-corp.awsapps.com"
        await keys(pilot, "c")
        assert app.clipboard == job.job_id


async def test_the_happy_path_takes_few_keys(sim: Any) -> None:
    """Typing counted: the 2 letters of the search; the prefix is filled in."""
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        pressed = await walk_happy_path(pilot, sim)
    assert pressed == walk_presses() == 12
