"""What the setup tests share: a connection, running an export on the simulator until it ends
(the simulator, not the core, judges whether WorkMail could write), and recording the calls a
connection sends.

A module of its own name (not conftest) so `from setup_kit import ...` finds it."""

from __future__ import annotations

from typing import Any

from tui.core.model import ConnectionSettings, ExportRequest, new_client_token
from tui.core.session import Aws, connect
from tui.core.setup.apply import Applied, apply_plan
from tui.core.setup.planner import plan_setup
from tui.core.setup.request import SetupRequest

CHANGING = ("Create", "Put", "Update", "Delete", "Enable", "Disable", "Cancel", "Schedule",
            "Tag", "Untag")


def connection(sim: Any) -> Aws:
    return connect(ConnectionSettings(region=sim.world.region))


def export_state(sim: Any, aws: Aws, request: ExportRequest) -> tuple[str, str]:
    """Start the export on the simulator (a new ClientToken), let its clock run until the job
    ends: (state, ErrorInfo)."""
    workmail = aws.client("workmail")
    job_id = workmail.start_mailbox_export_job(
        **{**request.api_params(), "ClientToken": new_client_token()})["JobId"]
    for _ in range(20):
        sim.clock.advance(30)
        job = workmail.describe_mailbox_export_job(OrganizationId=request.organization_id,
                                                   JobId=job_id)
        if job["State"] != "RUNNING":
            sim.clock.advance(25 * 3600)  # past the mailbox's once-a-day limit
            return job["State"], job.get("ErrorInfo", "")
    raise AssertionError("the job never ended")


def set_up(sim: Any, aws: Aws, request: SetupRequest) -> Applied:
    """Plan, then apply; the plan must have no blockers and the apply must succeed."""
    plan = plan_setup(aws, request)
    assert not plan.blockers, plan.blockers
    applied = apply_plan(aws, plan)
    assert applied.ok, applied.failure_sentence()
    return applied


def export_after(sim: Any, aws: Aws, applied: Applied, entity: str = "",
                 **changes: str) -> ExportRequest:
    """The export request a successful setup prepared."""
    plan = applied.plan
    return ExportRequest(organization_id=plan.organization_id,
                         entity_id=entity or sim.world.enabled_user, role_arn=plan.role_arn,
                         kms_key_arn=applied.key_arn, bucket=plan.bucket, prefix=plan.prefix,
                         **changes)


def admin_only_key(aws: Aws, account: str) -> tuple[str, dict[str, Any]]:
    """A key whose policy lets only an admin user in (no delegation to IAM): (ARN, policy)."""
    import json

    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "Admins", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:user/admin"}, "Action": "kms:*",
        "Resource": "*"}]}
    key = aws.client("kms").create_key(KeyUsage="ENCRYPT_DECRYPT", Policy=json.dumps(policy))
    return str(key["KeyMetadata"]["Arn"]), policy


def record_calls(aws: Aws) -> list[str]:
    """Every operation this connection's clients send from now on ("iam:CreateRole")."""
    sent: list[str] = []
    for service in ("iam", "kms", "s3", "sts", "workmail"):
        aws.client(service).meta.events.register(
            "before-call", lambda model, **_: sent.append(
                f"{model.service_model.signing_name}:{model.name}"))
    return sent


def changing(calls: list[str]) -> list[str]:
    return [c for c in calls if c.split(":", 1)[1].startswith(CHANGING)]
