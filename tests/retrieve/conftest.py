"""Fixtures of the retrieve tests: a core connection on the simulator and completed jobs.

`completed(layout=..., entity=...)` starts an export of a demo mailbox with the demo's good
role, key, bucket and prefix (`SimulatedAws.complete_export`), moves the simulated clock past
its end and returns the job as DescribeMailboxExportJob tells it.
"""

from __future__ import annotations

import pytest
from export_kit import Completed

from tui.core import jobs
from tui.core.model import ConnectionSettings, ExportJob
from tui.core.session import Aws, connect
from tui.sim import SimulatedAws


@pytest.fixture
def aws(sim: SimulatedAws) -> Aws:
    return connect(ConnectionSettings(region="us-east-1"))


@pytest.fixture
def completed(sim: SimulatedAws, aws: Aws) -> Completed:
    def make(layout: str = "folders", entity: str = "", bytes_per_mb: int | None = None
             ) -> ExportJob:
        if bytes_per_mb is not None:
            sim.exports.bytes_per_mb = bytes_per_mb
        job_id = sim.complete_export(entity, layout=layout)
        return jobs.describe_job(aws, sim.world.org_id, job_id)

    return make
