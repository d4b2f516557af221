"""A COMPLETED export of the simulator, downloaded the way `workmail-export download` does
it, for the delivery tests to deliver."""

from __future__ import annotations

import itertools
from pathlib import Path

import boto3

from tui.core import jobs
from tui.core.model import ConnectionSettings
from tui.core.retrieve.transfer import TransferOptions, download
from tui.core.retrieve.verify import verify_job
from tui.core.session import connect
from tui.sim import SimulatedAws

_tokens = itertools.count(1)


def downloaded_export(sim: SimulatedAws, directory: Path, layout: str = "folders",
                      entity: str = "") -> Path:
    """The path of `<JobId>.zip` in `directory` (its log beside it as `<JobId>.log.json`)."""
    world = sim.world
    sim.exports.layout = layout
    workmail = boto3.client("workmail", region_name="us-east-1")
    job_id = workmail.start_mailbox_export_job(
        ClientToken=f"deliver-test-{next(_tokens)}", OrganizationId=world.org_id,
        EntityId=entity or world.enabled_user, RoleArn=world.good_role_arn,
        KmsKeyArn=world.good_key_arn, S3BucketName=world.good_bucket,
        S3Prefix=world.good_prefix)["JobId"]
    sim.clock.advance(120)
    aws = connect(ConnectionSettings(region="us-east-1"))
    verification = verify_job(aws, jobs.describe_job(aws, world.org_id, job_id))
    assert verification.location and verification.object
    result = download(aws, verification.location, verification.object, verification.log,
                      directory / f"{job_id}.zip", TransferOptions())
    return Path(result.path)
