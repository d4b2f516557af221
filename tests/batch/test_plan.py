"""Choosing mailboxes on the simulator and planning their prefixes and 24-hour windows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from batch_oracle import start_outside_job

from tui.core.batch.disabled import with_disabled
from tui.core.batch.model import DisabledPolicy, RecentPolicy, RowState
from tui.core.batch.order import Order
from tui.core.batch.plan import (
    Filters,
    choose_all,
    choose_enabled,
    choose_named,
    make_plan,
    read_names,
)
from tui.core.batch.runner import create_run
from tui.core.batch.sizes import READERS
from tui.core.batch.store import BatchStore
from tui.core.session import Aws


def test_all_enabled_means_enabled_users_and_resources_only(sim: Any, aws: Aws) -> None:
    chosen = choose_enabled(aws, sim.world.org_id)
    kinds = [m.kind for m in chosen.mailboxes]
    assert kinds.count("USER") == 50 and kinds.count("RESOURCE") == 3
    assert {m.state for m in chosen.mailboxes} == {"ENABLED"}
    ids = {m.id for m in chosen.mailboxes}
    assert sim.world.disabled_user not in ids and sim.world.deleted_user not in ids
    assert sim.world.group_id not in ids


def test_prefix_filters_are_applied_by_the_service(sim: Any, aws: Aws) -> None:
    chosen = choose_enabled(aws, sim.world.org_id, Filters(email_prefix="alice"))
    assert chosen.mailboxes and all(m.email.startswith("alice") for m in chosen.mailboxes)
    rooms = choose_enabled(aws, sim.world.org_id, Filters(name_prefix="b", users=False))
    assert [m.name for m in rooms.mailboxes] == ["boardroom"]


def test_named_mailboxes_resolve_exactly_and_bad_lines_are_reported(sim: Any, aws: Aws,
                                                                     tmp_path: Path) -> None:
    world = sim.world
    listing = tmp_path / "mailboxes.txt"
    listing.write_text(
        "# exported first\n"
        f"{world.enabled_user}\n"
        f"bob.smith@{world.domain}  # by email\n"
        "\n"
        "boardroom\n"
        "nobody.here\n"
        "all-staff\n"
        f"{world.deleted_user}\n"
        f"BOB.SMITH@{world.domain.upper()}\n", encoding="utf-8")
    names = read_names(listing)
    assert len(names) == 7
    chosen = choose_named(aws, world.org_id, names)
    assert [m.name for m in chosen.mailboxes] == ["alice.wong", "bob.smith", "boardroom"]
    reasons = {r.text: r.reason for r in chosen.rejected}
    assert "No user or resource" in reasons["nobody.here"]
    assert "group" in reasons["all-staff"]
    assert "deleted" in reasons[world.deleted_user]
    assert "listed twice" in reasons[f"BOB.SMITH@{world.domain.upper()}"]


def test_long_lists_are_matched_against_listings(sim: Any, aws: Aws) -> None:
    world = sim.world
    users = choose_enabled(aws, world.org_id, Filters(resources=False)).mailboxes
    names = [m.email for m in users[:30]] + ["projector", "ghost@nowhere.example"]
    calls_before = len(sim.workmail.calls)
    chosen = choose_named(aws, world.org_id, names)
    assert len(chosen.mailboxes) == 31
    assert [r.text for r in chosen.rejected] == ["ghost@nowhere.example"]
    # three listings plus one exact lookup for the unknown line, not 32 lookups
    assert len(sim.workmail.calls) - calls_before < 12


def test_plan_gives_each_mailbox_its_own_allowed_folder(sim: Any, aws: Aws,
                                                        clock: Any) -> None:
    plan = make_plan(aws, sim.world.org_id, choose_enabled(aws, sim.world.org_id),
                     "exports", clock.now())
    prefixes = [p.prefix for p in plan.mailboxes]
    assert len(set(prefixes)) == len(prefixes) == 53
    alice = next(p for p in plan.mailboxes if p.mailbox.id == sim.world.enabled_user)
    assert alice.prefix == f"exports/alice.wong!40{sim.world.domain}/"
    with pytest.raises(ValueError, match="@"):
        make_plan(aws, sim.world.org_id, choose_enabled(aws, sim.world.org_id),
                  "exports@home", clock.now())


@pytest.mark.parametrize("policy", [RecentPolicy.SKIP, RecentPolicy.DEFER])
def test_recent_exports_are_listed_and_skipped_or_deferred(
        sim: Any, aws: Aws, clock: Any, store: BatchStore, settings: Any,
        policy: RecentPolicy) -> None:
    alice = sim.world.enabled_user
    job_id = start_outside_job(sim, alice, "outside-1")
    sim.clock.advance(2 * 3600)  # finished two hours ago-ish
    plan = make_plan(aws, sim.world.org_id, choose_enabled(aws, sim.world.org_id),
                     "exports", clock.now())
    assert [(p.mailbox.id, p.recent.job_id) for p in plan.recent  # type: ignore[union-attr]
            ] == [(alice, job_id)]
    run = create_run(store, replace(settings, recent_policy=policy), plan, clock.now())
    row = next(r for r in store.rows(run.run_id) if r.entity_id == alice)
    if policy == RecentPolicy.SKIP:
        assert row.state == RowState.SKIPPED and job_id in row.note
    else:
        assert row.state == RowState.PLANNED
        assert row.not_before == pytest.approx(plan.recent[0].recent.available_at)  # type: ignore[union-attr]


def test_every_mailbox_means_enabled_and_disabled_and_deleted_ones_are_named(
        sim: Any, aws: Aws) -> None:
    chosen = choose_all(aws, sim.world.org_id)
    states = [m.state for m in chosen.mailboxes]
    assert states.count("ENABLED") == 53 and states.count("DISABLED") == 3
    assert sim.world.disabled_user in {m.id for m in chosen.mailboxes}
    assert [r.reason for r in chosen.rejected] == [
        "dmitri.costa is deleted; its mailbox can no longer be exported.",
        "emma.fischer is deleted; its mailbox can no longer be exported."]
    disabled = next(m for m in chosen.mailboxes if m.id == sim.world.disabled_user)
    assert disabled.disabled_at is not None  # the DisabledDate of ListUsers


def test_plan_reads_every_size_and_puts_disabled_first_then_the_largest(
        sim: Any, aws: Aws, clock: Any) -> None:
    sizes = {entity: float(i % 7) * 100 + 1 for i, entity in enumerate(sim.world.user_ids)}
    sim.workmail.set_mailbox_sizes(lambda entity: sizes.get(entity, 50.0))
    plan = make_plan(aws, sim.world.org_id, choose_all(aws, sim.world.org_id), "exports",
                     clock.now())
    assert len(plan.mailboxes) == 56 and plan.sizes_unknown == {}
    assert all(p.size_mb is not None for p in plan.mailboxes)
    # the three disabled users first, soonest removal (disabled 26, 12, 5 days ago) first
    assert [p.mailbox.name for p in plan.mailboxes[:3]] == [
        "amira.yilmaz", "boris.haddad", "chloe.brennan"]
    rest = [p.size_mb or 0.0 for p in plan.mailboxes[3:]]
    assert rest == sorted(rest, reverse=True) and rest[0] == 601.0
    assert plan.total_mb == pytest.approx(sum(p.size_mb or 0.0 for p in plan.mailboxes))
    assert sim.workmail.calls.count("GetMailboxDetails") == 56


def test_listing_order_keeps_the_listing_after_the_disabled_ones(
        sim: Any, aws: Aws, clock: Any) -> None:
    chosen = choose_all(aws, sim.world.org_id)
    plan = make_plan(aws, sim.world.org_id, chosen, "exports", clock.now(),
                     order=Order.LISTING)
    enabled = [m.id for m in chosen.mailboxes if m.state == "ENABLED"]
    assert [p.mailbox.state for p in plan.mailboxes[:3]] == ["DISABLED"] * 3
    assert [p.mailbox.id for p in plan.mailboxes[3:]] == enabled


def test_a_size_that_cannot_be_read_is_unknown_with_why_and_the_plan_goes_on(
        sim: Any, aws: Aws, clock: Any) -> None:
    sent: list[str] = []
    aws.client("workmail").meta.events.register(
        "before-call.workmail.GetMailboxDetails", lambda **_: sent.append("sent"))
    sim.faults.deny("workmail", "GetMailboxDetails")
    plan = make_plan(aws, sim.world.org_id, choose_all(aws, sim.world.org_id), "exports",
                     clock.now())
    assert len(plan.mailboxes) == 56 and {p.size_mb for p in plan.mailboxes} == {None}
    assert len(plan.sizes_unknown) == 56
    assert all("AccessDenied" in why for why in plan.sizes_unknown.values())
    # after the first refusal the others are not sent (they would be refused alike): only
    # the reads already in flight at that moment were
    assert 1 <= len(sent) <= READERS


@pytest.mark.parametrize("policy", [DisabledPolicy.INCLUDE, DisabledPolicy.SKIP])
def test_disabled_mailboxes_are_included_first_or_left_out_named_in_the_run(
        sim: Any, aws: Aws, clock: Any, store: BatchStore, settings: Any,
        policy: DisabledPolicy) -> None:
    plan = make_plan(aws, sim.world.org_id, choose_all(aws, sim.world.org_id), "exports",
                     clock.now())
    run = create_run(store, settings, with_disabled(plan, policy, clock.now()), clock.now())
    rows = store.rows(run.run_id)
    disabled = [r for r in rows if r.entity_id in {p.mailbox.id for p in plan.mailboxes
                                                    if p.mailbox.state == "DISABLED"}]
    assert len(rows) == 56 and [r.entity_id for r in rows[:3]] == [r.entity_id
                                                                     for r in disabled]
    if policy is DisabledPolicy.INCLUDE:
        assert {r.state for r in disabled} == {RowState.PLANNED}
    else:
        assert {r.state for r in disabled} == {RowState.SKIPPED}
        assert disabled[0].note == ("disabled; left out on request (its mailbox is removed on "
                                    "2026-10-05 (in 4 days); export it before then)")
    facts = store.facts(run.run_id)
    assert facts[disabled[0].entity_id].state == "DISABLED"
    assert [e.text for e in store.excluded(run.run_id)] == [
        "dmitri.costa@example-corp.awsapps.com", "emma.fischer@example-corp.awsapps.com"]
