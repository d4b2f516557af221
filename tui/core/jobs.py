"""Export jobs on the service side: describe, list, cancel; and what a face needs to show them.

`merge_jobs` joins the service's list (last seven days, no role/key/prefix) with the local
journal (everything started here, with every field); `poll_delays` paces a monitor;
`likely_cause` turns a FAILED job's ErrorInfo into the first thing to check.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from tui.core.errors import aws_failures, translate
from tui.core.journal import JournalEntry
from tui.core.model import CoreError, ExportJob
from tui.core.session import Aws

_PAGE_SIZE = 100  # the service's maximum


@dataclass(frozen=True)
class JobRow:
    """One line of the jobs screen: the job, who it exported, and where its facts came from.

    `from_journal` is True when the service did not list the job (older than seven days, or
    the list could not be read): its state is the last one this machine saw.
    """

    job: ExportJob
    from_journal: bool = False
    entity_label: str = ""
    source: str = ""

    @property
    def sort_time(self) -> datetime:
        return self.job.start_time or datetime.min.replace(tzinfo=timezone.utc)


_JOB_NOT_FOUND_HINT = (
    "This organization has no export job with that JobId. Check the JobId and the "
    "organization (and its Region) it was started in."
)


def _failure(exc: BaseException, aws: Aws, operation: str, job_id: str = "") -> CoreError:
    """The CoreError for a failed jobs call; an unknown JobId is named as such."""
    problem = translate(exc, f"workmail:{operation}", aws.profile)
    if job_id and problem.code == "EntityNotFoundException":
        problem = replace(problem, hint=_JOB_NOT_FOUND_HINT, field=None)
    return CoreError(problem)


def job_from_answer(item: dict[str, Any], org_id: str, job_id: str = "") -> ExportJob:
    """An ExportJob from a DescribeMailboxExportJob answer or a ListMailboxExportJobs item."""
    return ExportJob(
        job_id=item.get("JobId", job_id),
        organization_id=org_id,
        entity_id=item.get("EntityId", ""),
        state=item.get("State", ""),
        progress=int(item.get("EstimatedProgress", 0)),
        description=item.get("Description", ""),
        role_arn=item.get("RoleArn", ""),
        kms_key_arn=item.get("KmsKeyArn", ""),
        bucket=item.get("S3BucketName", ""),
        prefix=item.get("S3Prefix", ""),
        s3_path=item.get("S3Path", ""),
        error_info=item.get("ErrorInfo", ""),
        start_time=item.get("StartTime"),
        end_time=item.get("EndTime"),
    )


def describe_job(aws: Aws, org_id: str, job_id: str) -> ExportJob:
    """DescribeMailboxExportJob: everything the service knows of one job."""
    try:
        answer = aws.client("workmail").describe_mailbox_export_job(
            OrganizationId=org_id, JobId=job_id)
    except aws_failures() as exc:
        raise _failure(exc, aws, "DescribeMailboxExportJob", job_id) from exc
    return job_from_answer(answer, org_id, job_id)


def list_jobs(aws: Aws, org_id: str) -> list[ExportJob]:
    """ListMailboxExportJobs, every page: the jobs of the last seven days, as listed (the
    items carry no RoleArn, KmsKeyArn or S3Prefix; `merge_jobs` fills them from the journal)."""
    workmail = aws.client("workmail")
    jobs: list[ExportJob] = []
    params: dict[str, Any] = {"OrganizationId": org_id, "MaxResults": _PAGE_SIZE}
    try:
        while True:
            page = workmail.list_mailbox_export_jobs(**params)
            jobs.extend(job_from_answer(item, org_id) for item in page.get("Jobs", []))
            if not page.get("NextToken"):
                return jobs
            params["NextToken"] = page["NextToken"]
    except aws_failures() as exc:
        raise _failure(exc, aws, "ListMailboxExportJobs") from exc


_CANCEL_REFUSED_HINT = (
    "WorkMail cannot cancel a job that has already finished (COMPLETED, FAILED or CANCELLED), "
    "and may refuse one that is near completion; let it finish, then delete the exported "
    "object from the bucket if it was a mistake."
)


def cancel_job(aws: Aws, org_id: str, job_id: str) -> None:
    """CancelMailboxExportJob. A refused cancel raises CoreError whose hint says why."""
    try:
        aws.client("workmail").cancel_mailbox_export_job(OrganizationId=org_id, JobId=job_id)
    except aws_failures() as exc:
        error = _failure(exc, aws, "CancelMailboxExportJob", job_id)
        if error.problem.code == "InvalidParameterException":
            hint = _refusal_hint(aws, org_id, job_id)
            error = CoreError(replace(error.problem, hint=hint, field=None))
        raise error from exc


def _refusal_hint(aws: Aws, org_id: str, job_id: str) -> str:
    """Why a cancel was refused, naming the job's state when the service tells it."""
    try:
        job = describe_job(aws, org_id, job_id)
    except CoreError:
        return _CANCEL_REFUSED_HINT
    if job.finished:
        return f"The job has already finished ({job.state}); there is nothing to cancel."
    return (f"The job is at {job.progress}% and too close to completion to cancel. "
            + _CANCEL_REFUSED_HINT)


def merge_jobs(service: list[ExportJob], journal: list[JournalEntry]) -> list[JobRow]:
    """The service's jobs and the journal's, one row per JobId, newest first.

    The service wins for state, progress, S3 path, error and end time; the journal fills
    what the service's list leaves out (role, key, prefix, description, mailbox name) and
    supplies the jobs the service no longer lists (marked `from_journal`). Journal entries
    without a JobId (a submit whose answer never arrived) are not jobs and are left out.
    """
    recorded = {entry.job_id: entry for entry in journal if entry.job_id}
    rows: dict[str, JobRow] = {}
    for job in service:
        if job.job_id in rows:
            continue
        entry = recorded.get(job.job_id)
        rows[job.job_id] = JobRow(
            job=_fill_from_journal(job, entry) if entry else job,
            entity_label=_entity_label(entry) if entry else job.entity_id,
            source=entry.source if entry else "",
        )
    for job_id, entry in recorded.items():
        if job_id not in rows:
            rows[job_id] = JobRow(job=entry.as_job(), from_journal=True,
                                  entity_label=_entity_label(entry), source=entry.source)
    return sorted(rows.values(), key=lambda row: row.sort_time, reverse=True)


def _fill_from_journal(job: ExportJob, entry: JournalEntry) -> ExportJob:
    return replace(
        job,
        role_arn=job.role_arn or entry.role_arn,
        kms_key_arn=job.kms_key_arn or entry.kms_key_arn,
        bucket=job.bucket or entry.bucket,
        prefix=job.prefix or entry.prefix,
        description=job.description or entry.description,
        start_time=job.start_time or entry.started_at or entry.submitted_at,
    )


def _entity_label(entry: JournalEntry) -> str:
    return entry.entity_name or entry.entity_email or entry.entity_id


def poll_delays(first: float = 2.0, factor: float = 1.5,
                longest: float = 30.0) -> Generator[float, bool | None, None]:
    """Seconds to wait before each poll of a running job: 2, 3, 4.5 ... up to 30.

    Send True (`delays.send(True)`) when the last poll showed new progress: the wait starts
    again from `first`. `next(delays)` means nothing changed.
    """
    delay = first
    while True:
        progressed = yield delay
        delay = first if progressed else min(delay * factor, longest)


_CAUSES: tuple[tuple[Iterable[str], str], ...] = (
    (("region",),
     "The organization, the KMS key and the S3 bucket must all be in the same Region. Pick a "
     "key and a bucket in the organization's Region."),
    (("kms", "key policy", "decrypt", "generatedatakey", "encrypt"),
     "The role could not use the KMS key. Check that the key is enabled and symmetric, that "
     "its key policy lets the account's IAM policies (or the role) use it, and that the "
     "role's kms:Decrypt and kms:GenerateDataKey statement names this key with kms:ViaService "
     "s3.<region>.amazonaws.com and an encryption-context prefix that matches the S3 prefix."),
    (("bucket", "s3", "public", "putobject"),
     "WorkMail could not write to the bucket. Check that the role may s3:PutObject, "
     "s3:AbortMultipartUpload and s3:GetBucketPolicyStatus on the bucket and its objects, "
     "that no bucket policy denies it, and that the bucket blocks all public access."),
    (("access denied", "accessdenied", "not authorized", "unauthorized", "assume", "role",
      "permission", "forbidden"),
     "WorkMail could not use the role. Check the role's trust policy (principal "
     "export.workmail.amazonaws.com, SourceAccount and SourceArn of this organization) and "
     "its permissions policy for the bucket and the key."),
)
_GENERIC_CAUSE = (
    "WorkMail gave no cause this tool recognises. Run the preflight checks on the same "
    "role, key, bucket and prefix, then start the export again (a mailbox can be exported "
    "once every 24 hours)."
)


_ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::\S+")


def likely_cause(error_info: str) -> str:
    """The first thing to check for a FAILED job, from its ErrorInfo."""
    # A role's name says nothing about the cause (a role named "...S3Export" is no bucket).
    text = _ROLE_ARN.sub("the role", error_info).lower()
    for words, cause in _CAUSES:
        if any(word in text for word in words):
            return cause
    return _GENERIC_CAUSE

