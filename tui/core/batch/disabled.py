"""Disabled mailboxes: the most urgent ones, never left out unnamed.

WorkMail's API reference says a disabled (deregistered) user's mailbox is kept 30 days and
then permanently removed. A run therefore includes disabled mailboxes by default and starts
them first, soonest removal first; the admin may leave them out (`DisabledPolicy.SKIP`), and
then each is still named, with why, in the plan and in the manifest.

Whether AWS exports a disabled mailbox at all is not documented. When such a job is refused or
fails, `advice` says what the admin can do.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from tui.core.batch.model import DisabledPolicy
from tui.core.model import Mailbox

if TYPE_CHECKING:
    from tui.core.batch.plan import Plan

KEPT_DAYS = 30
LEFT_OUT_MARK = "disabled; left out on request"  # how the note of such a row starts
LEFT_OUT = LEFT_OUT_MARK + " (its mailbox is removed {removal}; export it before then)"


def is_disabled(mailbox: Mailbox) -> bool:
    return mailbox.state == "DISABLED"


def removal_date(mailbox: Mailbox) -> datetime | None:
    """When WorkMail removes a disabled mailbox (30 days after it was disabled), if known."""
    if not is_disabled(mailbox) or mailbox.disabled_at is None:
        return None
    disabled = mailbox.disabled_at
    if disabled.tzinfo is None:
        disabled = disabled.replace(tzinfo=timezone.utc)
    return disabled + timedelta(days=KEPT_DAYS)


def removal_text(mailbox: Mailbox, now: float | None = None) -> str:
    """`on 2026-12-04 (in 4 days)`, or `30 days after it was disabled` when the date is not
    known."""
    removal = removal_date(mailbox)
    if removal is None:
        return f"{KEPT_DAYS} days after it was disabled"
    text = f"on {removal.astimezone(timezone.utc):%Y-%m-%d}"
    if now is not None:
        days = (removal.timestamp() - now) / 86400
        text += (f" (in {days:.0f} days)" if days >= 1.5 else " (within a day)" if days > 0
                 else " (its 30 days are over: it may be gone already)")
    return text


def with_disabled(plan: Plan, policy: DisabledPolicy, now: float | None = None) -> Plan:
    """The plan with its disabled mailboxes included, or left out with why (`left_out`)."""
    planned = []
    for item in plan.mailboxes:
        if is_disabled(item.mailbox):
            reason = "" if policy is DisabledPolicy.INCLUDE else LEFT_OUT.format(
                removal=removal_text(item.mailbox, now))
            item = replace(item, left_out=reason)
        planned.append(item)
    return replace(plan, mailboxes=tuple(planned))


def advice(label: str, entity_id: str, org_id: str, email: str = "") -> str:
    """What to do when the export of disabled mailbox `label` was refused or failed."""
    register = (f"aws workmail register-to-work-mail --organization-id {org_id} "
                f"--entity-id {entity_id} --email {email or '<its email>'}")
    return (f"{label} is disabled, and AWS does not document whether a disabled mailbox can be "
            f"exported. To export it: enable it again (WorkMail console: Users, select it, "
            f"Enable; or {register}), export it (e.g. workmail-export batch --from-file with "
            f"its email), then disable it again. Do it within {KEPT_DAYS} days of its "
            "disabling: WorkMail removes the mailbox after that.")
