"""The scheduler on the simulator's clock: slots, refills, limits, faults, retries, control.

Every claim is checked against the simulator's own job records (`sim.workmail.jobs`), not
against what the engine says about itself. Where the engine must keep a limit itself (its
slots, the slots others use, a mailbox's 24 hours), the simulator lets a breaking start
through and counts it (`refuse_breaches(False)`, `breaches`), so a refusal and a retry cannot
hide a miscount.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from batch_oracle import jobs_per_mailbox, most_running, running_at, start_outside_job

from tui.core.batch.model import RecentPolicy, RowState, RunStatus
from tui.core.batch.plan import choose_named
from tui.core.batch.runner import RunControl
from tui.core.batch.scheduler import Tuning
from tui.core.batch.service import PAGE_SIZE
from tui.core.journal import Journal
from tui.sim.assumptions import WINDOW_USED_BY_ANY_START, variants
from tui.sim.jobs import EXPORT_WINDOW, RUNNING_LIMIT


def active_rows(snapshot: Any) -> int:
    return sum(snapshot.totals[s] for s in (RowState.PLANNED, RowState.STARTING,
                                            RowState.RUNNING))


@pytest.mark.parametrize("concurrency", [10, 3])
def test_never_more_than_n_and_every_freed_slot_is_refilled_in_the_same_tick(
        harness: Any, concurrency: int) -> None:
    harness.sim.workmail.refuse_breaches(False)  # an eleventh job would run, and be counted
    settings = replace(harness.settings, concurrency=concurrency)
    run_id = harness.create(settings)
    final = harness.runner(run_id).run()

    assert harness.sim.workmail.breaches == []
    assert final.status == RunStatus.FINISHED
    assert final.totals[RowState.COMPLETED] == 53
    jobs = harness.sim_jobs()
    now = harness.sim.clock.now()
    assert jobs_per_mailbox(jobs) == {row.entity_id: 1 for row in final.rows}
    assert most_running(jobs, now) == concurrency
    for snapshot in harness.snapshots:
        # right after each tick, the service runs as many of our jobs as may run
        expected = min(concurrency, active_rows(snapshot))
        assert running_at(jobs, now, snapshot.now) == expected, snapshot.now
        assert snapshot.poll_calls_last_tick <= 1


def _grow_the_organization(harness: Any, extra: int = 250) -> None:
    org = harness.settings.organization_id
    for i in range(extra):
        harness.sim.workmail.create_user(org, f"extra.user{i}", f"Extra {i}",
                                         f"extra.user{i}@{harness.sim.world.domain}")


def _pages_listed(harness: Any) -> int:
    listed = harness.sim.workmail.book.listed(harness.settings.organization_id)
    return math.ceil(len(listed) / PAGE_SIZE)


def test_following_jobs_reads_one_page_while_it_holds_every_running_job(
        harness: Any) -> None:
    """The running jobs are the newest, so the first of the listing's four pages shows them."""
    _grow_the_organization(harness)
    run_id = harness.create()
    final = harness.runner(run_id, Tuning(poll_seconds=15, full_scan_seconds=1e9)).run()
    assert final.totals[RowState.COMPLETED] == 303
    assert _pages_listed(harness) == 4
    polls = [s.poll_calls_last_tick for s in harness.snapshots[1:]]
    assert set(polls) == {1}


@pytest.mark.parametrize(("reading", "assumptions"), variants("list_order"))
def test_following_jobs_reads_the_pages_up_to_the_last_running_job_and_no_more(
        harness: Any, reading: str, assumptions: Any) -> None:
    """One long job started 150th. Newest first, it ends up on the second of four pages, and
    no poll reads a third; oldest first, the running jobs are on the last page."""
    sim = harness.sim
    sim.assumptions = assumptions
    _grow_the_organization(harness)
    run_id = harness.create()
    slow = harness.store.rows(run_id)[149].entity_id
    sim.workmail.set_job_duration(lambda entity: 5000.0 if entity == slow else 60.0)
    reads: list[list[int]] = []  # [pages the followed jobs are on, pages read], per poll

    def on_list(params: dict[str, Any], **_: Any) -> None:
        if "NextToken" not in params:
            followed = {r.job_id for r in harness.store.rows(run_id)
                        if r.state == RowState.RUNNING}
            listed = [j.job_id for j in sim.workmail.book.listed(
                harness.settings.organization_id, assumptions.list_order)]
            last = max((listed.index(j) for j in followed), default=0)
            reads.append([last // PAGE_SIZE + 1, 0])
        reads[-1][1] += 1

    harness.aws.client("workmail").meta.events.register(
        "before-parameter-build.workmail.ListMailboxExportJobs", on_list)
    final = harness.runner(run_id, Tuning(poll_seconds=15, full_scan_seconds=1e9)).run()
    assert final.totals[RowState.COMPLETED] == 303
    assert _pages_listed(harness) == 4
    polls = reads[1:]  # the first is the full listing every run begins with
    assert [read for needed, read in polls if read != needed] == []
    if reading == "default":
        assert max(read for _, read in polls) == 2
        assert polls[-1] == [2, 2]  # the slow job alone, on the second page
    else:
        assert max(read for _, read in polls) == 4


def test_jobs_others_run_in_the_organization_take_slots_away(harness: Any) -> None:
    sim = harness.sim
    outside = []
    org = harness.settings.organization_id
    for i in range(4):
        outside.append(sim.workmail.create_user(org, f"other.admin{i}", "Other Admin",
                                                f"other.admin{i}@{sim.world.domain}",
                                                state="DISABLED"))
    sim.workmail.set_job_duration(lambda entity: 240.0 if entity in outside else 60.0)
    outside_jobs = [start_outside_job(sim, entity, f"outside-{i}")
                    for i, entity in enumerate(outside)]
    sim.workmail.refuse_breaches(False)  # a start into their slots would run, and be counted
    run_id = harness.create()
    final = harness.runner(run_id).run()

    assert sim.workmail.breaches == []
    assert final.totals[RowState.COMPLETED] == 53
    jobs = harness.sim_jobs()
    now = sim.clock.now()
    ours = [j for j in jobs if j.job_id not in outside_jobs]
    assert most_running(jobs, now) == 10
    first_start = min(j.start_time for j in ours).timestamp()
    assert running_at(ours, now, first_start) == 6  # 10 minus the 4 others run
    assert most_running(ours, now) == 10  # all ten once theirs are done
    assert harness.snapshots[0].others_running == 4


def test_limit_exceeded_from_a_race_with_another_admin_is_backed_off(harness: Any) -> None:
    sim = harness.sim
    org = harness.settings.organization_id
    rivals = [sim.workmail.create_user(org, f"rival{i}", "Rival", f"rival{i}@{sim.world.domain}",
                                       state="DISABLED") for i in range(3)]
    raced: list[str] = []

    def race(**_: Any) -> None:
        ours_running = sum(1 for j in harness.sim_jobs()
                           if j.state(sim.clock.now()) == "RUNNING")
        if not raced and ours_running == 7:  # someone else takes the last three slots
            raced.extend(start_outside_job(sim, entity, f"rival-{entity}")
                         for entity in rivals)

    harness.aws.client("workmail").meta.events.register(
        "before-call.workmail.StartMailboxExportJob", race)
    run_id = harness.create()
    final = harness.runner(run_id).run()

    assert len(raced) == 3
    # the one start the race made fail; then the engine counted the others' jobs again
    assert [b.kind for b in sim.workmail.breaches] == [RUNNING_LIMIT]
    assert final.totals[RowState.COMPLETED] == 53
    jobs = harness.sim_jobs()
    assert most_running(jobs, sim.clock.now()) == 10
    ours = [j for j in jobs if j.job_id not in raced]
    assert jobs_per_mailbox(ours) == {row.entity_id: 1 for row in final.rows}
    assert any("LimitExceededException" in e.message for e in harness.events_seen())


def test_throttling_server_errors_and_lost_answers_start_each_mailbox_once(
        harness: Any) -> None:
    sim = harness.sim
    sim.faults.services = frozenset({"workmail"})
    sim.faults.throttle_rate = 0.2
    sim.faults.server_error_rate = 0.1
    lost = []

    def lose_some(snapshot: Any) -> None:
        harness.snapshots.append(snapshot)
        if len(lost) < 6:
            sim.faults.lose_next_response("StartMailboxExportJob")
            lost.append(snapshot.now)

    sim.workmail.refuse_breaches(False)  # a second start of a mailbox would be counted
    run_id = harness.create()
    runner = harness.runner(run_id)
    runner.on_progress = lose_some
    final = runner.run()

    assert sim.workmail.breaches == []
    assert final.totals[RowState.COMPLETED] == 53
    jobs = harness.sim_jobs()
    assert jobs_per_mailbox(jobs) == {row.entity_id: 1 for row in final.rows}
    assert most_running(jobs, sim.clock.now()) <= 10
    stored = {job.job_id for job in harness.store.jobs(run_id)}
    assert stored == {job.job_id for job in jobs}
    messages = " ".join(e.message for e in harness.events_seen())
    assert "throttled" in messages and "network" in messages


def test_failed_jobs_are_retried_only_when_transient_and_only_so_often(harness: Any) -> None:
    sim = harness.sim
    original = sim.workmail.evaluate
    seen: dict[str, int] = {}

    def flaky(check: Any) -> str | None:
        seen[check.prefix] = seen.get(check.prefix, 0) + 1
        if check.prefix.startswith("exports/alice.wong"):
            return "An internal error occurred. Try again later."
        if check.prefix.startswith("exports/bob.smith") and seen[check.prefix] == 1:
            return "The export timed out because of a temporary service problem."
        if check.prefix.startswith("exports/carol"):
            return "Access denied: WorkMail could not assume the role."
        return original(check)

    sim.workmail.evaluate = flaky
    sim.workmail.refuse_breaches(False)
    run_id = harness.create()
    final = harness.runner(run_id, Tuning(seed=1, retry_delay_seconds=120)).run()
    assert sim.workmail.breaches == []

    rows = {row.email.split("@")[0]: row for row in final.rows}
    per_mailbox = jobs_per_mailbox(harness.sim_jobs())
    alice, bob, carol = rows["alice.wong"], rows["bob.smith"], rows["carol.garcia"]
    assert (alice.state, per_mailbox[alice.entity_id], alice.attempts) == \
        (RowState.FAILED, 3, 3)  # first try + the default two retries
    assert "internal error" in alice.error
    assert (bob.state, per_mailbox[bob.entity_id]) == (RowState.COMPLETED, 2)
    assert (carol.state, per_mailbox[carol.entity_id]) == (RowState.FAILED, 1)
    assert "Access denied" in carol.error
    assert final.totals[RowState.COMPLETED] == 51
    assert len(harness.store.jobs(run_id)) == len(harness.sim_jobs()) == 51 + 3 + 1 + 1
    with Journal.open() as journal:
        recorded = journal.find(carol.job_id)
    assert recorded is not None and recorded.state == "FAILED"
    assert "Access denied" in recorded.error_info


def test_cancel_with_running_jobs_cancels_them_and_ends_the_run(harness: Any) -> None:
    control = RunControl()
    run_id = harness.create()
    runner = harness.runner(run_id, control=control)
    runner.tick()
    harness.sim.clock.advance(10)
    control.cancel(cancel_running=True)
    final = runner.run()

    jobs = harness.sim_jobs()
    now = harness.sim.clock.now()
    assert len(jobs) == 10 and {j.state(now) for j in jobs} == {"CANCELLED"}
    assert final.totals[RowState.CANCELLED] == 53
    assert harness.store.run(run_id).status == RunStatus.CANCELLED


def test_cancel_keeping_running_jobs_then_resume_follows_them_to_the_end(
        harness: Any) -> None:
    control = RunControl()
    run_id = harness.create()
    runner = harness.runner(run_id, control=control)
    runner.tick()
    control.cancel(cancel_running=False)
    stopped = runner.run()
    assert stopped.totals[RowState.RUNNING] == 10
    assert stopped.totals[RowState.CANCELLED] == 43

    harness.sim.clock.advance(30)
    resumed = harness.runner(run_id).run()
    assert resumed.totals[RowState.COMPLETED] == 10
    assert resumed.totals[RowState.CANCELLED] == 43
    assert len(harness.sim_jobs()) == 10


def test_pause_starts_nothing_new_until_resumed(harness: Any) -> None:
    control = RunControl()
    run_id = harness.create()
    runner = harness.runner(run_id, control=control)
    runner.tick()
    control.pause()
    for _ in range(20):  # five simulated minutes
        progress, _due = runner.tick()
        harness.sim.clock.advance(15)
    assert progress.status == RunStatus.PAUSED
    assert len(harness.sim_jobs()) == 10
    assert progress.totals[RowState.COMPLETED] == 10
    assert harness.store.run(run_id).status == RunStatus.PAUSED
    control.resume()
    final = runner.run()
    assert final.totals[RowState.COMPLETED] == 53


def test_a_job_cancelled_by_someone_else_ends_its_row(harness: Any) -> None:
    import boto3

    run_id = harness.create()
    runner = harness.runner(run_id)
    progress, _ = runner.tick()
    victim = next(r for r in progress.rows if r.state == RowState.RUNNING)
    boto3.client("workmail", region_name="us-east-1").cancel_mailbox_export_job(
        ClientToken="someone-else", OrganizationId=harness.settings.organization_id,
        JobId=victim.job_id)
    final = runner.run()
    row = next(r for r in final.rows if r.entity_id == victim.entity_id)
    assert row.state == RowState.CANCELLED
    assert final.status == RunStatus.FINISHED
    assert jobs_per_mailbox(harness.sim_jobs())[victim.entity_id] == 1


def test_a_mailbox_exported_by_someone_else_mid_run_waits_for_its_window(
        harness: Any) -> None:
    sim = harness.sim
    run_id = harness.create(replace(harness.settings, recent_policy=RecentPolicy.DEFER))
    target = harness.store.rows(run_id)[3].entity_id
    outside: list[str] = []

    def export_it_first(params: dict[str, Any], **_: Any) -> None:
        if params.get("EntityId") == target and not outside:  # just before our start
            outside.append(start_outside_job(sim, target, "outside-late"))

    harness.aws.client("workmail").meta.events.register(
        "before-parameter-build.workmail.StartMailboxExportJob", export_it_first)
    final = harness.runner(run_id).run()

    row = next(r for r in final.rows if r.entity_id == target)
    assert row.state == RowState.COMPLETED
    # refused once (nobody could know), then deferred: no second try within the day
    assert [(b.kind, b.entity_id) for b in sim.workmail.breaches] == [(EXPORT_WINDOW, target)]
    jobs = {j.job_id: j for j in harness.sim_jobs()}
    waited = jobs[row.job_id].start_time - jobs[outside[0]].start_time
    assert waited.total_seconds() >= 24 * 3600
    assert jobs_per_mailbox(jobs.values())[target] == 2  # theirs and ours, nothing more
    assert any("24-hour" in e.message or "24 h" in e.message for e in harness.events_seen())


def test_started_jobs_are_in_the_single_job_journal(harness: Any) -> None:
    run_id = harness.create()
    harness.runner(run_id).run()
    with Journal.open() as journal:
        entries = [e for e in journal.entries() if e.batch_run_id == run_id]
    assert len(entries) == 53
    assert {e.source for e in entries} == {"batch"}
    assert {e.state for e in entries} == {"COMPLETED"}
    assert all(e.prefix.startswith("exports/") and "@" not in e.prefix for e in entries)


def test_a_fresh_runner_resumes_where_the_last_one_stopped(harness: Any) -> None:
    run_id = harness.create()
    first = harness.runner(run_id)
    for _ in range(3):
        _, due = first.tick()
        harness.sim.clock.advance(due - harness.clock.now())
    first.close()  # as if the process had ended here (the OS would drop its lock)
    final = harness.runner(run_id).run()
    assert final.totals[RowState.COMPLETED] == 53
    assert jobs_per_mailbox(harness.sim_jobs()) == {row.entity_id: 1 for row in final.rows}


def test_leaving_a_run_changes_nothing_and_a_later_runner_finishes_it(harness: Any) -> None:
    control = RunControl()
    run_id = harness.create()
    ticks: list[Any] = []

    def leave_after_three() -> bool:
        ticks.append(1)
        if len(ticks) == 3:
            control.pause()
        return len(ticks) >= 3

    left = harness.runner(run_id, control=control).run(leave_after_three)
    assert left.status == RunStatus.PAUSED and not left.finished
    assert harness.store.run(run_id).status == RunStatus.PAUSED
    assert 10 <= len(harness.sim_jobs()) < 53
    final = harness.runner(run_id).run()
    assert final.status == RunStatus.FINISHED
    assert jobs_per_mailbox(harness.sim_jobs()) == {row.entity_id: 1 for row in final.rows}


@pytest.mark.parametrize("policy", [RecentPolicy.SKIP, RecentPolicy.DEFER])
def test_a_mailbox_exported_before_the_plan_is_not_started_within_its_day(
        harness: Any, policy: RecentPolicy) -> None:
    sim = harness.sim
    target = sim.world.user_ids[5]
    earlier = start_outside_job(sim, target, "before-the-plan")
    sim.clock.advance(3600)
    sim.workmail.refuse_breaches(False)  # a start within the day would run, and be counted
    run_id = harness.create(replace(harness.settings, recent_policy=policy))
    final = harness.runner(run_id).run()

    assert sim.workmail.breaches == []
    row = next(r for r in final.rows if r.entity_id == target)
    jobs = {j.job_id: j for j in harness.sim_jobs()}
    if policy == RecentPolicy.SKIP:
        assert row.state == RowState.SKIPPED
        assert jobs_per_mailbox(jobs.values())[target] == 1
    else:
        assert row.state == RowState.COMPLETED
        waited = jobs[row.job_id].start_time - jobs[earlier].start_time
        assert waited.total_seconds() >= 24 * 3600


def test_a_mailbox_whose_export_failed_within_the_day_holds_up_no_other(harness: Any) -> None:
    """Whether a FAILED job uses up its mailbox's day is not documented (the simulator's
    Assumptions.window_states). Where the service says it does, the first such mailbox is
    refused once, then waits for its day; from then on the engine knows, so the second waits
    without being refused; the others go on meanwhile."""
    sim = harness.sim
    sim.assumptions = replace(sim.assumptions, window_states=WINDOW_USED_BY_ANY_START)
    targets = sim.world.user_ids[5:7]
    failed = {target: start_outside_job(sim, target, f"failed-earlier-{target}",
                                        KmsKeyArn=sim.world.disabled_key_arn)
              for target in targets}
    sim.clock.advance(3600)
    began = sim.clock.now()
    run_id = harness.create()
    final = harness.runner(run_id).run()

    assert final.totals[RowState.COMPLETED] == 53
    jobs = {j.job_id: j for j in harness.sim_jobs()}
    assert {jobs[f].state(sim.clock.now()) for f in failed.values()} == {"FAILED"}
    others = [j for j in jobs.values() if j.entity_id not in targets]
    assert max(j.start_time for j in others) - began < timedelta(hours=1)
    for target in targets:
        row = next(r for r in final.rows if r.entity_id == target)
        waited = jobs[row.job_id].start_time - jobs[failed[target]].start_time
        assert waited >= timedelta(hours=24)
    # the first of them in plan order (largest first by default) is the one refused
    first = next(row.entity_id for row in final.rows if row.entity_id in targets)
    assert [(b.kind, b.entity_id) for b in sim.workmail.breaches] == [(EXPORT_WINDOW, first)]


def test_a_start_refused_for_want_of_slots_makes_the_engine_count_them_again(
        harness: Any) -> None:
    """A run with nothing of its own to follow does not list the jobs; when others filled the
    organization meanwhile, its start is refused once, and then it lists the jobs, counts
    theirs and waits for a slot instead of trying again every backoff."""
    sim = harness.sim
    org = harness.settings.organization_id
    target = sim.world.user_ids[0]
    start_outside_job(sim, target, "a-day-ago")
    sim.clock.advance(23 * 3600)  # the mailbox's day ends in an hour
    chosen = choose_named(harness.aws, org, [target])
    run_id = harness.create(replace(harness.settings, recent_policy=RecentPolicy.DEFER),
                            chosen=chosen)
    runner = harness.runner(run_id, Tuning(seed=7, full_scan_seconds=1e9))
    runner.tick()  # the first listing: nobody else runs anything
    rivals = [u for u in sim.world.user_ids[1:11]]
    sim.workmail.set_job_duration(lambda entity: 7200.0 if entity in rivals else 60.0)
    sim.clock.advance(1800)
    for rival in rivals:
        start_outside_job(sim, rival, f"rival-{rival}")
    final = runner.run()

    row = final.rows[0]
    assert row.state == RowState.COMPLETED
    assert [b.kind for b in sim.workmail.breaches] == [RUNNING_LIMIT]
    jobs = {j.job_id: j for j in harness.sim_jobs()}
    assert max(j.end_time(sim.clock.now()) for j in jobs.values() if j.entity_id in rivals) \
        <= jobs[row.job_id].start_time
def test_nothing_starts_before_one_complete_listing_and_failed_listings_back_off(
        harness: Any) -> None:
    run_id = harness.create()
    harness.sim.faults.fail_next("ListMailboxExportJobs", 3)
    runner = harness.runner(run_id)
    waits = []
    for _ in range(3):
        progress, due = runner.tick()
        assert harness.sim_jobs() == [] and progress.totals[RowState.STARTING] == 0
        waits.append(due - harness.clock.now())
        harness.sim.clock.advance(due - harness.clock.now())
    assert min(waits) >= 1.0 and waits[2] > waits[0]  # backing off, not spinning
    assert "nothing whose start may have happened is sent again" in \
        harness.events_seen()[0].message
    final = runner.run()
    assert final.totals[RowState.COMPLETED] == 53
    assert jobs_per_mailbox(harness.sim_jobs()) == {row.entity_id: 1 for row in final.rows}


def test_a_lost_start_answer_is_held_through_a_failed_listing_and_then_adopted(
        harness: Any) -> None:
    """The in-process form of issue 11.9: the answer is lost, the token expires, the day
    passes during the backoff and the next listing fails."""
    sim = harness.sim
    sim.workmail.set_token_lifetime(60)
    run_id = harness.create()
    runner = harness.runner(run_id)
    sim.faults.lose_next_response("StartMailboxExportJob")
    runner.tick()
    [orphan] = harness.sim_jobs()
    held = next(r for r in harness.store.rows(run_id) if r.entity_id == orphan.entity_id)
    assert held.state == RowState.STARTING

    sim.clock.advance(25 * 3600)
    sim.faults.fail_next("ListMailboxExportJobs")
    runner.tick()
    assert jobs_per_mailbox(harness.sim_jobs())[orphan.entity_id] == 1
    final = runner.run()
    assert jobs_per_mailbox(harness.sim_jobs()) == {row.entity_id: 1 for row in final.rows}
    adopted = next(r for r in final.rows if r.entity_id == orphan.entity_id)
    assert (adopted.state, adopted.job_id) == (RowState.COMPLETED, orphan.job_id)
    assert orphan.job_id in {record.job_id for record in harness.store.jobs(run_id)}
