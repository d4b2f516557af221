"""Choosing the mailboxes of a run and where each one's export goes.

A selection is every user and resource of the organization that still has a mailbox, ENABLED
and DISABLED (optionally narrowed by server-side prefix filters; deleted ones are named as not
exportable), or a list of ids, names or emails (typed, or read from a file) resolved exactly;
lines that name nothing, a group or a deleted mailbox are reported, not fatal. The plan gives
each mailbox its own folder under the base prefix (see prefixes.py), lists the mailboxes
exported in the last 24 hours, which WorkMail would refuse, reads every mailbox's size
(sizes.py) and puts them in the order of order.py: at-risk (disabled) first, then the
largest first unless listing order is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from tui.core import discovery, jobs
from tui.core.batch.order import Order, ordered
from tui.core.batch.prefixes import mailbox_prefix, normalize_base
from tui.core.batch.rate import RateLimiter
from tui.core.batch.sizes import SizeProgress, read_sizes
from tui.core.fields import check_field
from tui.core.model import ExportJob, Field, Mailbox
from tui.core.session import Aws

EXPORT_WINDOW_SECONDS = 24 * 3600.0
# ASSUMPTION (unverified; the simulator's Assumptions.window_states): only RUNNING and
# COMPLETED jobs use up a mailbox's one export per 24 hours; FAILED and CANCELLED ones do not
# (MAYBE_WINDOW_STATES: they might, which a single export's check says as a warning).
WINDOW_STATES = ("RUNNING", "COMPLETED")
MAYBE_WINDOW_STATES = ("FAILED", "CANCELLED")
# Up to this many names are looked up one by one; more are matched against full listings.
_LOOKUP_ONE_BY_ONE = 20


@dataclass(frozen=True)
class Filters:
    """Server-side prefix filters for "all enabled mailboxes"; empty means no filter."""

    name_prefix: str = ""
    email_prefix: str = ""
    display_name_prefix: str = ""  # users only
    users: bool = True
    resources: bool = True


@dataclass(frozen=True)
class Rejected:
    """A line of a list that names no exportable mailbox, and why."""

    text: str
    reason: str


@dataclass(frozen=True)
class Chosen:
    """The mailboxes a selection found, and the lines it could not use."""

    mailboxes: tuple[Mailbox, ...]
    rejected: tuple[Rejected, ...] = ()


@dataclass(frozen=True)
class RecentExport:
    """A job that exported a mailbox less than 24 hours ago (times in epoch seconds)."""

    job_id: str
    state: str
    started: float

    @property
    def available_at(self) -> float:
        return self.started + EXPORT_WINDOW_SECONDS


@dataclass(frozen=True)
class PlannedMailbox:
    """One mailbox of a plan: its S3 prefix, its recent export (if any), its size in MB
    (None when not known) and, when the admin left it out, why (`left_out`)."""

    mailbox: Mailbox
    prefix: str
    recent: RecentExport | None = None
    size_mb: float | None = None
    left_out: str = ""


@dataclass(frozen=True)
class Plan:
    """What a run would do, shown before it starts: the mailboxes in start order, the lines
    and mailboxes it cannot export (`rejected`), the sizes it could not read (by entity id,
    with why) and how often the size reads were throttled."""

    organization_id: str
    base_prefix: str
    mailboxes: tuple[PlannedMailbox, ...]
    rejected: tuple[Rejected, ...] = ()
    others_running: int = 0
    sizes_unknown: Mapping[str, str] = field(default_factory=dict)
    throttled_reads: int = 0

    @property
    def recent(self) -> tuple[PlannedMailbox, ...]:
        return tuple(p for p in self.mailboxes if p.recent is not None)

    @property
    def exported(self) -> tuple[PlannedMailbox, ...]:
        """The mailboxes the run will export (not left out)."""
        return tuple(p for p in self.mailboxes if not p.left_out)

    @property
    def left_out(self) -> tuple[PlannedMailbox, ...]:
        return tuple(p for p in self.mailboxes if p.left_out)

    @property
    def total_mb(self) -> float:
        """The known size of the mailboxes to export, in MB."""
        return sum(p.size_mb or 0.0 for p in self.exported)


# -- choosing ---------------------------------------------------------------------------


def _listing(aws: Aws, org_id: str, what: str, filters: Mapping[str, str]) -> list[Mailbox]:
    return list(discovery.list_all(aws, org_id, what, filters))


def _choose(aws: Aws, org_id: str, filters: Filters | None, state: str) -> list[Mailbox]:
    chosen = filters or Filters()
    found: list[Mailbox] = []
    if chosen.users:
        user_filters = {"State": state, "UsernamePrefix": chosen.name_prefix,
                        "PrimaryEmailPrefix": chosen.email_prefix,
                        "DisplayNamePrefix": chosen.display_name_prefix}
        found += _listing(aws, org_id, "users", {k: v for k, v in user_filters.items() if v})
    if chosen.resources and not chosen.display_name_prefix:
        resource_filters = {"State": state, "NamePrefix": chosen.name_prefix,
                            "PrimaryEmailPrefix": chosen.email_prefix}
        found += _listing(aws, org_id, "resources",
                          {k: v for k, v in resource_filters.items() if v})
    return [m for m in found if m.kind in ("USER", "RESOURCE")]


def choose_enabled(aws: Aws, org_id: str, filters: Filters | None = None) -> Chosen:
    """Every ENABLED user and resource (paginated ListUsers/ListResources, State filter),
    narrowed by `filters`; raises CoreError when a listing fails."""
    return Chosen(tuple(_choose(aws, org_id, filters, "ENABLED")))


def choose_all(aws: Aws, org_id: str, filters: Filters | None = None) -> Chosen:
    """Every user and resource with a mailbox, ENABLED or DISABLED (one listing each, no
    State filter), narrowed by `filters`; DELETED ones are in `rejected`, named with why.
    Raises CoreError when a listing fails."""
    found = _choose(aws, org_id, filters, "")
    return Chosen(tuple(m for m in found if m.state != "DELETED"),
                  tuple(Rejected(m.email or m.name or m.id, _why_not(m))
                        for m in found if m.state == "DELETED"))


def read_names(path: Path) -> list[str]:
    """The ids, names or emails of a file: one a line; blank lines and `#` comments skipped.
    Raises OSError/UnicodeDecodeError for a file that cannot be read."""
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines
            if line.split("#", 1)[0].strip()]


def _why_not(mailbox: Mailbox) -> str:
    if mailbox.kind == "GROUP":
        return f"{mailbox.name or mailbox.id} is a group; groups have no mailbox to export."
    if mailbox.state == "DELETED":
        return f"{mailbox.name or mailbox.id} is deleted; its mailbox can no longer be exported."
    return ""


def _matches(mailbox: Mailbox, text: str) -> bool:
    return text in (mailbox.id, mailbox.name) or (
        bool(mailbox.email) and mailbox.email.lower() == text.lower())


def choose_named(aws: Aws, org_id: str, names: Iterable[str]) -> Chosen:
    """The mailboxes named by ids, names or emails, each resolved exactly. Unknown names,
    groups, deleted mailboxes and repeats are reported in `rejected`, in input order."""
    texts = [text.strip() for text in names if text.strip()]
    known: list[Mailbox] = []
    if len(texts) > _LOOKUP_ONE_BY_ONE:
        for what in ("users", "resources", "groups"):
            known += _listing(aws, org_id, what, {})
    chosen: dict[str, Mailbox] = {}
    rejected: list[Rejected] = []
    for text in texts:
        found = next((m for m in known if _matches(m, text)), None)
        if found is None:  # one by one, or an alias the listings do not show
            found = discovery.resolve_mailbox(aws, org_id, text)
        if found is None:
            rejected.append(Rejected(text, f"No user or resource is named {text!r}."))
        elif _why_not(found):
            rejected.append(Rejected(text, _why_not(found)))
        elif found.id in chosen:
            rejected.append(Rejected(text, f"{text} is listed twice (same mailbox as "
                                           f"{chosen[found.id].email or found.id})."))
        else:
            chosen[found.id] = found
    return Chosen(tuple(chosen.values()), tuple(rejected))


# -- planning ---------------------------------------------------------------------------


def in_export_window(job: ExportJob, now: float, states: tuple[str, ...] = WINDOW_STATES
                     ) -> bool:
    """Whether `job` keeps its mailbox from being exported again at `now` (a job in one of
    `states` started less than 24 hours before)."""
    started = job.start_time.timestamp() if job.start_time else None
    return (job.state in states and started is not None
            and now - started < EXPORT_WINDOW_SECONDS)


def newest_in_window(found: Iterable[ExportJob], now: float,
                     states: tuple[str, ...] = WINDOW_STATES) -> dict[str, RecentExport]:
    """The newest RUNNING/COMPLETED job (or one in `states`) per entity id among `found`
    started less than 24 h before `now` (the rule every face applies: the bulk plan, and a
    single export's check)."""
    recent: dict[str, RecentExport] = {}
    for job in found:
        if in_export_window(job, now, states) and job.start_time is not None:
            started = job.start_time.timestamp()
            known = recent.get(job.entity_id)
            if known is None or known.started < started:
                recent[job.entity_id] = RecentExport(job.job_id, job.state, started)
    return recent


def recent_exports(aws: Aws, org_id: str, now: float) -> tuple[dict[str, RecentExport], int]:
    """The newest RUNNING/COMPLETED job per mailbox started less than 24 h before `now`, and
    the number of RUNNING jobs in the organization."""
    listed = jobs.list_jobs(aws, org_id)
    return newest_in_window(listed, now), sum(job.state == "RUNNING" for job in listed)


def _labels(mailboxes: Iterable[Mailbox]) -> dict[str, str]:
    """The folder label of each mailbox: its email, else its name, else its id; a label two
    mailboxes would share falls back to the id."""
    first = {m.id: m.email or m.name or m.id for m in mailboxes}
    counts: dict[str, int] = {}
    for label in first.values():
        counts[label.lower()] = counts.get(label.lower(), 0) + 1
    return {mid: (label if counts[label.lower()] == 1 else mid) for mid, label in first.items()}


def make_plan(aws: Aws, org_id: str, chosen: Chosen, base_prefix: str, now: float,
              order: Order = Order.SIZE, limiter: RateLimiter | None = None,
              on_sizes: SizeProgress | None = None) -> Plan:
    """The plan for `chosen`: a prefix per mailbox, each one's export of the last 24 h and
    its size (one GetMailboxDetails each, paced by `limiter`; `on_sizes(read, total)` after
    each), in `order` (disabled mailboxes first in either order).

    Raises ValueError with the field's message when the base prefix is not allowed; a
    mailbox whose prefix would be too long is moved to `rejected`.
    """
    base = normalize_base(base_prefix)
    if base:
        problem = check_field(Field.PREFIX, base)
        if problem:
            raise ValueError(problem)
    recent, running = recent_exports(aws, org_id, now)
    labels = _labels(chosen.mailboxes)
    planned: list[PlannedMailbox] = []
    rejected = list(chosen.rejected)
    for mailbox in chosen.mailboxes:
        prefix = mailbox_prefix(base, labels[mailbox.id])
        problem = check_field(Field.PREFIX, prefix)
        if problem:
            rejected.append(Rejected(mailbox.email or mailbox.id, problem))
            continue
        planned.append(PlannedMailbox(mailbox, prefix, recent.get(mailbox.id)))
    reading = read_sizes(aws, org_id, (p.mailbox for p in planned), limiter, on_sizes)
    sized = (replace(p, size_mb=reading.sizes.get(p.mailbox.id)) for p in planned)
    return Plan(org_id, base, tuple(ordered(sized, order)), tuple(rejected), running,
                reading.unknown, reading.throttled)
