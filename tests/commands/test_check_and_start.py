"""check and start as a script runs them: output, JSON shape, journal and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli_runner import Cli, export_flags

from tui.commands import exit_codes
from tui.commands.check import verdict
from tui.core.journal import Journal
from tui.core.model import Field, Finding, Level
from tui.wizard.present import not_verified


def test_check_of_a_good_export_lists_every_check_and_exits_0(sim: Any, cli: Cli) -> None:
    result = cli("check", *export_flags(sim))
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[-1] == "Checked in us-east-1: 8 ok."
    assert [line.split()[0] for line in lines[:-1]] == [
        "Organization", "Mailbox", "IAM", "IAM", "KMS", "KMS", "Bucket", "Prefix"]
    assert all("✓" in line for line in lines[:-1])


def test_check_json_names_the_role_error_with_its_policy_and_exits_3(sim: Any,
                                                                      cli: Cli) -> None:
    result = cli("check", "--json", *export_flags(sim, role_arn=sim.world.no_kms_role_arn))
    assert result.returncode == 3
    assert result.stderr == ("workmail-export check: 1 check(s) found an error; fix them and "
                             "run check again.\n")
    document = json.loads(result.stdout)
    assert set(document) == {"ok", "region", "summary", "findings", "aws_cli"}
    assert (document["ok"], document["region"]) == (False, "us-east-1")
    [error] = [f for f in document["findings"] if f["level"] == "error"]
    assert error["field"] == "role"
    assert "WorkMailExportNoKms may not do what an export needs" in error["message"]
    assert '"kms:GenerateDataKey"' in error["policy"]
    assert set(error) == {"field", "level", "message", "fix", "policy"}
    assert document["aws_cli"].startswith("aws workmail start-mailbox-export-job ")
    assert f'"RoleArn": "{sim.world.no_kms_role_arn}"' in document["aws_cli"]


def test_check_reports_only_the_fields_given(sim: Any, cli: Cli) -> None:
    result = cli("check", "--organization", sim.world.inactive_org_id)
    assert result.returncode == 3
    finding, fix, summary = result.stdout.splitlines()
    assert finding.startswith("Organization ✗ ") and "Inactive" in finding
    assert fix.strip() == "Fix: Pick an Active organization, or wait until this one is Active."
    assert summary == "Checked in us-east-1: 1 error."


def test_start_prints_the_job_id_alone_and_records_it(sim: Any, cli: Cli) -> None:
    result = cli("start", *export_flags(sim), "--description", "nightly")
    [job] = sim.workmail.jobs(sim.world.org_id)
    assert (result.returncode, result.stdout) == (0, f"{job.job_id}\n")
    assert result.stderr == ""
    assert (job.entity_id, job.prefix, job.description) == (
        sim.world.enabled_user, sim.world.good_prefix, "nightly")
    with Journal.open() as journal:
        entry = journal.find(job.job_id)
    assert entry is not None and (entry.source, entry.entity_id) == ("cli", "alice.wong")


def test_start_refuses_a_group_with_exit_3_and_starts_nothing(sim: Any, cli: Cli) -> None:
    result = cli("start", "--json", *export_flags(sim, entity="all-staff"))
    assert result.returncode == 3
    assert sim.workmail.jobs(sim.world.org_id) == []
    document = json.loads(result.stdout)
    assert document["started"] is False
    assert "Mailbox      ✗ all-staff <all-staff@" in result.stderr
    assert result.stderr.endswith("workmail-export start: 1 check(s) found an error; fix them, "
                                  "or pass --force to start anyway.\n")


def test_start_again_with_the_same_client_token_gives_the_same_job(sim: Any,
                                                                    cli: Cli) -> None:
    first = cli("start", "--json", "--client-token", "nightly-alice-1", *export_flags(sim))
    again = cli("start", "--json", "--client-token", "nightly-alice-1", *export_flags(sim))
    assert (first.returncode, again.returncode) == (0, 0)
    started, repeated = json.loads(first.stdout), json.loads(again.stdout)
    assert started["job_id"] == repeated["job_id"]
    assert [j.job_id for j in sim.workmail.jobs(sim.world.org_id)] == [started["job_id"]]
    assert {k: started[k] for k in ("started", "client_token", "organization_id",
                                    "entity_id", "region", "journal_warning")} == {
        "started": True, "client_token": "nightly-alice-1",
        "organization_id": sim.world.org_id, "entity_id": "alice.wong",
        "region": "us-east-1", "journal_warning": ""}


def test_journal_flag_puts_the_journal_where_asked(sim: Any, cli: Cli, tmp_path: Path) -> None:
    journal = tmp_path / "elsewhere" / "jobs.sqlite3"
    started = cli("--journal", str(journal), "start", *export_flags(sim))
    assert started.returncode == 0
    with Journal.open(journal) as chosen:
        assert [e.job_id for e in chosen.entries()] == [started.stdout.strip()]
    with Journal.open() as default:
        assert default.entries() == []
    status = cli("status", started.stdout.strip(), "--journal", str(journal))
    assert status.returncode == 0 and "State        RUNNING" in status.stdout


def test_without_credentials_check_is_one_aws_error_with_exit_1(sim: Any, cli: Cli,
                                                                monkeypatch: Any) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    result = cli("check", "--organization", sim.world.org_id)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[0] == (
        "workmail-export: NoCredentials: Unable to locate credentials.")
    assert "  What to do: No AWS credentials were found." in result.stderr


def test_only_essential_checks_that_could_not_be_made_withhold_the_pass() -> None:
    """The 24-hour lookup only warns (AWS refuses a repeat itself): that it could not be made
    leaves the export verified; the role's checks could not be made: not verified."""
    lookup = Finding(Field.ENTITY, Level.UNCHECKED, "could not check whether …",
                     essential=False)
    role = Finding(Field.ROLE, Level.UNCHECKED, "could not check: missing iam:GetRole")
    assert (verdict([lookup]), not_verified([lookup])) == (0, "")
    assert (verdict([lookup, role]), not_verified([lookup, role])) == (
        exit_codes.NOT_VERIFIED, "the check of IAM role could not be made")


def test_a_check_of_some_fields_is_not_withheld_for_the_fields_left_out(sim: Any,
                                                                        cli: Cli) -> None:
    result = cli("check", "--organization", sim.world.org_id,
                 "--role-arn", sim.world.good_role_arn)
    assert (result.returncode, result.stderr) == (0, "")
    assert ("IAM role     ○ could not check the role's permissions yet: choose the key and the "
            "bucket first") in result.stdout
