"""The core calls behind the monitor and jobs screens: follow one job, cancel it, list the jobs
of an organization with the local journal. No Textual here; the screens run these in thread
workers, and the core (with botocore) is imported only when a call runs, as in tui.wizard.calls.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tui.core.model import AwsProblem, CoreError, ExportJob, Mailbox

if TYPE_CHECKING:
    from tui.core.jobs import JobRow
    from tui.core.journal import Journal, JournalEntry
    from tui.core.session import Aws


@dataclass(frozen=True)
class Polled:
    """One poll's answer: the job as the service describes it now, and a sentence when the
    journal could not keep it (the monitor goes on all the same)."""

    job: ExportJob
    journal_problem: str = ""


class JobWatch:
    """One job followed by a monitor. Thread-safe: polls and a cancel may overlap.

    Each poll's answer is written to the journal (`record_state`), so the jobs screen still
    knows the last state when WorkMail no longer lists the job.
    """

    def __init__(self, aws: Aws, organization_id: str, job_id: str) -> None:
        self.aws = aws
        self.organization_id = organization_id
        self.job_id = job_id
        self._journal: Journal | None = None
        self._journal_problem = ""
        self._opened = False
        self._lock = threading.Lock()

    def poll(self) -> Polled:
        """DescribeMailboxExportJob, then the journal; CoreError when the service fails."""
        from tui.core.jobs import describe_job

        job = describe_job(self.aws, self.organization_id, self.job_id)
        return Polled(job, self._remember(job))

    def cancel(self) -> None:
        """CancelMailboxExportJob; a refusal is a CoreError whose hint says why."""
        from tui.core.jobs import cancel_job

        cancel_job(self.aws, self.organization_id, self.job_id)

    def _remember(self, job: ExportJob) -> str:
        with self._lock:
            journal = self._open_journal()
            if journal is None:
                return self._journal_problem
            try:
                journal.record_state(job)
            except CoreError as exc:
                return exc.problem.sentence()
            return ""

    def _open_journal(self) -> Journal | None:
        """The journal, opened on the first poll (once: a journal that cannot be opened is
        reported with every poll, not tried again)."""
        if not self._opened:
            from tui.core.journal import Journal

            self._opened = True
            try:
                self._journal = Journal.open()
            except CoreError as exc:
                self._journal_problem = exc.problem.sentence()
        return self._journal

    def close(self) -> None:
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None


@dataclass(frozen=True)
class JobListing:
    """The jobs screen's rows. `service_problem` is set when ListMailboxExportJobs failed (the
    rows are then the journal's only); `journal_problem` when the journal could not be read."""

    rows: tuple[JobRow, ...]
    service_problem: AwsProblem | None = None
    journal_problem: str = ""


def list_job_rows(aws: Aws, organization_id: str) -> JobListing:
    """ListMailboxExportJobs (every page) merged with the journal, newest first. What the
    service lists of a job started here is kept in the journal as its last known state."""
    from tui.core.jobs import list_jobs, merge_jobs
    from tui.core.journal import Journal

    service: list[ExportJob] = []
    service_problem: AwsProblem | None = None
    try:
        service = list_jobs(aws, organization_id)
    except CoreError as exc:
        service_problem = exc.problem
    entries: list[JournalEntry] = []
    try:
        with Journal.open() as journal:
            entries = journal.entries(organization_id)
            _remember_listed(journal, service, entries)
            journal_problem = journal.warning
    except CoreError as exc:
        journal_problem = exc.problem.sentence()
    return JobListing(tuple(merge_jobs(service, entries)), service_problem, journal_problem)


def _remember_listed(journal: Journal, service: list[ExportJob],
                     entries: list[JournalEntry]) -> None:
    """Record the listed state of jobs started here. A list item carries no ErrorInfo, so an
    error the journal already holds is kept."""
    recorded = {entry.job_id: entry for entry in entries if entry.job_id}
    for job in service:
        entry = recorded.get(job.job_id)
        if entry is None:
            continue
        known = entry.as_job()
        if (known.state, known.progress, known.s3_path, known.end_time) == (
                job.state, job.progress, job.s3_path, job.end_time):
            continue
        journal.record_state(replace(job, error_info=job.error_info or entry.error_info))


NAMES_PER_LOOKUP = 20  # mailboxes named per listing: each costs a few WorkMail calls


def mailboxes_by_id(aws: Aws, organization_id: str,
                    entity_ids: Sequence[str]) -> dict[str, Mailbox | None]:
    """The mailboxes behind up to NAMES_PER_LOOKUP entity ids (None: not found), so the
    jobs screen can show names where WorkMail's list and the journal give only ids."""
    from tui.core.discovery import resolve_mailbox

    return {entity_id: resolve_mailbox(aws, organization_id, entity_id)
            for entity_id in entity_ids[:NAMES_PER_LOOKUP]}
