"""The bulk path shared by every face: which mailboxes, the plan with the same preflight
checks as a single export, the prefix examples shown before start, and the words of progress.

The Textual face (tui/app/bulk_*.py) and `workmail-export batch` both call these, so the
choice of mailboxes, the checks and the lines a person reads are written once.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tui.core.batch.disabled import with_disabled
from tui.core.batch.estimate import ASSUMED, Throughput
from tui.core.batch.forecast import DEFAULT_POLL_SECONDS, Estimate, plan_estimate
from tui.core.batch.group import GroupProgress
from tui.core.batch.history import learned_throughput
from tui.core.batch.model import (
    MAX_CONCURRENCY,
    BatchProgress,
    DisabledPolicy,
    RecentPolicy,
    RowState,
    RunInfo,
    RunStatus,
)
from tui.core.batch.order import Order, ordered
from tui.core.batch.plan import (
    Chosen,
    Filters,
    Plan,
    PlannedMailbox,
    Rejected,
    choose_all,
    choose_named,
)
from tui.core.batch.plan import make_plan as _make_plan
from tui.core.batch.plan import read_names as _read_names
from tui.core.batch.rate import RateLimiter
from tui.core.batch.sizes import SizeProgress
from tui.core.batch.store import BatchStore, StoreError, default_store_path
from tui.core.journal import JOURNAL_ENV, STATE_DIR_ENV, Journal, journal_path
from tui.core.model import CoreError, ExportRequest, Field, Finding, Level
from tui.core.safe_text import shown
from tui.core.session import Aws

EVERY_MAILBOX = "every user and resource with a mailbox (enabled and disabled)"
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
    """Every mailbox (enabled and disabled; deleted ones named in `rejected`), or those
    whose name or email starts with `text` (both are asked of the service; a mailbox
    matching both is listed once)."""
    text = text.strip()
    if not text:
        return choose_all(aws, org_id)
    by_name = choose_all(aws, org_id, Filters(name_prefix=text))
    by_email = choose_all(aws, org_id, Filters(email_prefix=text))
    seen = {m.id: m for m in by_name.mailboxes}
    seen.update({m.id: m for m in by_email.mailboxes if m.id not in seen})
    rejected = {r.text: r for r in (*by_name.rejected, *by_email.rejected)}
    return Chosen(tuple(sorted(seen.values(), key=lambda m: (m.email or m.name).lower())),
                  tuple(rejected.values()))


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
    """A plan, the preflight findings of its shared settings, and the throughput model its
    estimate uses (learned from what this machine saw finish, else the assumption)."""

    plan: Plan
    findings: tuple[Finding, ...]
    throughput: Throughput = ASSUMED

    @property
    def blocked(self) -> bool:
        return any(f.level is Level.ERROR for f in self.findings) or not self.plan.mailboxes


def machine_throughput(plan: Plan) -> Throughput:
    """The throughput model learned from every job the batch store and the journal saw
    finish (sizes of journal jobs from the store or this plan); the assumption when neither
    file can be read."""
    sizes = {p.mailbox.id: p.size_mb for p in plan.mailboxes if p.size_mb is not None}
    try:
        store = BatchStore.open()
    except StoreError:
        return ASSUMED
    try:
        try:
            with Journal.open(source="batch") as journal:
                entries = journal.entries()
        except CoreError:
            entries = []
        return learned_throughput(store, entries, sizes)
    finally:
        store.close()


def plan_and_check(aws: Aws, request: ExportRequest, chosen: Chosen, now: float,
                   preflight: Callable[[Aws, ExportRequest], list[Finding]],
                   order: Order = Order.SIZE, limiter: RateLimiter | None = None,
                   on_sizes: SizeProgress | None = None) -> CheckedPlan:
    """The plan (prefix per mailbox, recent exports, sizes, `order`) and the single-export
    preflight run on its first enabled mailbox with its own prefix: role, key, bucket and the
    prefix condition are the same for every mailbox, so one check covers the run.
    `request.prefix` is the base."""
    try:
        plan = _make_plan(aws, request.organization_id, chosen, request.prefix, now, order,
                          limiter, on_sizes)
    except ValueError as exc:
        empty = Plan(request.organization_id, request.prefix, (), chosen.rejected)
        return CheckedPlan(empty, (Finding(Field.PREFIX, Level.ERROR, str(exc)),))
    if not plan.mailboxes:
        return CheckedPlan(plan, ())
    # an enabled mailbox if there is one: the checks are about the shared settings, and a
    # disabled first mailbox would add a warning about that one mailbox
    first = next((p for p in plan.mailboxes if p.mailbox.state == "ENABLED"),
                 plan.mailboxes[0])
    probe = request.with_changes(entity_id=first.mailbox.id, prefix=first.prefix)
    return CheckedPlan(plan, tuple(preflight(aws, probe)), machine_throughput(plan))


@dataclass(frozen=True)
class PlanChoices:
    """What the admin chose on the review: the order, the disabled mailboxes, the recent
    exports and how many jobs at once."""

    order: Order = Order.SIZE
    disabled: DisabledPolicy = DisabledPolicy.INCLUDE
    recent: RecentPolicy = RecentPolicy.SKIP
    concurrency: int = MAX_CONCURRENCY


def shaped(plan: Plan, listing: Sequence[str], choices: PlanChoices, now: float) -> Plan:
    """The plan in the chosen order (`listing`: the entity ids as the service listed them)
    with its disabled mailboxes included or left out."""
    position = {entity: i for i, entity in enumerate(listing)}
    as_listed = sorted(plan.mailboxes, key=lambda p: position.get(p.mailbox.id, len(position)))
    return with_disabled(replace(plan, mailboxes=tuple(ordered(as_listed, choices.order))),
                         choices.disabled, now)


def estimate_of(checked: CheckedPlan, plan: Plan, choices: PlanChoices, now: float,
                poll_seconds: float = DEFAULT_POLL_SECONDS) -> Estimate:
    """The estimate of `plan` (shaped from `checked.plan`) as chosen, with the throughput
    model learned when the plan was checked."""
    return plan_estimate(plan, checked.throughput, now, choices.concurrency, choices.recent,
                         poll_seconds)


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
    """`3 days 4 h`, `1 h 05 min`, `4 min 10 s`, `12 s`; `-` when unknown."""
    if seconds is None:
        return "-"
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 48:
        return f"{hours // 24} days {hours % 24} h"
    if hours:
        return f"{hours} h {minutes:02} min"
    if minutes:
        return f"{minutes} min {secs:02} s"
    return f"{secs} s"


def totals_text(progress: BatchProgress | GroupProgress) -> str:
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


def group_pace_text(progress: GroupProgress) -> str:
    """`5 organizations · about 3 h 10 min left`."""
    count = len(progress.parts)
    text = f"{count} organization{'s' if count != 1 else ''}"
    if progress.left_out:
        text += f" ({len(progress.left_out)} more not taking part)"
    if progress.eta_seconds is not None and progress.status in (RunStatus.ACTIVE,
                                                                 RunStatus.PAUSED):
        text += f" · about {duration(progress.eta_seconds)} left"
    return text


def group_progress_line(progress: GroupProgress) -> str:
    """One plain line for a group of runs."""
    return (f"[{progress.group_id} {status_word(progress.status)}] {totals_text(progress)} · "
            f"{group_pace_text(progress)}")


def unsuccessful(progress: BatchProgress | GroupProgress) -> int:
    """Mailboxes that ended FAILED or CANCELLED."""
    return progress.totals.get(RowState.FAILED, 0) + progress.totals.get(RowState.CANCELLED, 0)
