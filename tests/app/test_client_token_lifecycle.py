"""The ClientToken's life in the wizard: a token whose answer came is spent, so a submit after
the job ended is a new request; only a submit whose answer never came is sent again with its
token; and the result screen says the job's real state, never "running" for a job that ended.
"""

from __future__ import annotations

from typing import Any

import boto3
from pilot_kit import BIG, flat, good_request, keys, make_app, screen_text, settle, stage
from shots_monitor import FAST, JOB_SECONDS, open_monitor, prepared, until_text
from test_submit_problems import attempts_per_call, open_review, submit_and_confirm

from tui.app.jobs.job_timing import JobTiming
from tui.sim import SimulatedAws
from tui.wizard.stages import Stage


def wizard_on(sim: SimulatedAws) -> Any:
    prepared(sim)
    app = make_app(good_request(sim.world))
    app.job_timing = JobTiming(delay_scale=FAST, now=sim.clock.now)
    return app


def states(sim: SimulatedAws) -> list[tuple[str, str, str]]:
    """(JobId, state, ClientToken) of every job the service holds, oldest first."""
    return [(job.job_id, job.state(sim.clock.now()), job.client_token)
            for job in sim.workmail.jobs(sim.world.org_id)]


async def back_to_the_review_and_submit(pilot: Any) -> None:
    """esc (monitor -> result), esc (result -> review), s, y."""
    await pilot.press("escape")
    await settle(pilot)
    assert stage(pilot.app) is Stage.RESULT
    await pilot.press("escape")
    await settle(pilot)
    assert stage(pilot.app) is Stage.REVIEW
    await submit_and_confirm(pilot)


async def test_a_submit_after_cancelling_the_job_starts_a_new_job(sim: SimulatedAws) -> None:
    app = wizard_on(sim)
    async with app.run_test(size=BIG) as pilot:
        await open_review(pilot)
        await submit_and_confirm(pilot)  # s, y
        first = app.state.result.job_id
        await open_monitor(pilot)  # m
        await pilot.press("x")
        await until_text(pilot, "Cancel this export job?")
        await pilot.press("y")
        await until_text(pilot, "Cancelled: the export was stopped.")
        await back_to_the_review_and_submit(pilot)  # esc, esc, s, y
        assert stage(app) is Stage.RESULT
        second = app.state.result
        assert second is not None and second.job_id != first
        [(job_1, state_1, token_1), (job_2, state_2, token_2)] = states(sim)
        assert (job_1, state_1) == (first, "CANCELLED")
        assert (job_2, state_2) == (second.job_id, "RUNNING")
        assert token_1 != token_2 and second.client_token == token_2
        text = flat(screen_text(app))
        assert "✓ The export job is running." in text
        assert second.job_id in text and first not in text


async def test_a_submit_after_the_job_completed_is_a_new_request(sim: SimulatedAws) -> None:
    app = wizard_on(sim)
    async with app.run_test(size=BIG) as pilot:
        await open_review(pilot)
        await submit_and_confirm(pilot)
        await open_monitor(pilot)
        sim.clock.advance(JOB_SECONDS + 1)
        await until_text(pilot, "Completed: the mailbox is in S3.")
        await back_to_the_review_and_submit(pilot)
        # A new request for a mailbox exported today: AWS refuses it, and the screen says so
        # (it used to replay the token and call the finished job running).
        assert app.state.result is None and app.state.problem is not None
        assert app.state.problem.code == "LimitExceededException"
        text = flat(screen_text(app))
        assert "AWS did not start the export job." in text
        assert "The export job is running" not in text
        assert [state for _, state, _ in states(sim)] == ["COMPLETED"]


async def test_retry_after_a_lost_answer_shows_the_token_and_the_jobs_real_state(
        sim: SimulatedAws) -> None:
    app = wizard_on(sim)
    async with app.run_test(size=BIG) as pilot:
        await open_review(pilot)
        for _ in range(attempts_per_call(app)):  # every attempt loses its answer
            sim.faults.lose_next_response("StartMailboxExportJob")
        token = app.state.request.client_token
        await submit_and_confirm(pilot)
        problem = app.state.problem
        assert problem is not None and problem.outcome_unknown
        text = flat(screen_text(app))
        assert "⚠ The answer to the submit was lost: the export job may have started." in text
        assert "AWS did not start" not in text
        assert "The request may have reached AWS, so the export job may exist." in text
        assert f"ClientToken {token}" in text
        [(job_id, _, sent_token)] = states(sim)
        assert sent_token == token
        # Meanwhile someone cancels the job that the lost request started.
        boto3.client("workmail", region_name="us-east-1").cancel_mailbox_export_job(
            ClientToken="cancel-1", JobId=job_id, OrganizationId=sim.world.org_id)
        await keys(pilot, "r")
        assert app.state.result is not None and app.state.result.job_id == job_id
        assert app.state.result.state == "CANCELLED"
        text = flat(screen_text(app))
        assert f"⚠ This request had already started export job {job_id}, which ended " \
               "CANCELLED." in text
        assert "is running" not in text
        assert len(states(sim)) == 1
