"""`workmail-export cancel JOB_ID`: CancelMailboxExportJob, then the state the job is in."""

from __future__ import annotations

from tui.commands import exit_codes
from tui.commands.common import connect, remember
from tui.commands.output import emit_json
from tui.core import jobs
from tui.core.model import ConnectionSettings


def run(settings: ConnectionSettings, job_id: str, organization_id: str, *,
        as_json: bool) -> int:
    aws = connect(settings)
    jobs.cancel_job(aws, organization_id, job_id)
    job = jobs.describe_job(aws, organization_id, job_id)
    remember(job)
    if as_json:
        emit_json({"job_id": job_id, "cancelled": True, "state": job.state})
    else:
        print(f"Cancel requested for export job {job_id}; its state is now {job.state}.")
    return exit_codes.OK
