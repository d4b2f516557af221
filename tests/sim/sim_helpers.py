"""Shared helpers of the simulator's tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from tui.sim import SimulatedAws

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def good_request(sim: SimulatedAws, **changes: str) -> dict[str, str]:
    """The StartMailboxExportJob parameters that work in the demo world, with changes."""
    w = sim.world
    params = {"OrganizationId": w.org_id, "EntityId": w.enabled_user,
              "RoleArn": w.good_role_arn, "KmsKeyArn": w.good_key_arn,
              "S3BucketName": w.good_bucket, "S3Prefix": w.good_prefix}
    params.update(changes)
    return params


def describe(sim: SimulatedAws, workmail: Any, job_id: str) -> dict[str, Any]:
    return dict(workmail.describe_mailbox_export_job(OrganizationId=sim.world.org_id,
                                                    JobId=job_id))
