"""`workmail-export setup` as a script runs it, against the served simulator: the plan by
default (nothing changes), --apply that asks or takes --yes, the hand-off formats on stdout,
--remove, and a missing permission said as the action to grant with the hand-off offered.
Also `check` giving one verdict for the role and the prefix (issue 10 item 7)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from cli_runner import Cli, export_flags

from tui.sim import ManualClock, SimulatedAws


@pytest.fixture
def fresh_cli(isolated_aws_env: None) -> Iterator[tuple[SimulatedAws, Cli]]:
    with SimulatedAws(world="fresh", clock=ManualClock()) as sim:
        yield sim, Cli(sim.serve())


def setup_flags(sim: Any, *more: str) -> list[str]:
    return ["setup", "--organization", sim.world.org_id, "--bucket", "example-corp-exports",
            "--prefix", "exports/", *more]


def test_the_plan_is_the_default_and_changes_nothing(fresh_cli: tuple[Any, Cli]) -> None:
    sim, cli = fresh_cli
    result = cli(*setup_flags(sim, "--create-key"))
    assert result.returncode == 0, result.stderr
    assert "1. Create the IAM role WorkMailExport-example-corp" in result.stdout
    assert '"aws:SourceArn": "arn:aws:workmail:us-east-1:' in result.stdout
    assert "Cost: A KMS key is billed monthly" in result.stdout
    assert "Applying needs: iam:CreateRole, iam:TagRole, kms:CreateKey" in result.stdout
    assert boto3.client("iam").list_roles()["Roles"] == []
    assert boto3.client("s3").list_buckets()["Buckets"] == []


def test_apply_without_a_terminal_needs_yes(fresh_cli: tuple[Any, Cli]) -> None:
    sim, cli = fresh_cli
    result = cli(*setup_flags(sim, "--create-key", "--apply"))
    assert result.returncode == 2
    assert "pass --yes to apply without asking" in result.stderr
    assert boto3.client("iam").list_roles()["Roles"] == []


def test_apply_yes_then_start_exports_and_a_second_apply_does_nothing(
        fresh_cli: tuple[Any, Cli]) -> None:
    sim, cli = fresh_cli
    applied = cli(*setup_flags(sim, "--create-key", "--apply", "--yes", "--json"))
    assert applied.returncode == 0, applied.stderr
    document = json.loads(applied.stdout)
    assert document["applied"]["ok"] is True and document["applied"]["done"] == 9
    plan = document["plan"]
    start = cli("start", "--organization", sim.world.org_id, "--entity", "alice.wong",
                "--role-arn", plan["role_arn"], "--kms-key-arn", document["applied"]["key_arn"],
                "--bucket", plan["bucket"], "--prefix", plan["prefix"])
    assert start.returncode == 0, start.stderr
    job_id = start.stdout.strip()
    code, out, _ = cli.following(sim, "status", job_id, "--wait", "--poll", "1")
    assert code == 0 and "COMPLETED" in out
    again = cli(*setup_flags(sim, "--apply", "--yes"))
    assert again.returncode == 0, again.stderr
    assert "Nothing to do" in again.stdout


def test_the_shell_and_cloudformation_forms_go_to_stdout(fresh_cli: tuple[Any, Cli]) -> None:
    sim, cli = fresh_cli
    shell = cli(*setup_flags(sim, "--create-key", "--format", "shell"))
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.startswith("#!/usr/bin/env bash\n")
    assert "aws iam create-role \\\n" in shell.stdout
    template = cli(*setup_flags(sim, "--create-key", "--format", "cloudformation"))
    assert template.returncode == 0, template.stderr
    assert json.loads(template.stdout)["Resources"]["ExportBucket"]["Type"] == "AWS::S3::Bucket"


def test_a_missing_permission_is_named_and_the_hand_off_offered(
        fresh_cli: tuple[Any, Cli]) -> None:
    sim, cli = fresh_cli
    sim.faults.deny("iam", "CreateRole")
    result = cli(*setup_flags(sim, "--create-key", "--apply", "--yes"))
    assert result.returncode == 1
    assert "could not apply: missing iam:CreateRole" in result.stderr
    assert "--format shell (or --format cloudformation)" in result.stderr
    assert "To finish: run the same setup again" in result.stderr


def test_remove_undoes_the_setup(fresh_cli: tuple[Any, Cli]) -> None:
    sim, cli = fresh_cli
    assert cli(*setup_flags(sim, "--create-key", "--apply", "--yes")).returncode == 0
    plan = cli("setup", "--remove")
    assert plan.returncode == 0, plan.stderr
    assert "Schedule the key" in plan.stdout and "30 days" in plan.stdout
    removed = cli("setup", "--remove", "--apply", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert boto3.client("iam").list_roles()["Roles"] == []


@pytest.mark.parametrize(("flags", "words"), [
    (["setup", "--bucket", "b-b-b", "--prefix", "x/"], "missing --organization"),
    (["setup", "--remove", "--bucket", "b-b-b"], "--remove takes only --organization"),
    (["setup", "--organization", "m-" + "0" * 32, "--bucket", "bbb", "--prefix", "x/", "--yes"],
     "--yes goes with --apply"),
    (["setup", "--role-name", "no spaces"], "is not an IAM role name"),
])
def test_bad_setup_usage_is_one_line(fresh_cli: tuple[Any, Cli], flags: list[str],
                                     words: str) -> None:
    _, cli = fresh_cli
    result = cli(*flags)
    assert result.returncode == 2
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_check_gives_one_verdict_for_role_and_prefix_on_a_public_bucket(cli: Cli,
                                                                        sim: Any) -> None:
    """Issue 10 item 7: the role may not PutObject there, and the prefix does not also say
    the role allows it; item 8: no policy is proposed for the public bucket."""
    result = cli("check", *export_flags(sim, bucket=sim.world.public_bucket))
    assert result.returncode == 3
    assert "which the role" not in result.stdout
    assert "may not do what an export needs" in result.stdout
    assert "No policy is offered for a public bucket" in result.stdout
    assert "--policy-name WorkMailExport " not in result.stdout


def test_a_template_of_changes_only_is_refused_with_the_shell_form_offered(
        cli: Cli, sim: Any) -> None:
    result = cli("setup", "--organization", sim.world.org_id, "--bucket", sim.world.good_bucket,
                 "--prefix", "exports/", "--role-name", "WorkMailExportEc2", "--kms-key-arn",
                 sim.world.good_key_arn, "--format", "cloudformation")
    assert result.returncode == 2 and result.stdout == ""
    assert "CloudFormation cannot make any call of this plan" in result.stderr
    assert "--format shell" in result.stderr
