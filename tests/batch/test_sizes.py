"""Reading every mailbox's size against a service that throttles beyond its quota: the reads
slow down to what it tolerates and the plan still gets every size."""

from __future__ import annotations

from typing import Any

from tui.core.batch.plan import choose_all, make_plan
from tui.core.batch.rate import Pace, RateLimiter
from tui.core.batch.sizes import read_sizes
from tui.core.session import Aws


def test_a_throttled_read_slows_down_and_never_fails_the_plan(sim: Any, aws: Aws,
                                                              clock: Any) -> None:
    # the service allows 40 GetMailboxDetails a second (bursts of 5); the reader starts at
    # 200 a second with a burst of 50
    sim.faults.rate_limit("GetMailboxDetails", per_second=40.0, burst=5.0)
    limiter = RateLimiter(Pace(start=200.0, ceiling=400.0, burst=50.0))
    seen: list[tuple[int, int]] = []
    plan = make_plan(aws, sim.world.org_id, choose_all(aws, sim.world.org_id), "exports",
                     clock.now(), limiter=limiter,
                     on_sizes=lambda read, total: seen.append((read, total)))
    assert plan.sizes_unknown == {}
    assert all(p.size_mb is not None for p in plan.mailboxes) and len(plan.mailboxes) == 56
    throttled = sim.faults.throttled["GetMailboxDetails"]
    assert throttled > 0 and plan.throttled_reads == throttled  # each one tried again
    assert limiter.lowest_rate < 200.0 / 2  # it slowed down, more than once
    assert seen[-1] == (56, 56) and len(seen) == 56


def test_sizes_are_what_the_service_reports(sim: Any, aws: Aws) -> None:
    chosen = choose_all(aws, sim.world.org_id)
    sizes = {m.id: 100.0 + i for i, m in enumerate(chosen.mailboxes)}
    sim.workmail.set_mailbox_sizes(sizes)
    reading = read_sizes(aws, sim.world.org_id, chosen.mailboxes)
    assert reading.sizes == sizes and reading.unknown == {} and reading.throttled == 0
