"""Whether the mailbox of a single export was exported in the last 24 hours, which WorkMail
refuses (at most one export a mailbox a day): a warning before the submit, not only AWS's
LimitExceededException after it.

The rule is the bulk plan's (`batch.plan.newest_in_window`: RUNNING or COMPLETED jobs started
less than 24 hours ago), over the service's jobs (ListMailboxExportJobs) merged with the local
journal's (which still knows the jobs started here when the service cannot be asked). A FAILED
or CANCELLED job in that time may count too (unverified): a warning that says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from tui.core import discovery, fields, jobs
from tui.core.batch.plan import MAYBE_WINDOW_STATES, RecentExport, newest_in_window
from tui.core.checks import unchecked
from tui.core.model import AwsProblem, CoreError, ExportRequest, Field, Finding, Level

if TYPE_CHECKING:
    from tui.core.journal import JournalEntry
    from tui.core.session import Aws


def check_recent_export(aws: Aws, request: ExportRequest, now: float,
                        journal: Sequence[JournalEntry] = ()) -> list[Finding]:
    """A warning when the request's mailbox was exported less than 24 hours before `now`;
    nothing when it was not, or when the organization or mailbox is not valid (their own
    checks say why); "could not check" when neither the service nor the journal can tell."""
    org_id = request.organization_id
    if (fields.check_field(Field.ORGANIZATION, org_id)
            or fields.check_field(Field.ENTITY, request.entity_id)):
        return []
    try:
        mailbox = discovery.resolve_mailbox(aws, org_id, request.entity_id)
    except CoreError:
        return []  # the mailbox check says why
    if mailbox is None:
        return []
    problem: AwsProblem | None = None
    try:
        listed = jobs.list_jobs(aws, org_id)
    except CoreError as error:
        listed, problem = [], error.problem
    names = {name for name in (mailbox.id, mailbox.name, mailbox.email) if name}
    rows = jobs.merge_jobs(listed, [e for e in journal if e.organization_id == org_id])
    mine = [row.job for row in rows if row.job.entity_id in names or row.entity_label in names]
    recent = newest_in_window(mine, now)
    label = mailbox.email or mailbox.name
    if not recent:
        if problem is not None:
            return [replace(unchecked(Field.ENTITY, problem,
                                      "whether the mailbox was exported in the last 24 hours"),
                            essential=False)]  # AWS refuses a repeat itself
        return _maybe_in_window(label, newest_in_window(mine, now, MAYBE_WINDOW_STATES))
    last = max(recent.values(), key=lambda r: r.started)
    return [Finding(Field.ENTITY, Level.WARNING,
                    f"{label} was exported by job {last.job_id} ({last.state}), started "
                    f"{_utc(last.started)}; WorkMail exports a mailbox at most once in 24 hours, "
                    f"so it will refuse this export until {_utc(last.available_at)}.",
                    fix=f"Export it after {_utc(last.available_at)}, or follow job "
                        f"{last.job_id} (workmail-export status {last.job_id}).")]


def _utc(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _maybe_in_window(label: str, ended: dict[str, RecentExport]) -> list[Finding]:
    """A warning for a FAILED or CANCELLED job of the mailbox in the last 24 hours: whether
    such a job uses up the day's export is an ASSUMPTION (unverified; the simulator's
    Assumptions.window_states), so the export may be refused until the day is over."""
    if not ended:
        return []
    last = max(ended.values(), key=lambda r: r.started)
    return [Finding(Field.ENTITY, Level.WARNING,
                    f"{label} was last exported by job {last.job_id}, which ended "
                    f"{last.state}, started {_utc(last.started)}; whether such a job counts "
                    "against WorkMail's one export a mailbox in 24 hours is not documented, so "
                    f"this export may be refused until {_utc(last.available_at)}.",
                    fix=f"If it is refused, export it after {_utc(last.available_at)}.")]
