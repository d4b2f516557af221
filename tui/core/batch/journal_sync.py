"""The journal made whole from the store: every JobId a run obtained is in the job journal.

The batch store is a run's record and is written first; the single-job journal (what `jobs`
and the jobs screen read) is written after it, and a write there can fail (a full disk, a
read-only file) without stopping the run. `sync_journal` adds every JobId of the run that the
journal lacks, as the runner would have written it: the request of that attempt (its
ClientToken, tagged description and prefix), the mailbox's name and email, the run id, and the
job's last known state. The runner calls it when it takes up a run and when it lets go.
"""

from __future__ import annotations

from datetime import datetime, timezone

from tui.core.batch.model import JobRecord, MailboxRow, RunInfo
from tui.core.batch.store import BatchStore
from tui.core.batch.tokens import client_token, tagged_description
from tui.core.journal import Journal
from tui.core.model import ExportJob, ExportRequest


def _moment(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, tz=timezone.utc) if epoch is not None else None


def _request(run: RunInfo, row: MailboxRow, attempt: int) -> ExportRequest:
    settings = run.settings
    return ExportRequest(
        organization_id=settings.organization_id, entity_id=row.entity_id,
        role_arn=settings.role_arn, kms_key_arn=settings.kms_key_arn, bucket=settings.bucket,
        prefix=row.prefix,
        description=tagged_description(settings.description, run.run_id, attempt),
        client_token=client_token(run.run_id, row.entity_id, attempt))


def _job(run: RunInfo, row: MailboxRow, record: JobRecord, request: ExportRequest
         ) -> ExportJob:
    current = row.job_id == record.job_id
    return ExportJob(
        job_id=record.job_id, organization_id=run.settings.organization_id,
        entity_id=record.entity_id, state=record.state,
        progress=100 if record.state == "COMPLETED" else (row.progress if current else 0),
        description=request.description, role_arn=request.role_arn,
        kms_key_arn=request.kms_key_arn, bucket=request.bucket, prefix=request.prefix,
        s3_path=row.s3_path if current else "", error_info=record.error,
        start_time=_moment(record.started_at), end_time=_moment(record.ended_at))


def sync_journal(journal: Journal, store: BatchStore, run_id: str, region: str) -> int:
    """Write into `journal` every JobId of the run it lacks; how many were written. Raises
    JournalError when the journal cannot be read or written."""
    run = store.run(run_id)
    rows = {row.entity_id: row for row in store.rows(run_id)}
    written = 0
    for record in store.jobs(run_id):
        row = rows.get(record.entity_id)
        if row is None or journal.find(record.job_id) is not None:
            continue
        request = _request(run, row, record.attempt)
        journal.record_submit(request, region, entity_name=row.name, entity_email=row.email,
                              batch_run_id=run_id)
        journal.record_started(request.client_token, record.job_id)
        journal.record_state(_job(run, row, record, request))
        written += 1
    return written
