"""Verify a job's export without downloading it: the object is there (HeadObject), its size,
encryption, key and age; with the output log, its size equals the log's totalBytes.

ASSUMPTION (unverified): the log's `totalBytes` is the size of the .zip object (what the
admin guide's example suggests; nothing says otherwise). States: `model.VerifyState`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from tui.core.model import CoreError, ExportJob
from tui.core.retrieve.locate import head_export, location_of, same_key
from tui.core.retrieve.model import (
    ExportLocation,
    ExportLog,
    ExportObject,
    Verification,
    VerifyState,
)
from tui.core.retrieve.output_log import find_log, log_prefix

if TYPE_CHECKING:
    from tui.core.session import Aws


def verify_job(aws: Aws, job: ExportJob, now: datetime | None = None) -> Verification:
    """The verdict on `job`'s export (never raises for an expected failure: a refusal or a
    failed call is a NOT_CHECKABLE verification naming why)."""
    now = now or datetime.now(timezone.utc)
    if job.state != "COMPLETED":
        return Verification(job.job_id, VerifyState.NOT_COMPLETED, checked_at=now,
                            sentence=f"Job {job.job_id} is {job.state or 'unknown'}: only a "
                                     "COMPLETED job has an export to verify.")
    try:
        location = location_of(job)
    except CoreError as error:
        return _not_checkable(job.job_id, error, None, now)
    try:
        export = head_export(aws, location)
    except CoreError as error:
        return _not_checkable(job.job_id, error, location, now)
    if export is None:
        return Verification(job.job_id, VerifyState.MISSING, location=location, checked_at=now,
                            sentence=f"The export {location.url} is not there (S3 says no "
                                     "such object). Was it moved or deleted? Export the "
                                     "mailbox again.")
    notes = _notes(export, location, now)
    try:
        log = find_log(aws, location, export)
    except CoreError as error:
        return _not_checkable(job.job_id, error, location, now, export, notes)
    return judge(job.job_id, location, export, log, notes, now)


def judge(job_id: str, location: ExportLocation, export: ExportObject, log: ExportLog | None,
          notes: tuple[str, ...], now: datetime) -> Verification:
    """The verdict once the object and (maybe) its log are known."""
    size = f"{export.size:,} bytes"
    if log is None:
        return Verification(
            job_id, VerifyState.NO_LOG, location=location, object=export, notes=notes,
            checked_at=now,
            sentence=f"The export {location.url} is there ({size}), but no output log was "
                     f"found under {log_prefix(location) or 'the bucket'} to compare it with; "
                     "its size is not confirmed.")
    if log.total_bytes is None:
        return Verification(
            job_id, VerifyState.NO_LOG, location=location, object=export, log=log,
            notes=notes, checked_at=now,
            sentence=f"The export {location.url} is there ({size}); its log "
                     f"{log.key} gives no totalBytes, so its size is not confirmed.")
    if log.total_bytes != export.size:
        return Verification(
            job_id, VerifyState.SIZE_MISMATCH, location=location, object=export, log=log,
            notes=notes, checked_at=now,
            sentence=f"The export {location.url} is {size}, but its log says "
                     f"{log.total_bytes:,}: it is incomplete or was replaced. Export the "
                     "mailbox again.")
    return Verification(
        job_id, VerifyState.VERIFIED, location=location, object=export, log=log, notes=notes,
        checked_at=now,
        sentence=f"Verified: {location.url} is there, {size} as its log says"
                 f"{_messages(log)}.")


def _messages(log: ExportLog) -> str:
    if log.total_messages is None:
        return ""
    return f" ({log.total_messages:,} messages in {log.total_folders or '?'} folders)"


def _notes(export: ExportObject, location: ExportLocation, now: datetime) -> tuple[str, ...]:
    notes = []
    if export.encryption != "aws:kms":
        notes.append(f"S3 reports encryption {export.encryption or 'none'}, not SSE-KMS as "
                     "WorkMail writes exports.")
    elif not same_key(export.kms_key_id, location.kms_key_arn):
        notes.append(f"It is encrypted with KMS key {export.kms_key_id}, not the job's "
                     f"{location.kms_key_arn}.")
    if export.last_modified is not None:
        notes.append(f"Written {_age(now - export.last_modified)} ago.")
    return tuple(notes)


def _age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= length:
            count = seconds // length
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _not_checkable(job_id: str, error: CoreError, location: ExportLocation | None,
                   now: datetime, export: ExportObject | None = None,
                   notes: tuple[str, ...] = ()) -> Verification:
    problem = error.problem
    denied = problem.code == "AccessDenied"
    return Verification(job_id, VerifyState.NOT_CHECKABLE, location=location, object=export,
                        notes=notes, checked_at=now,
                        permission=problem.operation if denied else "",
                        sentence=f"Could not check: {problem.message} {problem.hint}".strip())
