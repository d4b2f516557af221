"""Every organization at once, as every face plans it: each organization that can take part
is chosen (every mailbox, disabled ones included), planned (sizes, order) and checked like a
single organization's bulk export, side by side; one whose checks find an error or could not
be made (not verified), or that has no mailbox, is left out with why (unless forced) and
never stops the others. The estimates of the organizations combine into one: they run side
by side, so the account is done when its latest organization is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from tui.core.batch.connection import in_force
from tui.core.batch.disabled import with_disabled
from tui.core.batch.facts import LeftOutOrganization
from tui.core.batch.forecast import DEFAULT_POLL_SECONDS, Estimate
from tui.core.batch.group import GroupPart
from tui.core.batch.model import RunSettings
from tui.core.batch.order import Order
from tui.core.batch.organizations import Candidate
from tui.core.batch.plan import Plan, choose_all
from tui.core.batch.rate import Pace, RateLimiter
from tui.core.model import CoreError, ExportRequest, Finding, Level
from tui.core.session import Aws
from tui.wizard.bulk import CheckedPlan, PlanChoices, estimate_of, plan_and_check
from tui.wizard.present import not_verified

PLANNERS = 4  # organizations planned side by side


@dataclass(frozen=True)
class OrgPlan:
    """One organization that takes part: where it is, and its checked plan."""

    candidate: Candidate
    checked: CheckedPlan

    @property
    def label(self) -> str:
        return self.candidate.label


@dataclass(frozen=True)
class AccountPlan:
    """The organizations that take part, and those left out with why."""

    parts: tuple[OrgPlan, ...]
    left_out: tuple[LeftOutOrganization, ...]


def left(candidate: Candidate, reason: str) -> LeftOutOrganization:
    return LeftOutOrganization(candidate.region, candidate.organization_id, candidate.label,
                               reason)


def _errors(findings: Sequence[Finding]) -> str:
    return " ".join(f.message for f in findings if f.level is Level.ERROR)


def _plan_one(connect: Callable[[str], Aws], candidate: Candidate, limiters: dict[str,
              RateLimiter], now: float, order: Order, description: str, force: bool,
              preflight: Callable[[Aws, ExportRequest], list[Finding]]
              ) -> OrgPlan | LeftOutOrganization:
    settings = candidate.settings
    assert settings is not None
    request = ExportRequest(organization_id=candidate.organization_id,
                            role_arn=settings.role_arn, kms_key_arn=settings.kms_key_arn,
                            bucket=settings.bucket, prefix=settings.prefix,
                            description=description)
    try:
        aws = connect(candidate.region)
        chosen = choose_all(aws, candidate.organization_id)
        checked = plan_and_check(aws, request, chosen, now, preflight, order,
                                 limiters[candidate.region])
    except CoreError as exc:
        return left(candidate, f"It could not be planned: {exc.problem.sentence()}")
    if not checked.plan.mailboxes:
        return left(candidate, "It has no mailbox to export.")
    errors = _errors(checked.findings)
    if errors and not force:
        return left(candidate, f"Its checks found an error: {errors}")
    unchecked = not_verified(checked.findings)
    if unchecked and not force:  # "could not check" is never a pass
        return left(candidate, f"It is not verified: {unchecked}.")
    return OrgPlan(candidate, checked)


def plan_every_organization(connect: Callable[[str], Aws], candidates: Sequence[Candidate],
                            now: float, preflight: Callable[[Aws, ExportRequest],
                                                            list[Finding]],
                            order: Order = Order.SIZE, description: str = "",
                            force: bool = False, pace: Pace | None = None) -> AccountPlan:
    """The plan of every candidate that can take part (side by side; the size reads of a
    Region share one rate limiter, starting at `pace`), and every other one with why."""
    limiters = {c.region: RateLimiter(pace) for c in candidates}
    able = [c for c in candidates if not c.why_not]
    with ThreadPoolExecutor(max_workers=max(1, min(PLANNERS, len(able))),
                            thread_name_prefix="workmail-export-plans") as pool:
        planned = list(pool.map(lambda c: _plan_one(connect, c, limiters, now, order,
                                                    description, force, preflight), able))
    parts = tuple(p for p in planned if isinstance(p, OrgPlan))
    left_out = tuple(left(c, c.why_not) for c in candidates if c.why_not) + tuple(
        p for p in planned if isinstance(p, LeftOutOrganization))
    return AccountPlan(parts, left_out)


def part_estimates(account: AccountPlan, choices: PlanChoices, now: float,
                   poll_seconds: float = DEFAULT_POLL_SECONDS) -> list[Estimate]:
    """Each taking part organization's estimate, in `account.parts` order."""
    return [estimate_of(part.checked, shaped_plan(part, choices, now), choices, now,
                        poll_seconds) for part in account.parts]


def shaped_plan(part: OrgPlan, choices: PlanChoices, now: float) -> Plan:
    """An organization's plan with its disabled mailboxes included or left out as chosen
    (its order was chosen when it was planned)."""
    return with_disabled(part.checked.plan, choices.disabled, now)


def combined(estimates: Sequence[Estimate], now: float) -> Estimate | None:
    """The organizations run side by side: the account ends with the latest of them."""
    if not estimates:
        return None

    def latest(values: list[float | None]) -> float | None:
        return None if any(v is None for v in values) else max(v for v in values if v)

    return replace(estimates[0], mailboxes=sum(e.mailboxes for e in estimates),
                   total_mb=sum(e.total_mb for e in estimates),
                   unknown_sizes=sum(e.unknown_sizes for e in estimates), now=now,
                   likely=latest([e.likely for e in estimates]),
                   earliest=latest([e.earliest for e in estimates]),
                   latest=latest([e.latest for e in estimates]),
                   slots=sum(e.slots for e in estimates),
                   waiting_for_window=sum(e.waiting_for_window for e in estimates))


def group_parts(account: AccountPlan, choices: PlanChoices, now: float,
                description: str = "", connect: Callable[[str], Aws] | None = None
                ) -> list[GroupPart]:
    """The runs to store: one per taking part organization, its Region's settings, and (with
    `connect`) the connection in force in its Region, stored for its resume."""
    parts = []
    for part in account.parts:
        settings = part.candidate.settings
        assert settings is not None
        plan = shaped_plan(part, choices, now)
        parts.append(GroupPart(
            RunSettings(organization_id=part.candidate.organization_id,
                        role_arn=settings.role_arn, kms_key_arn=settings.kms_key_arn,
                        bucket=settings.bucket, base_prefix=plan.base_prefix,
                        description=description,
                        concurrency=choices.concurrency, recent_policy=choices.recent),
            plan, part.candidate.region, part.label,
            in_force(connect(part.candidate.region)) if connect is not None else None))
    return parts
