"""A small slice of the crash campaign (tests/batch/campaign.py), so CI guards it: two seeded
runs of 12 mailboxes, each killed up to four times among faults, expired tokens and clock
jumps, then counted on the simulator's side. The whole campaign is
benchmarks/bench_crash_campaign.py.

Seeds 7 and 29 plan, among other things, issue 11.9's sequence: a kill while a start is in
flight, its token no longer honoured, a jump of more than a day, and a first listing that
fails in the next life (a scheduler that sends held starts again exports a mailbox twice in
each of them).
"""

from __future__ import annotations

from campaign import campaign


def test_a_slice_of_the_crash_campaign_duplicates_nothing_and_loses_nothing() -> None:
    tally = campaign([7, 29], kills=4, mailboxes=12)
    assert tally.failed_finishes == []
    assert (tally.duplicates, tally.lost, tally.unfinished) == (0, 0, 0)
    assert tally.runs == 2 and tally.kills >= 4 and tally.jobs >= 24
    assert tally.kills_mid_start >= 2 and tally.faults["clock jumps"] >= 2
    print("\n".join(tally.lines()))
