"""The bulk path shared by every face: which mailboxes, the plan with the same preflight
checks as a single export, the prefix examples shown before start, and the words of progress.

The Textual face (tui/app/bulk_*.py) and `workmail-export batch` both call these, so the
choice of mailboxes, the checks and the lines a person reads are written once.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.core.batch.model import MAX_CONCURRENCY, BatchProgress, RowState, RunInfo, RunStatus
from tui.core.batch.plan import (
    Chosen,
    Filters,
    Plan,
    PlannedMailbox,
    Rejected,
    choose_enabled,
    choose_named,
)
from tui.core.batch.plan import make_plan as _make_plan
from tui.core.batch.plan import read_names as _read_names
from tui.core.batch.store import BatchStore, default_store_path
from tui.core.journal import JOURNAL_ENV, STATE_DIR_ENV, journal_path
from tui.core.model import ExportRequest, Field, Finding, Level
from tui.core.safe_text import shown
from tui.core.session import Aws

EVERY_MAILBOX = "every enabled user and resource"
RESUME_COMMAND = "workmail-export batch --resume {run_id}"
# Totals in the order a person reads them on a progress line.
SHOWN_STATES = (RowState.COMPLETED, RowState.RUNNING, RowState.STARTING, RowState.PLANNED,
                RowState.FAILED, RowState.CANCELLED, RowState.SKIPPED)


def resume_command(run_id: str) -> str:
    """The command that resumes a run. The run's connection (profile, Region, endpoint) is
    stored with it, so only where the store is has to be said, when it is not in the
    default place: the store lives beside the journal, so `--journal` names it."""
    command = RESUME_COMMAND.format(run_id=run_id)
    if os.environ.get(JOURNAL_ENV) or os.environ.get(STATE_DIR_ENV):
        command += f" --journal {shlex.quote(str(journal_path()))}"
    return command


def reports_dir() -> Path:
    """Where manifests go unless told otherwise: `reports/` beside the batch store (in the
    state directory)."""
    return default_store_path().parent / "reports"


# -- choosing ---------------------------------------------------------------------------------


def choose_matching(aws: Aws, org_id: str, text: str) -> Chosen:
    """Every enabled mailbox, or those whose name or email starts with `text` (both are
    asked of the service; a mailbox matching both is listed once)."""
    text = text.strip()
    if not text:
        return choose_enabled(aws, org_id)
    by_name = choose_enabled(aws, org_id, Filters(name_prefix=text))
    by_email = choose_enabled(aws, org_id, Filters(email_prefix=text))
    seen = {m.id: m for m in by_name.mailboxes}
    seen.update({m.id: m for m in by_email.mailboxes if m.id not in seen})
    return Chosen(tuple(sorted(seen.values(), key=lambda m: (m.email or m.name).lower())))


def read_names(path: str | Path) -> list[str]:
    """The lines of a list file; ValueError with a sentence when it cannot be read."""
    target = Path(path).expanduser()
    try:
        return _read_names(target)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValueError(f"The list {target} cannot be read ({reason}); give a text file "
                         "with one id, name or email a line.") from exc


def choose_from_file(aws: Aws, org_id: str, path: str | Path) -> Chosen:
    """The mailboxes a file names; lines naming nothing usable are in `rejected`."""
    names = read_names(path)
    if not names:
        raise ValueError(f"The list {Path(path).expanduser()} names no mailbox (blank lines "
                         "and # comments are skipped).")
    return choose_named(aws, org_id, names)


def keep_only(chosen: Chosen, ids: set[str]) -> Chosen:
    """The hand-picked part of a selection (its rejected lines kept)."""
    return Chosen(tuple(m for m in chosen.mailboxes if m.id in ids), chosen.rejected)


def rejected_line(rejected: Rejected) -> str:
    """A line of a list file (or a name) that was not used, and why; escaped, since the line
    is the file's text."""
    return shown(f"{rejected.text}: {rejected.reason}")


# -- planning and checking -------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedPlan:
    """A plan and the preflight findings of its shared settings."""

    plan: Plan
    findings: tuple[Finding, ...]

    @property
    def blocked(self) -> bool:
        return any(f.level is Level.ERROR for f in self.findings) or not self.plan.mailboxes


def plan_and_check(aws: Aws, request: ExportRequest, chosen: Chosen, now: float,
                   preflight: Callable[[Aws, ExportRequest], list[Finding]]) -> CheckedPlan:
    """The plan (prefix per mailbox, recent exports) and the single-export preflight run on
    the first mailbox with its own prefix: role, key, bucket and the prefix condition are
    the same for every mailbox, so one check covers the run. `request.prefix` is the base."""
    try:
        plan = _make_plan(aws, request.organization_id, chosen, request.prefix, now)
    except ValueError as exc:
        empty = Plan(request.organization_id, request.prefix, (), chosen.rejected)
        return CheckedPlan(empty, (Finding(Field.PREFIX, Level.ERROR, str(exc)),))
    if not plan.mailboxes:
        return CheckedPlan(plan, ())
    first = plan.mailboxes[0]
    probe = request.with_changes(entity_id=first.mailbox.id, prefix=first.prefix)
    return CheckedPlan(plan, tuple(preflight(aws, probe)))


def concurrency_note(others_running: int) -> str:
    """What the jobs-at-once field means with `others_running` jobs of others in the org."""
    if not others_running:
        return f"1-{MAX_CONCURRENCY}; no one else runs export jobs in the organization now"
    return (f"1-{MAX_CONCURRENCY}; the {others_running} job(s) others run now take slots "
            "from this run until they end")


def concurrency_problem(text: str) -> str | None:
    """Why `text` is not a concurrency (None when it is one)."""
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_CONCURRENCY:
        return (f"{text.strip() or 'nothing'!r} is not a number of jobs from 1 to "
                f"{MAX_CONCURRENCY} (WorkMail runs at most {MAX_CONCURRENCY} at once).")
    return None


def prefix_examples(plan: Plan, count: int = 3) -> list[tuple[str, str]]:
    """(mailbox label, its S3 prefix) for `count` mailboxes of the plan, those whose email
    has a `+` or `@` (which get encoded) first, so the scheme shows what it does."""
    def plain(planned: PlannedMailbox) -> tuple[bool, bool]:
        email = planned.mailbox.email or ""
        return "+" not in email, "@" not in email

    ordered = sorted(plan.mailboxes, key=plain)
    return [(shown(p.mailbox.email or p.mailbox.name or p.mailbox.id), shown(p.prefix))
            for p in ordered[:count]]


# -- runs ------------------------------------------------------------------------------------


def unfinished_runs(store: BatchStore, org_id: str = "") -> list[RunInfo]:
    """Stored runs (of `org_id`, when given) that still have mailboxes to start or follow,
    newest first."""
    left = (RowState.PLANNED, RowState.STARTING, RowState.RUNNING)
    return [run for run in store.runs()
            if (not org_id or run.settings.organization_id == org_id)
            and run.status != RunStatus.FINISHED
            and any(row.state in left for row in store.rows(run.run_id))]


def duration(seconds: float | None) -> str:
    """`1 h 05 min`, `4 min 10 s`, `12 s`; `-` when unknown."""
    if seconds is None:
        return "-"
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02} min"
    if minutes:
        return f"{minutes} min {secs:02} s"
    return f"{secs} s"


def totals_text(progress: BatchProgress) -> str:
    """`12/53 done · 10 running · 31 waiting · 1 failed`."""
    t = progress.totals
    parts = [f"{progress.done}/{progress.total} done"]
    waiting = t.get(RowState.PLANNED, 0) + t.get(RowState.STARTING, 0)
    for count, word in ((t.get(RowState.COMPLETED, 0), "exported"),
                        (t.get(RowState.RUNNING, 0), "running"), (waiting, "waiting"),
                        (t.get(RowState.FAILED, 0), "failed"),
                        (t.get(RowState.CANCELLED, 0), "cancelled"),
                        (t.get(RowState.SKIPPED, 0), "skipped")):
        if count:
            parts.append(f"{count} {word}")
    return " · ".join(parts)


def pace_text(progress: BatchProgress) -> str:
    """`18.5 mailboxes/h · about 1 h 20 min left · 10 slots (0 used by others)`."""
    pace = (f"{progress.throughput_per_hour:.1f} mailboxes/h"
            if progress.throughput_per_hour else "pace known after the first export")
    left = (f"about {duration(progress.eta_seconds)} left" if progress.eta_seconds is not None
            and progress.status in (RunStatus.ACTIVE, RunStatus.PAUSED) else "")
    slots = f"{progress.slots} slots" + (f" ({progress.others_running} used by others)"
                                         if progress.others_running else "")
    return " · ".join(part for part in (pace, left, slots) if part)


def status_word(status: RunStatus) -> str:
    return {RunStatus.ACTIVE: "running", RunStatus.PAUSED: "paused",
            RunStatus.CANCELLED: "cancelled", RunStatus.FINISHED: "finished"}[status]


def progress_line(progress: BatchProgress) -> str:
    """One plain line for logs and pipes."""
    return (f"[{progress.run_id} {status_word(progress.status)}] {totals_text(progress)} · "
            f"{pace_text(progress)}")


def unsuccessful(progress: BatchProgress) -> int:
    """Mailboxes that ended FAILED or CANCELLED."""
    return progress.totals.get(RowState.FAILED, 0) + progress.totals.get(RowState.CANCELLED, 0)
