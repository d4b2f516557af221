"""status, jobs and cancel as a script runs them: output, JSON shape and exit codes, with the
simulated clock moving while `status --wait` polls."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
from cli_runner import Cli, export_flags


def start_in_service(sim: Any, url: str, entity: str = "bob.smith", **changes: str) -> str:
    """A job started by someone else (not in this machine's journal)."""
    workmail = boto3.client("workmail", endpoint_url=url, region_name="us-east-1")
    world = sim.world
    params = {"ClientToken": f"other-{entity}", "OrganizationId": world.org_id,
              "EntityId": entity, "RoleArn": world.good_role_arn,
              "KmsKeyArn": world.good_key_arn, "S3BucketName": world.good_bucket,
              "S3Prefix": world.good_prefix, **changes}
    return str(workmail.start_mailbox_export_job(**params)["JobId"])


PROGRESS = re.compile(r"^\d\d:\d\d:\d\d UTC  (RUNNING|COMPLETED|FAILED|CANCELLED) +(\d+)%$")


def test_status_wait_prints_progress_until_completed(sim: Any, cli: Cli) -> None:
    job_id = start_in_service(sim, cli.url)
    code, out, err = cli.following(sim, "status", job_id, "--wait", "--poll", "0.1",
                                   "--organization", sim.world.org_id)
    assert (code, err) == (0, "")
    progress = [PROGRESS.match(line) for line in out.splitlines() if PROGRESS.match(line)]
    percents = [int(m.group(2)) for m in progress if m]
    assert len(percents) >= 3 and percents == sorted(percents) and percents[-1] == 100
    assert out.splitlines()[len(progress):] == [
        f"Job id       {job_id}", "State        COMPLETED",
        *[line for line in out.splitlines() if line.startswith(("Mailbox", "Started",
                                                                "Ended", "S3 object"))]]
    assert f"S3 object    s3://{sim.world.good_bucket}/{sim.world.good_prefix}{job_id}.zip\n" \
        in out


def test_a_forced_start_that_fails_ends_status_wait_with_exit_4(sim: Any, cli: Cli) -> None:
    started = cli("start", "--force", *export_flags(sim, role_arn=sim.world.no_kms_role_arn))
    assert started.returncode == 0
    assert "IAM role     ✗ The role WorkMailExportNoKms may not" in started.stderr
    job_id = started.stdout.strip()
    code, out, err = cli.following(sim, "status", job_id, "--wait", "--json", "--poll", "0.1")
    assert code == 4
    document = json.loads(out)
    assert (document["job_id"], document["state"], document["finished"]) == (
        job_id, "FAILED", True)
    assert document["error_info"]
    assert document["error_info"].startswith(
        f"Access denied: role {sim.world.no_kms_role_arn} is not allowed kms:")
    assert document["likely_cause"].startswith("The role could not use the KMS key.")
    assert PROGRESS.match(err.splitlines()[-1])  # progress went to stderr with --json
    text = cli("status", job_id)
    assert text.returncode == 0  # without --wait a FAILED job is still a successful look
    assert f"Mailbox      alice.wong ({sim.world.enabled_user})\n" in text.stdout
    assert "\nLikely cause The role could not use the KMS key." in text.stdout


def test_status_of_an_unknown_job_is_an_aws_error_with_exit_1(sim: Any, cli: Cli) -> None:
    result = cli("status", "no-such-job", "--organization", sim.world.org_id, "--json")
    assert result.returncode == 1
    first, *rest = result.stderr.splitlines()
    assert first.startswith("workmail-export: EntityNotFoundException: ")
    assert "  What to do: This organization has no export job with that JobId." in rest[-1]
    assert "Traceback" not in result.stderr
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["operation"], error["http_status"]) == (
        "EntityNotFoundException", "workmail:DescribeMailboxExportJob", 400)


def test_status_of_a_job_not_in_the_journal_needs_the_organization(cli: Cli) -> None:
    result = cli("status", "job-from-elsewhere")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "workmail-export status: job job-from-elsewhere is not in the local journal; pass "
        "--organization with the id (m-...) of the organization it runs in\n")


def test_jobs_merges_the_service_list_with_the_journal(sim: Any, cli: Cli) -> None:
    old = cli("start", *export_flags(sim)).stdout.strip()
    sim.clock.advance(8 * 24 * 3600)  # the service lists seven days only
    other = start_in_service(sim, cli.url)
    listed = cli("jobs", "--json")
    assert listed.returncode == 0
    rows = {row["job_id"]: row for row in json.loads(listed.stdout)}
    assert set(rows) == {old, other}
    assert (rows[old]["from_journal"], rows[old]["source"], rows[old]["mailbox"]) == (
        True, "cli", "alice.wong")
    assert rows[old]["role_arn"] == sim.world.good_role_arn  # the journal keeps the role
    assert (rows[other]["from_journal"], rows[other]["source"]) == (False, "")
    table = cli("jobs", "--organization", sim.world.org_id).stdout.splitlines()
    assert table[0].split() == ["JOB", "ID", "STATE", "DONE", "MAILBOX", "STARTED", "(UTC)",
                                "KNOWN", "FROM"]
    by_id = {line.split()[0]: line for line in table[1:]}
    assert set(by_id) == {old, other}
    assert by_id[old].endswith("journal only") and by_id[other].endswith("service")


def test_cancel_a_running_job_then_a_finished_one(sim: Any, cli: Cli) -> None:
    running = start_in_service(sim, cli.url, "carol.garcia")
    result = cli("cancel", running, "--organization", sim.world.org_id)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (f"Cancel requested for export job {running}; its state is now "
                             "CANCELLED.\n")
    finished = start_in_service(sim, cli.url, "david.mueller")
    sim.clock.advance(600)
    refused = cli("cancel", finished, "--organization", sim.world.org_id)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr.startswith("workmail-export: InvalidParameterException: ")
    assert "  What to do: The job has already finished (COMPLETED)" in refused.stderr


def test_status_of_a_cancelled_job_names_no_object_as_the_monitor_does(
        sim: Any, cli: Cli) -> None:
    from tui.app.jobs.job_view import object_text
    from tui.core.model import ExportJob

    job_id = start_in_service(sim, cli.url, "carol.garcia")
    assert cli("cancel", job_id, "--organization", sim.world.org_id).returncode == 0
    result = cli("status", job_id, "--organization", sim.world.org_id)
    assert result.returncode == 0
    written = f"s3://{sim.world.good_bucket}/{sim.world.good_prefix}{job_id}.zip"
    line = f"none ({written} was not written)"
    assert f"S3 object    {line}\n" in result.stdout
    cancelled = ExportJob(job_id=job_id, organization_id=sim.world.org_id, entity_id="x",
                          state="CANCELLED", bucket=sim.world.good_bucket,
                          s3_path=f"{sim.world.good_prefix}{job_id}.zip")
    assert object_text(cancelled).plain == line  # the monitor's words
