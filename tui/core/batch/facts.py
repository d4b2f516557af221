"""What a run knows about its mailboxes beyond their rows, and how runs form a group.

Stored beside the rows (store.py) when a run is created: each mailbox's size and state
(the estimate, the manifests and the advice for a disabled mailbox read them), the lines
and mailboxes the plan could not export (named in the manifest with why), and, for a run of
every organization, which runs belong together and which organizations could not take part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.batch.plan import Plan


@dataclass(frozen=True)
class MailboxFacts:
    """A mailbox of a run: its size in MB (None: unknown) and its state when planned
    (ENABLED/DISABLED); `disabled_at` in epoch seconds for a disabled one, when known."""

    entity_id: str
    size_mb: float | None
    state: str
    disabled_at: float | None = None


@dataclass(frozen=True)
class Excluded:
    """A line or mailbox the plan named but could not export, and why."""

    text: str
    reason: str


@dataclass(frozen=True)
class GroupMember:
    """One organization's run in a group: its Region and a label (the alias)."""

    run_id: str
    region: str
    label: str
    organization_id: str


@dataclass(frozen=True)
class LeftOutOrganization:
    """An organization that could not take part in a group, and why."""

    region: str
    organization_id: str
    label: str
    reason: str


@dataclass(frozen=True)
class Group:
    """Runs of several organizations driven as one (`batch --all-organizations`)."""

    group_id: str
    created: float
    members: tuple[GroupMember, ...]
    left_out: tuple[LeftOutOrganization, ...] = ()


def plan_facts(plan: Plan) -> tuple[list[MailboxFacts], list[Excluded]]:
    """What a run keeps of its plan: each mailbox's size and state, and the lines and
    mailboxes it could not export."""
    facts = [MailboxFacts(p.mailbox.id, p.size_mb, p.mailbox.state,
                          p.mailbox.disabled_at.timestamp() if p.mailbox.disabled_at else None)
             for p in plan.mailboxes]
    return facts, [Excluded(r.text, r.reason) for r in plan.rejected]
