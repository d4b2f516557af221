"""How big each mailbox is: GetMailboxDetails (MailboxSize, in MB) for every mailbox of a plan,
several at a time, at a rate the service tolerates.

A throttled read slows every reader of the Region down (rate.RateLimiter) and is tried again
at the slower pace; a 5xx or a lost answer is tried again after a backoff. Throttling makes
the plan slower, never wrong. A read that cannot succeed
(no permission, mailbox gone) leaves that size unknown with the reason; after the first
access denial the other reads are not even sent, since they would be refused alike. The
estimate counts a mailbox of unknown size as the median of the known ones and says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tui.core import discovery
from tui.core.batch.rate import RateLimiter
from tui.core.batch.retry import Backoff
from tui.core.batch.service import FailureKind, failure_kind
from tui.core.model import CoreError, Mailbox
from tui.core.session import Aws

READERS = 8  # reads in flight at once; the limiter decides how many a second
THROTTLED_TRIES = 12  # a mailbox still throttled after this many tries keeps an unknown size
OTHER_TRIES = 3  # tries after a 5xx or a network failure
# Waits between tries of one read after a 5xx or network failure: 0.25 s doubling to 8 s.
BACKOFF = (0.25, 8.0)

SizeProgress = Callable[[int, int], None]  # (sizes read so far, mailboxes in all)


@dataclass(frozen=True)
class SizeReading:
    """The sizes read (MB, by entity id), the mailboxes whose size is unknown and why, and
    how often the service throttled the reads."""

    sizes: dict[str, float] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    throttled: int = 0


class _Reader:
    def __init__(self, aws: Aws, org_id: str, limiter: RateLimiter, total: int,
                 on_progress: SizeProgress | None) -> None:
        self.aws = aws
        self.org_id = org_id
        self.limiter = limiter
        self.total = total
        self.on_progress = on_progress
        self.done = 0
        self.throttled = 0
        self.denied = ""
        self.lock = threading.Lock()

    def read(self, mailbox: Mailbox) -> float | str:
        """The mailbox's size in MB, or why it is not known."""
        try:
            return self._read(mailbox)
        finally:
            with self.lock:
                self.done += 1
                done = self.done
            if self.on_progress is not None:
                self.on_progress(done, self.total)

    def _read(self, mailbox: Mailbox) -> float | str:
        backoff = Backoff(*BACKOFF)
        throttled = others = 0
        while True:
            if self.denied:
                return self.denied
            generation = self.limiter.wait()
            try:
                answer = discovery.call("workmail:GetMailboxDetails",
                                        self.aws.client("workmail").get_mailbox_details,
                                        OrganizationId=self.org_id, UserId=mailbox.id)
            except CoreError as exc:
                kind = failure_kind(exc.__cause__ or exc, exc.problem)
                if kind in (FailureKind.THROTTLED, FailureKind.LIMIT):
                    # the limiter slows every reader down: that is the backoff
                    self.limiter.throttled(generation)
                    with self.lock:
                        self.throttled += 1
                    throttled += 1
                    if throttled >= THROTTLED_TRIES:
                        return f"still throttled after {throttled} tries"
                elif kind in (FailureKind.SERVER, FailureKind.NETWORK) \
                        and others + 1 < OTHER_TRIES:
                    others += 1
                    self.limiter.sleep(backoff.next_delay())
                else:
                    reason = exc.problem.sentence()
                    if discovery.is_access_denied(exc.problem):
                        self.denied = reason
                    return reason
                continue
            self.limiter.succeeded()
            size = answer.get("MailboxSize")
            return float(size) if size is not None else "GetMailboxDetails gave no MailboxSize"


def read_sizes(aws: Aws, org_id: str, mailboxes: Iterable[Mailbox],
               limiter: RateLimiter | None = None,
               on_progress: SizeProgress | None = None) -> SizeReading:
    """MailboxSize of every mailbox (READERS at a time, paced by `limiter`: pass one limiter
    to every organization of a Region). `on_progress(read, total)` is called from the
    reading threads after each mailbox."""
    listed = list(mailboxes)
    reader = _Reader(aws, org_id, limiter or RateLimiter(), len(listed), on_progress)
    if not listed:
        return SizeReading()
    with ThreadPoolExecutor(max_workers=min(READERS, len(listed)),
                            thread_name_prefix="workmail-export-sizes") as pool:
        results = list(pool.map(reader.read, listed))
    sizes = {m.id: r for m, r in zip(listed, results, strict=True) if isinstance(r, float)}
    unknown = {m.id: r for m, r in zip(listed, results, strict=True) if isinstance(r, str)}
    return SizeReading(sizes, unknown, reader.throttled)
