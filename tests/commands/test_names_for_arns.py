"""A role given by name and a key by id or alias, in the flags of check, start and batch, as
the wizard takes them: looked up, said what they resolved to, and the ARN is what AWS gets.
A name that names nothing says so (never the ARN rule's "starts with arn:...")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from batch_kit import run_flags
from cli_runner import Cli, export_flags


def test_check_looks_up_a_role_name_and_a_key_alias_and_says_what_they_are(
        sim: Any, cli: Cli) -> None:
    result = cli("check", *export_flags(sim, role_arn="WorkMailExportRole",
                                        kms_key_arn="alias/workmail-export"))
    assert (result.returncode, result.stderr) == (0, "")
    assert (f"IAM role     ✓ WorkMailExportRole is the role {sim.world.good_role_arn}.\n"
            in result.stdout)
    key_arn = f"arn:aws:kms:us-east-1:{sim.world.account}:key/"
    assert "KMS key      ✓ alias/workmail-export is the key " + key_arn in result.stdout
    assert result.stdout.splitlines()[-1] == "Checked in us-east-1: 10 ok."


def test_a_key_alias_that_does_not_exist_is_named_as_such(sim: Any, cli: Cli) -> None:
    result = cli("check", "--json", *export_flags(sim, kms_key_arn="alias/nope"))
    assert result.returncode == 3
    document = json.loads(result.stdout)
    keys = [f for f in document["findings"] if f["field"] == "kms_key"]
    assert [(f["level"], f["message"]) for f in keys] == [
        ("error", "No KMS key has the alias alias/nope in us-east-1.")]
    assert "arn:aws:kms:" not in keys[0]["fix"]
    role = cli("check", "--role-arn", "NoSuchRole", "--organization", sim.world.org_id)
    assert role.returncode == 3
    assert "IAM role     ✗ There is no role named NoSuchRole in this account." in role.stdout


def test_start_with_a_role_name_and_a_key_id_sends_their_arns(sim: Any, cli: Cli) -> None:
    key_id = sim.world.good_key_arn.rsplit("/", 1)[1]
    result = cli("start", "--json", "--client-token", "names-1",
                 *export_flags(sim, role_arn="WorkMailExportRole", kms_key_arn=key_id))
    assert result.returncode == 0, result.stderr
    assert f"IAM role     ✓ WorkMailExportRole is the role {sim.world.good_role_arn}." \
        in result.stderr
    assert f"KMS key      ✓ {key_id} is the key {sim.world.good_key_arn}." in result.stderr
    document = json.loads(result.stdout)
    assert (document["role_arn"], document["kms_key_arn"], document["client_token"]) == (
        sim.world.good_role_arn, sim.world.good_key_arn, "names-1")
    [job] = sim.workmail.jobs(sim.world.org_id)
    assert (job.role_arn, job.kms_key_arn, job.job_id) == (
        sim.world.good_role_arn, sim.world.good_key_arn, document["job_id"])


def test_batch_with_a_role_name_stores_and_starts_with_its_arn(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    sim, cli = fast
    names = tmp_path / "one.txt"
    names.write_text("alice.wong\n", encoding="utf-8")
    result = cli(*run_flags(sim, "--from-file", str(names), "--report-dir", str(tmp_path),
                            role="WorkMailExportRole"))
    assert result.returncode == 0, result.stderr
    assert f"WorkMailExportRole is the role {sim.world.good_role_arn}." in result.stderr
    [job] = sim.workmail.jobs(sim.world.org_id)
    assert job.role_arn == sim.world.good_role_arn
    refused = cli(*run_flags(sim, "--all", role="NoSuchRole"))
    assert refused.returncode == 3
    assert "✗ There is no role named NoSuchRole in this account." in refused.stderr
    assert len(sim.workmail.jobs(sim.world.org_id)) == 1
