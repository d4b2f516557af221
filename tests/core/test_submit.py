"""Submitting an export against the simulator: job ids, refusals, idempotency, the journal."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tui.core.journal import Journal
from tui.core.model import AwsProblem, ConnectionSettings, CoreError, ExportRequest, Field
from tui.core.session import MAX_ATTEMPTS, Aws, connect
from tui.core.submit import start_export


@pytest.fixture
def aws(sim: Any) -> Aws:
    return connect(ConnectionSettings(region=sim.world.region))


@pytest.fixture
def request_(sim: Any) -> ExportRequest:
    world = sim.world
    return ExportRequest(organization_id=world.org_id, entity_id=world.enabled_user,
                         role_arn=world.good_role_arn, kms_key_arn=world.good_key_arn,
                         bucket=world.good_bucket, prefix=world.good_prefix,
                         description="test export")


def job_ids(sim: Any) -> list[str]:
    return [job.job_id for job in sim.workmail.jobs(sim.world.org_id)]


def test_a_good_request_starts_a_job_the_service_knows(
        sim: Any, aws: Aws, request_: ExportRequest) -> None:
    started = start_export(aws, request_)
    assert job_ids(sim) == [started.job_id]
    assert started.journal_warning == ""
    job = sim.workmail.jobs(sim.world.org_id)[0]
    assert (job.client_token, job.prefix, job.description) == (
        request_.client_token, request_.prefix, "test export")


def test_a_bad_field_is_refused_before_any_call(
        sim: Any, aws: Aws, request_: ExportRequest) -> None:
    calls_before = list(sim.workmail.calls)
    with pytest.raises(CoreError) as raised:
        start_export(aws, request_.with_changes(prefix="jane@example.com/", bucket=""))
    problem = raised.value.problem
    assert problem.field is Field.BUCKET
    assert problem.code == "InvalidValue"
    assert problem.message == "The bucket name is required, e.g. my-workmail-exports."
    assert "1 other wrong field(s) (prefix)" in problem.hint
    assert "nothing was sent to AWS" in problem.hint
    assert sim.workmail.calls == calls_before
    assert job_ids(sim) == []


# (change to the good request, expected code, expected field, phrase of the hint)
REFUSALS: list[tuple[dict[str, str], str, Field | None, str]] = [
    ({"organization_id": "m-" + "0" * 32}, "OrganizationNotFoundException", Field.ORGANIZATION,
     "No WorkMail organization has this id"),
    ({"organization_id": "inactive"}, "OrganizationStateException", Field.ORGANIZATION,
     "Pick an Active organization"),
    ({"entity_id": "nobody@nowhere.example"}, "EntityNotFoundException", Field.ENTITY,
     "Search for the mailbox again"),
    ({"entity_id": "group"}, "EntityNotFoundException", Field.ENTITY, "groups have no mailbox"),
]


@pytest.mark.parametrize(("change", "code", "field", "hint"), REFUSALS)
def test_modeled_refusals_come_back_as_problems_with_field_and_hint(
        sim: Any, aws: Aws, request_: ExportRequest, change: dict[str, str], code: str,
        field: Field | None, hint: str) -> None:
    handles = {"inactive": sim.world.inactive_org_id, "group": sim.world.group_id}
    changed = request_.with_changes(**{k: handles.get(v, v) for k, v in change.items()})
    with pytest.raises(CoreError) as raised:
        start_export(aws, changed)
    problem = raised.value.problem
    assert (problem.code, problem.field, problem.http_status) == (code, field, 400)
    assert hint in problem.hint
    assert problem.request_id
    assert problem.operation == "workmail:StartMailboxExportJob"


def test_a_second_export_of_a_mailbox_within_a_day_is_a_limit_with_a_hint(
        sim: Any, aws: Aws, request_: ExportRequest) -> None:
    start_export(aws, request_)
    with pytest.raises(CoreError) as raised:
        start_export(aws, request_.with_changes(description="again"))
    problem = raised.value.problem
    assert problem.code == "LimitExceededException"
    assert "once every 24 hours" in problem.hint
    assert len(job_ids(sim)) == 1


def test_a_reused_token_with_other_values_is_an_invalid_parameter(
        sim: Any, aws: Aws, request_: ExportRequest) -> None:
    start_export(aws, request_)
    same_token = dataclasses.replace(request_, description="other")
    with pytest.raises(CoreError) as raised:
        start_export(aws, same_token)
    assert raised.value.problem.code == "InvalidParameterException"
    assert "Correct the value" in raised.value.problem.hint


def test_a_lost_response_is_retried_with_the_same_token_and_starts_one_job(
        sim: Any, aws: Aws, request_: ExportRequest) -> None:
    sim.faults.lose_next_response("StartMailboxExportJob")
    started = start_export(aws, request_)
    assert sim.workmail.calls.count("StartMailboxExportJob") == 2
    assert job_ids(sim) == [started.job_id]


def test_a_retry_of_the_same_request_returns_the_same_job(
        sim: Any, aws: Aws, request_: ExportRequest) -> None:
    first = start_export(aws, request_)
    again = start_export(aws, request_)
    assert again.job_id == first.job_id
    assert job_ids(sim) == [first.job_id]


def test_throttling_is_retried_within_the_call_with_the_same_token(
        sim: Any, aws: Aws, request_: ExportRequest) -> None:
    bodies: list[bytes] = []

    def throttle_only_the_first_attempt(request: Any, **_: Any) -> None:
        bodies.append(request.body)
        sim.faults.throttle_rate = 1.0 if len(bodies) == 1 else 0.0

    aws.client("workmail").meta.events.register(
        "before-sign.workmail.StartMailboxExportJob", throttle_only_the_first_attempt)
    started = start_export(aws, request_)
    assert len(bodies) == 2 and bodies[0] == bodies[1]
    assert request_.client_token.encode() in bodies[0]
    assert job_ids(sim) == [started.job_id]


def test_a_face_that_retries_after_a_failed_call_gets_the_job_started_by_the_lost_one(
        sim: Any, aws: Aws, request_: ExportRequest) -> None:
    for _ in range(3):  # botocore's standard mode makes 3 attempts: all answers are lost
        sim.faults.lose_next_response("StartMailboxExportJob")
    with pytest.raises(CoreError) as raised:
        start_export(aws, request_)
    assert raised.value.problem.code == "ConnectionClosed"
    assert len(job_ids(sim)) == 1
    assert start_export(aws, request_).job_id == job_ids(sim)[0]


class Recorder:
    """Notes what it was told, and what the simulator held at that moment."""

    def __init__(self, sim: Any, fail_with: BaseException | None = None) -> None:
        self.sim = sim
        self.fail_with = fail_with
        self.events: list[tuple[str, Any, int]] = []

    def record_submit(self, request: ExportRequest, region: str) -> bool:
        self.events.append(("submit", (request.client_token, region), len(job_ids(self.sim))))
        if self.fail_with:
            raise self.fail_with
        return True

    def record_started(self, client_token: str, job_id: str) -> None:
        self.events.append(("started", (client_token, job_id), len(job_ids(self.sim))))

    def record_refused(self, client_token: str, problem: AwsProblem) -> None:
        self.events.append(("refused", (client_token, problem.code), len(job_ids(self.sim))))


def test_the_recorder_hears_of_the_submit_before_the_call_and_of_the_job_before_return(
        sim: Any, aws: Aws, request_: ExportRequest) -> None:
    recorder = Recorder(sim)
    started = start_export(aws, request_, recorder)
    token = request_.client_token
    assert recorder.events == [("submit", (token, "us-east-1"), 0),
                               ("started", (token, started.job_id), 1)]


@pytest.mark.parametrize("failure", [
    OSError(28, "No space left on device"),
    sqlite3.OperationalError("database is locked"),
])
def test_a_recorder_that_fails_still_yields_the_job_with_a_warning(
        sim: Any, aws: Aws, request_: ExportRequest, failure: BaseException) -> None:
    started = start_export(aws, request_, Recorder(sim, fail_with=failure))
    assert job_ids(sim) == [started.job_id]
    assert started.journal_warning.startswith(
        f"Export job {started.job_id} started, but the local journal could not record it (")
    assert str(failure) in started.journal_warning


def test_the_real_journal_records_the_started_job(
        sim: Any, aws: Aws, request_: ExportRequest, tmp_path: Path) -> None:
    with Journal.open(tmp_path / "jobs.sqlite3") as journal:
        started = start_export(aws, request_, journal)
        entry = journal.find(started.job_id)
    assert started.journal_warning == ""
    assert entry is not None
    assert (entry.client_token, entry.organization_id, entry.region) == (
        request_.client_token, request_.organization_id, "us-east-1")


def test_a_journal_that_cannot_write_still_yields_the_job_with_a_warning(
        sim: Any, aws: Aws, request_: ExportRequest, tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "jobs.sqlite3")
    journal.close()  # every write now fails inside the journal
    started = start_export(aws, request_, journal)
    assert job_ids(sim) == [started.job_id]
    assert "local journal could not record it" in started.journal_warning
    assert str(tmp_path / "jobs.sqlite3") in started.journal_warning


def test_a_start_whose_every_answer_is_lost_carries_its_token_and_stays_unanswered(
        sim: Any, aws: Aws, request_: ExportRequest, tmp_path: Path) -> None:
    for _ in range(MAX_ATTEMPTS):
        sim.faults.lose_next_response("StartMailboxExportJob")
    with Journal.open(tmp_path / "jobs.sqlite3") as journal:
        with pytest.raises(CoreError) as raised:
            start_export(aws, request_, journal)
        problem = raised.value.problem
        assert problem.outcome_unknown and problem.client_token == request_.client_token
        assert problem.hint.startswith("The request may have reached AWS")
        assert journal.unanswered_token(request_.with_changes(client_token="other"),
                                        "us-east-1") == request_.client_token
    assert len(job_ids(sim)) == 1  # it did reach AWS


def test_a_refused_start_is_recorded_as_refused_and_carries_no_token(
        sim: Any, aws: Aws, request_: ExportRequest) -> None:
    start_export(aws, request_)
    recorder = Recorder(sim)
    again = request_.with_changes(client_token="a-new-request")
    with pytest.raises(CoreError) as raised:
        start_export(aws, again, recorder)  # the same mailbox within a day
    assert raised.value.problem.client_token == ""
    assert not raised.value.problem.outcome_unknown
    assert recorder.events[-1] == ("refused", ("a-new-request", "LimitExceededException"), 1)


def test_a_first_send_is_known_running_and_a_repeated_token_is_not_assumed_so(
        sim: Any, aws: Aws, request_: ExportRequest, tmp_path: Path) -> None:
    with Journal.open(tmp_path / "jobs.sqlite3") as journal:
        first = start_export(aws, request_, journal)
        again = start_export(aws, request_, journal)
    assert (first.state, first.replayed, first.client_token) == (
        "RUNNING", False, request_.client_token)
    assert (again.job_id, again.state, again.replayed) == (first.job_id, "", True)
    other_mailbox = request_.with_changes(entity_id=sim.world.user_ids[1])
    assert start_export(aws, other_mailbox).state == ""  # no journal to tell: unknown
