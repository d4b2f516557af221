"""`calls.submit`, which every face uses: a submit whose answer was lost lends its ClientToken
to the next submit of the same request, and the job's state is known before a face words it.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tui.core.journal import Journal
from tui.core.model import ConnectionSettings, CoreError, ExportRequest
from tui.core.session import MAX_ATTEMPTS, Aws, connect
from tui.wizard import calls
from tui.wizard.present import started_words


@pytest.fixture
def aws(sim: Any) -> Aws:
    return connect(ConnectionSettings(region=sim.world.region))


def request_for(sim: Any) -> ExportRequest:
    """A new request (its own new ClientToken) for the demo world's good export."""
    w = sim.world
    return ExportRequest(organization_id=w.org_id, entity_id=w.enabled_user,
                         role_arn=w.good_role_arn, kms_key_arn=w.good_key_arn,
                         bucket=w.good_bucket, prefix=w.good_prefix)


def lose_every_answer(sim: Any) -> None:
    for _ in range(MAX_ATTEMPTS):
        sim.faults.lose_next_response("StartMailboxExportJob")


def cancel(sim: Any, job_id: str) -> None:
    boto3.client("workmail", region_name="us-east-1").cancel_mailbox_export_job(
        ClientToken="cancel-1", JobId=job_id, OrganizationId=sim.world.org_id)


def test_a_new_submit_of_a_request_whose_answer_was_lost_reuses_its_token(
        sim: Any, aws: Aws) -> None:
    lost = request_for(sim)
    lose_every_answer(sim)
    with pytest.raises(CoreError) as raised:
        calls.submit(aws, lost, source="cli")
    assert raised.value.problem.client_token == lost.client_token
    [job] = sim.workmail.jobs(sim.world.org_id)

    again = request_for(sim)  # e.g. `start` run again: a new token of its own
    started = calls.submit(aws, again, source="cli")
    assert (started.job_id, started.client_token) == (job.job_id, lost.client_token)
    assert (started.replayed, started.state) == (True, "RUNNING")
    assert len(sim.workmail.jobs(sim.world.org_id)) == 1
    with Journal.open() as journal:
        entry = journal.find(job.job_id)
    assert entry is not None and entry.client_token == lost.client_token


def test_a_replayed_token_whose_job_ended_is_said_ended_not_running(sim: Any,
                                                                    aws: Aws) -> None:
    lost = request_for(sim)
    lose_every_answer(sim)
    with pytest.raises(CoreError):
        calls.submit(aws, lost, source="plain")
    [job] = sim.workmail.jobs(sim.world.org_id)
    cancel(sim, job.job_id)
    started = calls.submit(aws, request_for(sim), source="plain")
    assert (started.job_id, started.state) == (job.job_id, "CANCELLED")
    headline, note = started_words(started)
    assert headline == (f"⚠ This request had already started export job {job.job_id}, which "
                        "ended CANCELLED.")
    assert "started none" in note and "running" not in headline
    with Journal.open() as journal:
        entry = journal.find(job.job_id)
    assert entry is not None and entry.state == "CANCELLED"


def test_a_token_given_by_the_person_is_sent_as_given_and_its_job_described(
        sim: Any, aws: Aws) -> None:
    elsewhere = request_for(sim).with_changes(client_token="used-on-another-machine")
    job_id = boto3.client("workmail", region_name="us-east-1").start_mailbox_export_job(
        **elsewhere.api_params())["JobId"]
    cancel(sim, job_id)
    started = calls.submit(aws, elsewhere, source="cli", token_from_user=True)
    assert (started.job_id, started.client_token, started.state) == (
        job_id, "used-on-another-machine", "CANCELLED")


def test_a_state_that_cannot_be_read_is_never_called_running(sim: Any, aws: Aws) -> None:
    request = request_for(sim)
    calls.submit(aws, request, source="tui")
    sim.faults.deny("workmail", "DescribeMailboxExportJob")
    started = calls.submit(aws, request, source="tui")  # the same token again: a replay
    assert started.state == "" and "AccessDenied" in started.state_problem
    headline, note = started_words(started)
    assert headline == f"✓ AWS accepted the request: export job {started.job_id}."
    assert note.startswith("Its state could not be read (AccessDeniedException: ")
    assert "running" not in headline + note
