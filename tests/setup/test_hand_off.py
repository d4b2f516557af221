"""The hand-off formats: the shell script, run through the AWS CLI (awscli, a test dependency)
against the served simulator, makes the same resources as applying the plan; the
CloudFormation template passes cfn-lint (a test dependency) and leaves out, by name, what
CloudFormation cannot change."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from setup_kit import connection, export_after, export_state

from tui.core.session import Aws
from tui.core.setup import documents
from tui.core.setup.apply import Applied, apply_plan
from tui.core.setup.cloudformation import template
from tui.core.setup.plan import Plan
from tui.core.setup.planner import plan_setup
from tui.core.setup.request import SetupRequest
from tui.core.setup.shell import shell_script
from tui.sim import ManualClock, SimulatedAws
from tui.sim.env import isolated_environ

BIN = Path(sys.executable).parent
BUCKET = "example-corp-exports"


def run_script(script: str, url: str) -> subprocess.CompletedProcess[str]:
    env = isolated_environ(dict(os.environ))
    env.update({"AWS_ENDPOINT_URL": url, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"})
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as file:
        file.write(script)
    try:
        return subprocess.run([shutil.which("bash") or "bash", file.name], capture_output=True,
                              text=True, env=env, timeout=120)
    finally:
        os.unlink(file.name)


def resources(aws: Aws, key_arn: str) -> dict[str, Any]:
    """What the account holds for the export, the new key's ARN written as <key>."""
    iam, kms, s3 = aws.client("iam"), aws.client("kms"), aws.client("s3")
    roles = {}
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        roles[name] = {
            "path": role["Path"], "trust": role["AssumeRolePolicyDocument"],
            "tags": iam.list_role_tags(RoleName=name)["Tags"],
            "policies": {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
                         for p in iam.list_role_policies(RoleName=name)["PolicyNames"]}}
    keys = {}
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        keys[meta["Arn"]] = {
            "state": meta["KeyState"], "spec": meta["KeySpec"], "usage": meta["KeyUsage"],
            "description": meta["Description"],
            "tags": kms.list_resource_tags(KeyId=key["KeyId"])["Tags"],
            "policy": json.loads(kms.get_key_policy(KeyId=key["KeyId"],
                                                    PolicyName="default")["Policy"])}
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]
               if a["AliasName"].startswith(documents.ALIAS_PREFIX)}
    buckets = {}
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        buckets[name] = {
            "block": _or_absent(s3.get_public_access_block, name),
            "owner": _or_absent(s3.get_bucket_ownership_controls, name),
            "encryption": _or_absent(s3.get_bucket_encryption, name),
            "tags": _or_absent(s3.get_bucket_tagging, name)}
    text = json.dumps({"roles": roles, "keys": keys, "aliases": aliases, "buckets": buckets},
                      sort_keys=True, default=str)
    key_id = key_arn.rsplit("/", 1)[-1]
    return json.loads(text.replace(key_arn, "<key>").replace(key_id, "<key id>"))  # type: ignore[no-any-return]


def _or_absent(read: Callable[..., Any], bucket: str) -> Any:
    """A bucket setting, without the response metadata; None when the bucket has none."""
    from botocore.exceptions import ClientError

    try:
        answer = read(Bucket=bucket)
    except ClientError:
        return None
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


def made_both_ways(world: str, request: Callable[[Any], SetupRequest]) -> tuple[
        dict[str, Any], dict[str, Any], Plan]:
    """The account after applying the plan, and after running its shell script instead (each
    on a fresh copy of the world)."""
    with SimulatedAws(world=world, clock=ManualClock()) as sim:
        aws = connection(sim)
        applied = apply_plan(aws, plan_setup(aws, request(sim)))
        assert applied.ok, applied.failure_sentence()
        by_tool = resources(aws, applied.key_arn)
    with SimulatedAws(world=world, clock=ManualClock()) as sim:
        aws = connection(sim)
        plan = plan_setup(aws, request(sim))
        ran = run_script(shell_script(plan), sim.serve())
        assert ran.returncode == 0, ran.stderr
        key_arn = ran.stdout.split("The export key: ")[-1].strip() if "export key" in \
            ran.stdout else plan.key_arn
        by_script = resources(aws, key_arn)
        applied_by_script = Applied(plan, plan.steps, values={"<new-key-arn>": key_arn})
        export = export_after(sim, aws, applied_by_script)
        assert export_state(sim, aws, export) == ("COMPLETED", "")
    return by_tool, by_script, plan


def test_the_shell_script_makes_what_applying_makes_from_nothing(isolated_aws_env: None) -> None:
    by_tool, by_script, plan = made_both_ways("fresh", lambda sim: SetupRequest(
        sim.world.org_id, bucket=BUCKET, prefix="exports/", create_key=True))
    assert len(plan.steps) == 9
    assert by_script == by_tool
    assert set(by_tool["buckets"]) == {BUCKET} and len(by_tool["keys"]) == 1


def test_the_shell_script_merges_like_applying_does(isolated_aws_env: None) -> None:
    """Changes to what exists (a trust statement merged in, a disabled key enabled, public
    access blocked, a policy added) come out of the script exactly as out of the tool."""
    by_tool, by_script, plan = made_both_ways("demo", lambda sim: SetupRequest(
        sim.world.org_id, bucket=sim.world.public_bucket, prefix="exports/",
        role_name="WorkMailExportEc2", key_arn=sim.world.disabled_key_arn))
    assert [s.call.operation for s in plan.steps] == [
        "UpdateAssumeRolePolicy", "EnableKey", "PutPublicAccessBlock", "PutRolePolicy"]
    assert by_script["roles"] == by_tool["roles"]
    assert by_script["keys"] == by_tool["keys"]
    trust = by_tool["roles"]["WorkMailExportEc2"]["trust"]["Statement"]
    assert trust[0]["Principal"] == {"Service": "ec2.amazonaws.com"}


def test_a_document_with_shell_characters_reaches_aws_unchanged(sim: Any) -> None:
    """A policy variable (${aws:username}), quotes and a backtick in an existing trust policy
    survive the script's quoting: the merged document AWS gets is the plan's."""
    aws = connection(sim)
    odd = {"Version": "2012-10-17", "Statement": [{
        "Sid": "Odd", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{sim.world.account}"
                                                             ":root"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringLike": {"aws:PrincipalTag/team": "${aws:username}-'q'\"`$x`"}}}]}
    aws.client("iam").create_role(RoleName="OddTrust", AssumeRolePolicyDocument=json.dumps(odd))
    plan = plan_setup(aws, SetupRequest(sim.world.org_id, role_name="OddTrust",
                                        key_arn=sim.world.good_key_arn,
                                        bucket=sim.world.good_bucket, prefix="exports/"))
    ran = run_script(shell_script(plan), sim.serve())
    assert ran.returncode == 0, ran.stderr
    trust = aws.client("iam").get_role(RoleName="OddTrust")["Role"]["AssumeRolePolicyDocument"]
    assert trust == plan.steps[0].call.params["PolicyDocument"]
    assert trust["Statement"][0] == odd["Statement"][0]


def cfn_lint(text: str) -> subprocess.CompletedProcess[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        file.write(text)
    try:
        return subprocess.run([str(BIN / "cfn-lint"), file.name], capture_output=True,
                              text=True, timeout=300)
    finally:
        os.unlink(file.name)


def test_the_template_passes_cfn_lint_and_holds_what_the_plan_creates(fresh: Any) -> None:
    aws = connection(fresh)
    plan = plan_setup(aws, SetupRequest(fresh.world.org_id, bucket=BUCKET, prefix="exports/",
                                        create_key=True))
    rendered = template(plan)
    assert rendered.left_out == ()
    linted = cfn_lint(rendered.text)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    document = json.loads(rendered.text)
    resources = document["Resources"]
    assert {r["Type"] for r in resources.values()} == {
        "AWS::IAM::Role", "AWS::KMS::Key", "AWS::KMS::Alias", "AWS::S3::Bucket"}
    bucket = resources["ExportBucket"]["Properties"]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [{
        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                          "KMSMasterKeyID": {"Fn::GetAtt": ["ExportKey", "Arn"]}},
        "BucketKeyEnabled": False}]
    assert resources["ExportBucket"]["DeletionPolicy"] == "Retain"
    (policy,) = resources["ExportRole"]["Properties"]["Policies"]
    assert policy["PolicyDocument"]["Statement"][1]["Resource"] == {
        "Fn::GetAtt": ["ExportKey", "Arn"]}
    role = plan.steps[0].call.params
    assert resources["ExportRole"]["Properties"]["AssumeRolePolicyDocument"] == role[
        "AssumeRolePolicyDocument"]


def test_the_template_leaves_out_changes_to_what_it_did_not_create(sim: Any) -> None:
    aws = connection(sim)
    plan = plan_setup(aws, SetupRequest(sim.world.org_id, bucket=BUCKET, prefix="exports/",
                                        role_name="WorkMailExportEc2",
                                        key_arn=sim.world.disabled_key_arn))
    rendered = template(plan)
    assert [s.call.operation for s in rendered.left_out] == ["UpdateAssumeRolePolicy",
                                                             "EnableKey"]
    linted = cfn_lint(rendered.text)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    document = json.loads(rendered.text)
    assert document["Metadata"]["NotInThisTemplate"] == [s.summary for s in rendered.left_out]
    assert {r["Type"] for r in document["Resources"].values()} == {"AWS::S3::Bucket",
                                                                   "AWS::IAM::RolePolicy"}
