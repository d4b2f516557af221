"""The plain face through each refusal: an inactive organization, a group or deleted mailbox,
a bad prefix typed, a misconfigured role caught at the review, a failed submit, Ctrl-C and a
closed stdin. Each ends with what a person at the terminal would read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from fake_endpoint import HANG, FakeEndpoint
from plain_driver import CLOSE, CTRL_C, CTRL_U, DOWN, ENTER, run_plain

from tui.core.model import ConnectionSettings, ExportRequest
from tui.core.session import MAX_ATTEMPTS


def good_request(sim: Any, **changes: str) -> ExportRequest:
    world = sim.world
    return ExportRequest(organization_id=world.org_id, entity_id="alice.wong",
                         role_arn=world.good_role_arn, kms_key_arn=world.good_key_arn,
                         bucket=world.good_bucket, prefix=world.good_prefix).with_changes(
        **changes)


def test_an_inactive_organization_is_refused_then_changed_at_the_review(
        sim: Any, plain: Any) -> None:
    run = plain([
        ("What now?", ENTER),  # the pointer starts on the step at fault
        ("Organization:", ENTER),
        ("Mailbox (start of a name, display name or email):", "alice.wong" + ENTER),
        ("What now?", ENTER),
        ("Start the export of", "y"),
    ], prefill=good_request(sim, organization_id=sim.world.inactive_org_id))
    assert (run.missed, run.code) == ([], 0)
    review = run.screen.split("What now?")[0]
    assert f"  ✗ Organization {sim.world.inactive_org_id}\n" in review
    assert (f"  ✗ Organization example-corp-archive ({sim.world.inactive_org_id}) is Inactive; "
            "only an Active organization accepts export jobs.") in review
    assert "» Change: the organization" in run.screen
    # the organization list shows why the inactive one cannot be chosen
    assert ("- example-corp-archive (" in run.screen
            and "(Its state is Inactive; only an Active organization accepts export jobs.)"
            in run.screen)
    [job] = sim.workmail.jobs(sim.world.org_id)
    assert f"JobId  {job.job_id}" in run.screen


def test_a_group_and_a_deleted_mailbox_are_refused_until_ctrl_c(
        sim: Any, plain: Any, capsys: pytest.CaptureFixture[str]) -> None:
    run = plain([
        ("Organization:", ENTER),
        ("Mailbox (start of a name, display name or email):", "all-staff" + ENTER),
        # the refused answer is offered again to edit; Ctrl-U clears it
        ("Mailbox (start of a name, display name or email):",
         CTRL_U + sim.world.deleted_user + ENTER),
        ("Mailbox (start of a name, display name or email):", CTRL_C),
    ])
    assert (run.missed, run.code) == ([], 130)
    assert "✗ all-staff <all-staff@example-corp.awsapps.com> is a group; groups have no " \
           "mailbox." in run.screen
    assert "  Fix: Export the mailboxes of the group's members one by one." in run.screen
    assert "is deleted; its mailbox can no longer be exported." in run.screen
    assert capsys.readouterr().err == "workmail-export: interrupted; nothing was submitted.\n"
    assert sim.workmail.jobs(sim.world.org_id) == []


def test_a_bad_prefix_is_refused_as_typed_then_quit_without_submitting(
        sim: Any, plain: Any) -> None:
    request = good_request(sim, prefix="")
    run = plain([
        ("S3 bucket:", ENTER),  # the prefilled bucket is pointed at
        ("S3 prefix:", "jane@example.com/" + ENTER),
        ("S3 prefixes may not contain @", CTRL_U + "exports/jane/" + ENTER),
        ("Description (optional):", ENTER),
        ("What now?", "quit" + ENTER),
    ], prefill=request)
    assert (run.missed, run.code) == ([], 130)
    assert "Lands at s3://example-corp-mail-export/exports/jane/…" in run.screen
    assert run.screen.rstrip().endswith("Nothing was submitted.")
    assert sim.workmail.jobs(sim.world.org_id) == []


def test_a_misconfigured_role_is_caught_at_the_review_and_changed(sim: Any, plain: Any) -> None:
    run = plain([
        ("What now?", ENTER),  # on "Change: the IAM role"
        ("IAM role:", "WorkMailExportRole (trusts" + ENTER),
        ("What now?", ENTER),
        ("Start the export of", "y"),
    ], prefill=good_request(sim, role_arn=sim.world.no_kms_role_arn))
    assert (run.missed, run.code) == ([], 0)
    first_review = run.screen.split("? What now?")[0]
    assert "  ✗ IAM role     arn:aws:iam::123456789012:role/WorkMailExportNoKms" in first_review
    assert "✗ The role WorkMailExportNoKms may not do what an export needs" in first_review
    assert "  Policy to add:" in first_review
    assert "- Submit the export job (1 error(s) must be fixed first)" in run.screen
    [job] = sim.workmail.jobs(sim.world.org_id)
    assert job.role_arn == sim.world.good_role_arn


def test_a_refused_submit_shows_the_exception_details_and_exits_1(
        sim: Any, plain: Any) -> None:
    request = good_request(sim)
    boto3.client("workmail", region_name="us-east-1").start_mailbox_export_job(
        **request.with_changes(client_token="earlier-today").api_params())
    run = plain([
        ("What now?", ENTER),
        ("Start the export of", "y"),
        ("Retry (same ClientToken", "quit" + ENTER),
    ], prefill=request)
    assert (run.missed, run.code) == ([], 1)
    result = run.screen.split("✗ AWS did not start the export job.")[1]
    assert "  Exception    LimitExceededException" in result
    assert "  Operation    workmail:StartMailboxExportJob" in result
    assert "  Request id   " in result and "  HTTP status  400" in result
    assert "  What to do   An organization runs at most 10 export jobs at a time" in result
    assert len(sim.workmail.jobs(sim.world.org_id)) == 1


def test_a_closed_stdin_ends_with_one_line_and_exit_130(
        sim: Any, plain: Any, capsys: pytest.CaptureFixture[str]) -> None:
    run = plain([("Organization:", CLOSE)])
    assert (run.missed, run.code) == ([], 130)
    assert capsys.readouterr().err == (
        "workmail-export: no more input (stdin is closed); nothing was submitted. Scripts use "
        "the commands instead: workmail-export check / start.\n")


def test_plain_mode_with_stdin_closed_in_a_real_process_is_one_line() -> None:
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-m", "tui", "--plain", "--demo"],
                            capture_output=True, text=True, timeout=60, cwd=root,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 130
    assert result.stderr == (
        "workmail-export: no more input (stdin is closed); nothing was submitted. Scripts use "
        "the commands instead: workmail-export check / start.\n")
    assert "Listing organizations…" in result.stdout


def test_a_hung_aws_is_said_while_waiting_then_given_up(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    with FakeEndpoint(HANG) as fake:
        run = run_plain([("What now?", DOWN + ENTER)],  # Quit
                        settings=ConnectionSettings(endpoint_url=fake.url, timeout=0.5,
                                                    region="us-east-1"))
    assert (run.missed, run.code) == ([], 1)
    assert "Connected to account 123456789012" in run.screen
    waited = run.screen.split("Listing organizations…")[1].split("✗ AWS could not answer.")[0]
    assert "waiting for AWS to answer workmail:ListOrganizations (" in waited
    assert "  Exception    ReadTimeout" in run.screen
    assert "allow more time with --timeout SECONDS" in run.screen


def test_a_review_with_checks_that_could_not_be_made_says_not_verified(sim: Any,
                                                                       plain: Any) -> None:
    sim.faults.deny("iam", "GetRole")
    run = plain([("What now?", "quit" + ENTER)], prefill=good_request(sim))
    assert run.missed == []
    review = run.screen.split("7/7 Review and submit")[1].split("What now?")[0]
    assert "  ○ IAM role" in review
    assert ("⚠ Not verified: the checks of IAM role and Prefix could not be made (marked ○), "
            "so the export may still fail. Submit only if you know those values are right."
            ) in review


def test_a_lost_answer_then_a_new_walk_reuses_its_token_and_says_the_real_state(
        sim: Any, plain: Any) -> None:
    for _ in range(MAX_ATTEMPTS):  # every attempt of the submit loses its answer
        sim.faults.lose_next_response("StartMailboxExportJob")
    lost = plain([("What now?", ENTER), ("Start the export of", "y"),
                  ("What now?", "quit" + ENTER)], prefill=good_request(sim))
    [job] = sim.workmail.jobs(sim.world.org_id)
    assert (lost.missed, lost.code) == ([], 1)
    assert f"  ClientToken  {job.client_token}" in lost.screen
    assert "⚠ The answer to the submit was lost: the export job may have started." in \
        lost.screen
    assert "AWS did not start" not in lost.screen
    assert "The request may have reached AWS, so the export job may exist." in lost.screen
    boto3.client("workmail", region_name="us-east-1").cancel_mailbox_export_job(
        ClientToken="cancel-1", JobId=job.job_id, OrganizationId=sim.world.org_id)

    again = plain([("What now?", ENTER), ("Start the export of", "y")],
                  prefill=good_request(sim))  # a new walk: a new request, a new token
    assert (again.missed, again.code) == ([], 0)
    result = again.screen.split("Submitting…")[1]
    assert (f"⚠ This request had already started export job {job.job_id}, which ended "
            "CANCELLED.") in result
    assert "is running" not in result
    assert len(sim.workmail.jobs(sim.world.org_id)) == 1
