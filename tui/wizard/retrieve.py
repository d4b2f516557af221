"""After the export, what every face shares: which exports a JobId or a run names, verifying
and downloading them with the result kept in the local record, where downloads go, and the
words a person reads for each state.

The commands (verify, download, inspect, convert) and the Textual screens (tui/app/retrieve)
both call these, so the same jobs are picked, the same files written and the same sentences
shown.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import platformdirs

from tui.core import jobs
from tui.core.batch.model import MailboxRow, RowState, RunSettings
from tui.core.batch.store import BatchStore
from tui.core.model import AwsProblem, CoreError, ExportJob
from tui.core.retrieve import transfer
from tui.core.retrieve.folder_names import safe_name
from tui.core.retrieve.model import (
    DownloadProgress,
    DownloadResult,
    DownloadState,
    Verification,
    VerifyState,
)
from tui.core.retrieve.results import retrievals_or_none
from tui.core.retrieve.verify import verify_job
from tui.core.session import Aws

DOWNLOADS_ENV = "WORKMAIL_EXPORT_DOWNLOADS"

# How each state reads in a list (short) and whether it is a pass.
VERIFY_WORDS = {
    VerifyState.VERIFIED: "verified",
    VerifyState.NO_LOG: "no log to compare",
    VerifyState.MISSING: "object missing",
    VerifyState.SIZE_MISMATCH: "size mismatch",
    VerifyState.NOT_CHECKABLE: "not checkable",
    VerifyState.NOT_COMPLETED: "not completed",
}
DOWNLOAD_WORDS = {
    DownloadState.MATCHED: "downloaded, sha384 matches",
    DownloadState.NO_LOG: "downloaded, no log to compare",
    DownloadState.HASH_MISMATCH: "downloaded, sha384 MISMATCH",
}


def counted(count: int, singular: str, plural: str = "") -> str:
    """`1 message`, `3 messages`, `1,024 entries`."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def size_text(count: int) -> str:
    """Bytes as a person reads them: 512 B, 3.4 KiB, 12.0 MiB, 1.20 GiB."""
    if count < 1024:
        return f"{count} B"
    value = float(count)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return f"{value:.2f} {unit}" if unit in ("GiB", "TiB") else f"{value:.1f} {unit}"
    return f"{count} B"


@dataclass(frozen=True)
class ChosenExport:
    """One job whose export a command or screen works on, and how a person names it."""

    job: ExportJob
    label: str
    run_id: str = ""


def default_downloads_dir() -> Path:
    """Where the app downloads to: $WORKMAIL_EXPORT_DOWNLOADS, else workmail-export/ in the
    user's downloads folder."""
    if os.environ.get(DOWNLOADS_ENV):
        return Path(os.environ[DOWNLOADS_ENV]).expanduser()
    return Path(platformdirs.user_downloads_dir()) / "workmail-export"


def download_path(directory: Path, target: ChosenExport) -> Path:
    """Where one export is downloaded: `DIR/<JobId>.zip`, or for a run's mailbox
    `DIR/<mailbox>/<JobId>.zip` (the mailbox's name made safe for the file system)."""
    if target.run_id:
        return directory / safe_name(target.label) / f"{target.job.job_id}.zip"
    return directory / f"{target.job.job_id}.zip"


def job_target(aws: Aws, organization_id: str, job_id: str, label: str = "") -> ChosenExport:
    """The job as the service describes it now."""
    return ChosenExport(jobs.describe_job(aws, organization_id, job_id), label or job_id)


def run_targets(aws: Aws, store: BatchStore, run_id: str) -> list[ChosenExport]:
    """Every mailbox of a run that obtained a JobId, in plan order. A COMPLETED row is taken
    as the store has it (its S3 path, the run's bucket and key); any other is described
    again, since it may have ended since the run last looked."""
    settings = store.run(run_id).settings
    targets = []
    for row in store.rows(run_id):
        if not row.job_id:
            continue
        completed = completed_job(settings, row)
        job = completed or jobs.describe_job(aws, settings.organization_id, row.job_id)
        targets.append(ChosenExport(job, row.label, run_id))
    return targets


def completed_job(settings: RunSettings, row: MailboxRow) -> ExportJob | None:
    """The job of a run's COMPLETED row as the store knows it (None for any other row)."""
    if row.state is not RowState.COMPLETED or not row.s3_path or not row.job_id:
        return None
    return ExportJob(job_id=row.job_id, organization_id=settings.organization_id,
                     entity_id=row.entity_id, state="COMPLETED", progress=100,
                     kms_key_arn=settings.kms_key_arn, bucket=settings.bucket,
                     prefix=row.prefix, s3_path=row.s3_path)


def recorded_or_verified(aws: Aws, job: ExportJob, now: datetime | None = None
                         ) -> Verification:
    """The verdict this machine recorded for the job, else a fresh verification (recorded)."""
    from tui.core.retrieve.results import known

    retrieval = known([job.job_id]).get(job.job_id)
    if retrieval is not None and retrieval.verification:
        return Verification(job.job_id, VerifyState(retrieval.verification), retrieval.sentence,
                            checked_at=retrieval.checked_at)
    return verify_and_record(aws, job, now)


def verify_and_record(aws: Aws, job: ExportJob, now: datetime | None = None) -> Verification:
    """Verify the job's export and keep the verdict in the local record (best effort: a
    record that cannot be written does not change the verdict). `now` dates the check and
    the object's age (a face's clock)."""
    verification = verify_job(aws, job, now)
    with retrievals_or_none() as record:
        if record is not None:
            _quietly(lambda: record.record_verification(verification))
    return verification


def download_and_record(aws: Aws, target: ChosenExport, directory: Path,
                        verification: Verification,
                        options: transfer.TransferOptions | None = None,
                        on_progress: Callable[[DownloadProgress], None] | None = None,
                        stop: threading.Event | None = None) -> DownloadResult:
    """Download a verified (or log-less) export into `directory` and record the result.
    A missing or mismatched export is not downloaded: CoreError with the verdict."""
    if verification.state not in (VerifyState.VERIFIED, VerifyState.NO_LOG) or \
            verification.object is None or verification.location is None:
        from tui.core.model import AwsProblem

        raise CoreError(AwsProblem(code=verification.state.name, operation="download",
                                   message=verification.sentence,
                                   hint="Nothing was downloaded."))
    path = download_path(directory, target)
    result = transfer.download(aws, verification.location, verification.object,
                               verification.log, path, options or transfer.TransferOptions(),
                               on_progress, stop)
    with retrievals_or_none() as record:
        if record is not None:
            _quietly(lambda: record.record_download(target.job.job_id, result))
    return result


def _quietly(write: Callable[[], None]) -> None:
    with contextlib.suppress(CoreError):
        write()


def record_of(job_ids: list[str]) -> dict[str, str]:
    """A short word for what is proven of each job (its download, else its verification),
    from the local record; jobs never checked are left out."""
    from tui.core.retrieve.results import known

    words = {}
    for job_id, retrieval in known(job_ids).items():
        if retrieval.download:
            words[job_id] = DOWNLOAD_WORDS.get(DownloadState(retrieval.download),
                                               retrieval.download)
        elif retrieval.verification:
            words[job_id] = VERIFY_WORDS.get(VerifyState(retrieval.verification),
                                             retrieval.verification)
    return words


@dataclass(frozen=True)
class DownloadedExport:
    """A run's mailbox whose export was downloaded on this machine."""

    label: str  # the mailbox's email, else its name
    zip_path: str


def downloaded_exports(run_id: str, operation: str) -> list[DownloadedExport]:
    """Every export of the run downloaded on this machine (convert and deliver take these);
    a CoreError saying how to download them when there is none."""
    store = BatchStore.open()
    try:
        rows = [row for row in store.rows(run_id) if row.job_id]
    finally:
        store.close()
    from tui.core.retrieve.results import known

    recorded = known([row.job_id for row in rows])
    exports = [DownloadedExport(row.label, recorded[row.job_id].path) for row in rows
               if row.job_id in recorded and recorded[row.job_id].path]
    if not exports:
        raise CoreError(AwsProblem(
            code="NothingDownloaded", operation=operation,
            message=f"No export of run {run_id} has been downloaded on this machine yet.",
            hint=f"Download them first: workmail-export download --run {run_id} --to DIR"))
    return exports

