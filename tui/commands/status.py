"""`workmail-export status JOB_ID [--wait]`: what the service says of one job; with --wait,
progress lines until it finishes (polled with the core's backoff), exit 4 unless COMPLETED."""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TextIO

from tui.commands import exit_codes
from tui.commands.common import connect, recorded, remember
from tui.commands.output import emit_json, job_dict
from tui.core import jobs
from tui.core.model import ConnectionSettings, ExportJob
from tui.wizard.present import export_place_text, utc_clock, utc_time

if TYPE_CHECKING:
    from tui.core.session import Aws

UNSUCCESSFUL = ("FAILED", "CANCELLED")


def job_lines(job: ExportJob, mailbox: str = "") -> list[str]:
    """A job as labelled lines, with the likely cause when it FAILED. `mailbox` is the name
    the mailbox was given by when the job was started here."""
    state = f"{job.state} ({job.progress}%)" if job.state == "RUNNING" else job.state
    if mailbox and mailbox != job.entity_id:
        mailbox = f"{mailbox} ({job.entity_id})"
    rows = [("Job id", job.job_id), ("State", state), ("Mailbox", mailbox or job.entity_id),
            ("Description", job.description),
            ("Started", _when(job.start_time)), ("Ended", _when(job.end_time)),
            ("S3 object", export_place_text(job)), ("Error", job.error_info)]
    if job.state == "FAILED":
        rows.append(("Likely cause", jobs.likely_cause(job.error_info)))
    return [f"{label:<13}{value}" for label, value in rows if value]


def _when(moment: datetime | None) -> str:
    return utc_time(moment) if moment else ""


def progress_line(job: ExportJob) -> str:
    return f"{utc_clock(datetime.now(timezone.utc))}  {job.state:<9} {job.progress:>3}%"


def run(settings: ConnectionSettings, job_id: str, organization_id: str, *, as_json: bool,
        wait: bool, first_poll: float) -> int:
    aws = connect(settings)
    job = jobs.describe_job(aws, organization_id, job_id)
    if wait:
        job = follow(aws, job, first_poll, progress=sys.stderr if as_json else sys.stdout)
    remember(job)
    if as_json:
        cause = {"likely_cause": jobs.likely_cause(job.error_info)} if job.state == "FAILED" \
            else {}
        emit_json({**job_dict(job), **cause})
    else:
        entry = recorded(job.job_id)
        [row] = jobs.merge_jobs([job], [entry] if entry else [])
        print("\n".join(job_lines(job, row.entity_label)))
    if wait and job.state in UNSUCCESSFUL:
        return exit_codes.JOB_UNSUCCESSFUL
    return exit_codes.OK


def follow(aws: Aws, job: ExportJob, first_poll: float, progress: TextIO) -> ExportJob:
    """Describe the job again until it finishes, a progress line each time it moves."""
    delays = jobs.poll_delays(first=first_poll)
    delay = next(delays)
    print(progress_line(job), file=progress, flush=True)
    while not job.finished:
        time.sleep(delay)
        latest = jobs.describe_job(aws, job.organization_id, job.job_id)
        moved = (latest.state, latest.progress) != (job.state, job.progress)
        if moved:
            print(progress_line(latest), file=progress, flush=True)
            remember(latest)
        delay = delays.send(moved)
        job = latest
    return job
