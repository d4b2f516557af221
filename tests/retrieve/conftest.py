"""Fixtures of the retrieve tests: a core connection on the simulator and completed jobs.

`completed(layout=..., entity=...)` starts an export of a demo mailbox the way WorkMail is
asked to (StartMailboxExportJob with the demo's good role, key, bucket and prefix), moves the
simulated clock past its end and returns the job as DescribeMailboxExportJob tells it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from tui.core import jobs
from tui.core.model import ConnectionSettings, ExportJob
from tui.core.session import Aws, connect
from tui.sim import SimulatedAws

Completed = Callable[..., ExportJob]
_tokens = itertools.count(1)


@pytest.fixture
def aws(sim: SimulatedAws) -> Aws:
    return connect(ConnectionSettings(region="us-east-1"))


def start_completed(sim: SimulatedAws, layout: str = "folders", entity: str = "",
                    bytes_per_mb: int | None = None) -> str:
    """The JobId of a COMPLETED export of `entity` (default: alice.wong)."""
    world = sim.world
    sim.exports.layout = layout
    if bytes_per_mb is not None:
        sim.exports.bytes_per_mb = bytes_per_mb
    workmail = boto3.client("workmail", region_name="us-east-1")
    job_id = workmail.start_mailbox_export_job(
        ClientToken=f"retrieve-test-{next(_tokens)}", OrganizationId=world.org_id,
        EntityId=entity or world.enabled_user, RoleArn=world.good_role_arn,
        KmsKeyArn=world.good_key_arn, S3BucketName=world.good_bucket,
        S3Prefix=world.good_prefix)["JobId"]
    sim.clock.advance(120)
    return str(job_id)


@pytest.fixture
def completed(sim: SimulatedAws, aws: Aws) -> Completed:
    def make(**kwargs: Any) -> ExportJob:
        job_id = start_completed(sim, **kwargs)
        return jobs.describe_job(aws, sim.world.org_id, job_id)

    return make
