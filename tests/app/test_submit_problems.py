"""What the person sees when AWS refuses the submit: each modeled WorkMail exception with its
name, message, request id, HTTP status and what to do; Retry with the same ClientToken; Edit
back to the step at fault."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from pilot_kit import BIG, SMALL, flat, good_request, keys, make_app, screen_text, settle, stage

from tui.core.model import Field
from tui.wizard.stages import Stage


def start_job_directly(world: Any, entity_id: str, token: str = "", **changes: str) -> str:
    """Another admin (or script) starts a job with boto3, outside the wizard."""
    params = good_request(world, entity_id=entity_id).api_params()
    params.update(changes)
    if token:
        params["ClientToken"] = token
    client = boto3.client("workmail", region_name=world.region)
    return str(client.start_mailbox_export_job(**params)["JobId"])


def ten_running_jobs(sim: Any, app: Any) -> None:
    for user in sim.world.user_ids[1:11]:
        start_job_directly(sim.world, user)


def repeat_within_a_day(sim: Any, app: Any) -> None:
    start_job_directly(sim.world, sim.world.enabled_user)


def organization_deleted(sim: Any, app: Any) -> None:
    del sim.workmail.directory.orgs[sim.world.org_id]


def organization_deactivated(sim: Any, app: Any) -> None:
    sim.workmail.directory.orgs[sim.world.org_id].state = "Inactive"


def mailbox_deleted(sim: Any, app: Any) -> None:
    sim.workmail.directory.orgs[sim.world.org_id].entities[sim.world.enabled_user].state = (
        "DELETED")


def token_used_for_another_request(sim: Any, app: Any) -> None:
    start_job_directly(sim.world, sim.world.enabled_user, token=app.state.request.client_token,
                       S3Prefix="elsewhere/")


async def open_review(pilot: Any) -> None:
    await settle(pilot)
    assert stage(pilot.app) is Stage.REVIEW, flat(screen_text(pilot.app))
    assert "error" not in screen_text(pilot.app)


async def submit_and_confirm(pilot: Any) -> None:
    await keys(pilot, "s")
    assert "Start the export job?" in screen_text(pilot.app)
    await keys(pilot, "y")


CASES: list[tuple[str, Callable[[Any, Any], None], str]] = [
    ("LimitExceededException", ten_running_jobs, "ten running jobs"),
    ("LimitExceededException", repeat_within_a_day, "same mailbox within 24 hours"),
    ("OrganizationNotFoundException", organization_deleted, "organization deleted"),
    ("OrganizationStateException", organization_deactivated, "organization deactivated"),
    ("EntityNotFoundException", mailbox_deleted, "mailbox deleted"),
    ("InvalidParameterException", token_used_for_another_request, "token reused"),
]


@pytest.mark.parametrize(("code", "break_it", "why"), CASES, ids=[c[2] for c in CASES])
async def test_a_refused_submit_shows_the_exception_with_its_details(
        sim: Any, code: str, break_it: Callable[[Any, Any], None], why: str) -> None:
    app = make_app(good_request(sim.world))
    async with app.run_test(size=BIG) as pilot:
        await open_review(pilot)
        break_it(sim, app)
        await submit_and_confirm(pilot)
        assert stage(app) is Stage.RESULT
        problem = app.state.problem
        assert problem is not None
        text = flat(screen_text(app))
        assert "AWS did not start the export job." in text
        assert f"Exception {code}" in text
        assert flat(problem.message) in text
        assert problem.request_id and f"Request id {problem.request_id}" in text
        assert f"HTTP status {problem.http_status}" in text and problem.http_status == 400
        assert problem.hint and flat(problem.hint) in text
        assert "Retry (r)" in text
        assert app.state.result is None


async def test_edit_after_entity_not_found_opens_the_mailbox_step_with_values_kept(
        sim: Any) -> None:
    request = good_request(sim.world)
    app = make_app(request)
    async with app.run_test(size=BIG) as pilot:
        await open_review(pilot)
        mailbox_deleted(sim, app)
        await submit_and_confirm(pilot)
        assert app.state.problem is not None and app.state.problem.field is Field.ENTITY
        assert "Edit Mailbox (e)" in screen_text(app)
        await keys(pilot, "e")
        assert stage(app) is Stage.MAILBOX
        assert app.state.request == request


async def test_retry_after_the_limit_frees_up_uses_the_same_client_token(sim: Any) -> None:
    app = make_app(good_request(sim.world))
    async with app.run_test(size=SMALL) as pilot:
        await open_review(pilot)
        ten_running_jobs(sim, app)
        await submit_and_confirm(pilot)
        assert app.state.problem is not None
        assert app.state.problem.code == "LimitExceededException"
        token = app.state.request.client_token
        blocker = sim.workmail.jobs(sim.world.org_id)[0]
        boto3.client("workmail", region_name="us-east-1").cancel_mailbox_export_job(
            ClientToken="cancel-1", JobId=blocker.job_id, OrganizationId=sim.world.org_id)
        await keys(pilot, "r")
        assert stage(app) is Stage.RESULT
        assert app.state.result is not None, flat(screen_text(app))
        mine = [j for j in sim.workmail.jobs(sim.world.org_id)
                if j.entity_id == sim.world.enabled_user]
        assert len(mine) == 1
        assert mine[0].client_token == token
        assert mine[0].job_id in screen_text(app)


def attempts_per_call(app: Any) -> int:
    """How many times botocore sends one call before it gives up (standard mode: 3)."""
    retries = app.aws.client("workmail").meta.config.retries or {}
    return int(retries.get("total_max_attempts") or retries.get("max_attempts", 2) + 1)


async def test_a_lost_response_then_retry_starts_one_job_with_one_job_id(sim: Any) -> None:
    app = make_app(good_request(sim.world))
    async with app.run_test(size=BIG) as pilot:
        await open_review(pilot)
        for _ in range(attempts_per_call(app)):  # every automatic attempt loses its answer
            sim.faults.lose_next_response("StartMailboxExportJob")
        await submit_and_confirm(pilot)
        assert stage(app) is Stage.RESULT
        assert app.state.problem is not None
        assert "Retry (r)" in screen_text(app)
        assert len(sim.workmail.jobs(sim.world.org_id)) == 1  # the service did start it
        await keys(pilot, "r")
        jobs = sim.workmail.jobs(sim.world.org_id)
        assert len(jobs) == 1
        assert app.state.result is not None
        assert app.state.result.job_id == jobs[0].job_id
        assert jobs[0].job_id in screen_text(app)
        assert "The export job is running." in screen_text(app)
