"""The order a run starts its mailboxes in.

Mailboxes whose data is at risk come first: disabled ones, soonest removal first (WorkMail
removes them 30 days after disabling). Then, by default, the largest first (`Order.SIZE`):
with ten slots, a long export started last would trail the run alone, started first it
overlaps the short ones (bench_batch: 1.005 of the lower bound against 1.05 in listing
order). `Order.LISTING` keeps the order the service listed them in (or the list file's).
Mailboxes whose size could not be read come after those of known size, as listed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING

from tui.core.batch.disabled import is_disabled, removal_date

if TYPE_CHECKING:
    from tui.core.batch.plan import PlannedMailbox


class Order(str, Enum):
    SIZE = "size"  # at-risk first, then largest first
    LISTING = "listing"  # at-risk first, then as listed


def _removal_key(planned: PlannedMailbox) -> tuple[float, float]:
    removal = removal_date(planned.mailbox)
    return (removal.timestamp() if removal else math.inf, -(planned.size_mb or 0.0))


def largest_first(planned: Iterable[PlannedMailbox]) -> list[PlannedMailbox]:
    """Mailboxes of known size, largest first, then the others in their order."""
    listed = list(planned)
    known = sorted((p for p in listed if p.size_mb is not None),
                   key=lambda p: -(p.size_mb or 0.0))
    return known + [p for p in listed if p.size_mb is None]


def ordered(planned: Iterable[PlannedMailbox], order: Order) -> list[PlannedMailbox]:
    """At-risk mailboxes first (soonest removal first), then the rest in `order`."""
    listed = list(planned)
    at_risk = sorted((p for p in listed if is_disabled(p.mailbox)), key=_removal_key)
    rest = [p for p in listed if not is_disabled(p.mailbox)]
    return at_risk + (largest_first(rest) if order is Order.SIZE else rest)
