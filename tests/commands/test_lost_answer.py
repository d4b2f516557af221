"""A lost answer to StartMailboxExportJob, as a script meets it: the request may have reached
AWS, so `start` prints the ClientToken and the exact retry command; a plain retry reuses that
token by itself; `jobs` then names the mailbox; a replay never calls an ended job running."""

from __future__ import annotations

import json
import shlex
from typing import Any

import boto3
from cli_runner import Cli, export_flags

from tui.commands.start import retry_command
from tui.core.model import ConnectionSettings, ExportRequest
from tui.core.session import MAX_ATTEMPTS, connect


def lose_every_answer(sim: Any) -> None:
    for _ in range(MAX_ATTEMPTS):
        sim.faults.lose_next_response("StartMailboxExportJob")


def the_job(sim: Any) -> Any:
    [job] = sim.workmail.jobs(sim.world.org_id)
    return job


def test_a_lost_answer_prints_the_token_and_a_retry_command_that_gets_the_job(
        sim: Any, cli: Cli) -> None:
    lose_every_answer(sim)
    lost = cli("start", *export_flags(sim))
    job = the_job(sim)  # the request did reach AWS
    assert (lost.returncode, lost.stdout) == (1, "")
    lines = lost.stderr.splitlines()
    assert lines[0].startswith("workmail-export: ConnectionClosed: ")
    assert f"  ClientToken: {job.client_token}" in lines
    assert ("  What to do: The request may have reached AWS, so the export job may exist. "
            "`workmail-export jobs` lists the organization's jobs; a retry with the same "
            "ClientToken is safe") in lost.stderr
    prefix = "  Retry safely (same ClientToken: AWS starts at most one job): "
    [retry] = [line.removeprefix(prefix) for line in lines if line.startswith(prefix)]
    words = shlex.split(retry)
    assert words[:2] == ["workmail-export", "start"]
    assert words[-2:] == ["--client-token", job.client_token]
    assert ["--endpoint-url", cli.url] == words[words.index("--endpoint-url"):][:2]

    again = cli(*words[1:])
    assert (again.returncode, again.stdout) == (0, f"{job.job_id}\n")
    assert len(sim.workmail.jobs(sim.world.org_id)) == 1


def test_a_plain_retry_reuses_the_lost_token_and_jobs_names_the_mailbox(sim: Any,
                                                                       cli: Cli) -> None:
    lose_every_answer(sim)
    assert cli("start", *export_flags(sim)).returncode == 1
    job = the_job(sim)
    listed = cli("jobs", "--organization", sim.world.org_id)
    assert job.entity_id in listed.stdout  # nothing ties the job to this machine yet

    again = cli("start", *export_flags(sim))
    assert (again.returncode, again.stdout) == (0, f"{job.job_id}\n")
    assert again.stderr == (
        "workmail-export start: this request was sent before and its answer never came; it "
        f"was sent again with that submit's ClientToken {job.client_token}, so AWS starts at "
        "most one job.\n")
    assert len(sim.workmail.jobs(sim.world.org_id)) == 1

    listed = cli("jobs", "--organization", sim.world.org_id)
    [row] = listed.stdout.splitlines()[1:]
    assert row.split()[:4] == [job.job_id, "RUNNING", "0%", "alice.wong"]
    assert row.endswith("service + journal")
    # The answer came: the token is spent, a third start is a new request (refused today).
    third = cli("start", *export_flags(sim))
    assert third.returncode == 1 and "LimitExceededException" in third.stderr
    assert len(sim.workmail.jobs(sim.world.org_id)) == 1


def test_the_json_of_a_lost_answer_carries_the_token_and_the_retry_command(
        sim: Any, cli: Cli) -> None:
    lose_every_answer(sim)
    lost = cli("start", "--json", *export_flags(sim))
    document = json.loads(lost.stdout)
    token = the_job(sim).client_token
    assert (document["started"], document["client_token"]) == (False, token)
    assert document["error"]["outcome_unknown"] is True
    assert document["error"]["client_token"] == token
    assert document["retry_command"].endswith(f"--client-token {token}")


def test_a_token_whose_job_was_cancelled_is_not_reported_running(sim: Any, cli: Cli) -> None:
    first = cli("start", "--client-token", "nightly-alice-1", *export_flags(sim))
    job = the_job(sim)
    boto3.client("workmail", region_name="us-east-1").cancel_mailbox_export_job(
        ClientToken="cancel-1", JobId=job.job_id, OrganizationId=sim.world.org_id)
    again = cli("start", "--json", "--client-token", "nightly-alice-1", *export_flags(sim))
    assert (first.returncode, again.returncode) == (0, 0)
    document = json.loads(again.stdout)
    assert (document["job_id"], document["state"], document["replayed"]) == (
        job.job_id, "CANCELLED", True)
    assert again.stderr == (
        f"workmail-export start: This request had already started export job {job.job_id}, "
        "which ended CANCELLED. AWS answered this request with that earlier job and started "
        "none. A new submit is a new request (new ClientToken).\n")


def test_the_retry_command_keeps_the_connection_and_masks_a_password() -> None:
    aws = connect(ConnectionSettings(region="us-east-1", timeout=4.0,
                                     endpoint_url="http://admin:s3cret@127.0.0.1:9"))
    request = ExportRequest(organization_id="m-" + "0" * 32, entity_id="alice wong",
                            role_arn="arn:aws:iam::1:role/r", kms_key_arn="arn:aws:kms:k",
                            bucket="b", prefix="p/", client_token="tok-1")
    command = retry_command(aws, request)
    assert "s3cret" not in command
    assert shlex.split(command) == [
        "workmail-export", "start", "--organization", "m-" + "0" * 32,
        "--entity", "alice wong", "--role-arn", "arn:aws:iam::1:role/r",
        "--kms-key-arn", "arn:aws:kms:k", "--bucket", "b", "--prefix", "p/",
        "--region", "us-east-1", "--endpoint-url", "http://***@127.0.0.1:9",
        "--timeout", "4", "--client-token", "tok-1"]
