"""`workmail-export batch` before it starts: the plan with every mailbox's size, the disabled
mailboxes (first, or left out and named), the estimate, the deadline warning and
--plan-only, which starts nothing (counted on the simulator). A subprocess against the
simulator over HTTP, its clock 150 times faster than the wall clock."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runner import Cli
from test_batch_cmd import jobs_per_mailbox, run_flags

from tui.core.batch.store import BatchStore


@pytest.fixture
def fast(isolated_aws_env: None) -> Iterator[tuple[Any, Cli]]:
    from tui.sim import RealClock, SimulatedAws

    with SimulatedAws(world="demo", clock=RealClock(speed=150)) as sim:
        yield sim, Cli(sim.serve())


def test_plan_only_shows_every_mailbox_with_its_size_and_starts_nothing(
        fast: tuple[Any, Cli]) -> None:
    sim, cli = fast
    sizes = {entity: 100.0 * (i + 1) for i, entity in enumerate(sim.world.user_ids)}
    sim.workmail.set_mailbox_sizes(lambda entity: sizes.get(entity, 50.0))
    result = cli(*run_flags(sim, "--all", "--plan-only"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert sim.workmail.calls.count("StartMailboxExportJob") == 0
    assert sim.workmail.calls.count("GetMailboxDetails") == 56
    assert BatchStore.open().runs() == []  # nothing stored either
    assert out.rstrip().endswith("Plan only: nothing was stored or started.")
    lines = out.splitlines()
    assert "Size: 56 mailboxes, " in out and "Order: disabled mailboxes first (soonest " \
        "removal first), then the largest first." in out
    table = [line for line in lines if line[:7].strip().isdigit()]
    assert len(table) == 56
    assert table[0].split()[1:3] == ["amira.yilmaz@example-corp.awsapps.com", "disabled"]
    assert "disabled: removed on 20" in table[0]
    # then the largest first: the last user seeded is the largest (5000 MB)
    assert table[3].split()[1:5] == ["zane.kowalski@example-corp.awsapps.com", "enabled", "4.9",
                                     "GB"]
    assert [line.split()[3:5] for line in table[-3:]] == [["50", "MB"]] * 3  # the resources
    assert "Not exported (2):" in out
    assert "  dmitri.costa@example-corp.awsapps.com: dmitri.costa is deleted; its mailbox can " \
        "no longer be exported." in lines
    assert any(line.startswith("Estimated time: about ") for line in lines)
    assert "Assumed throughput, until this machine has seen 5 exports finish: about 5.0 MB/s " \
        "per job plus 120 s a job" in out
    assert "Warning:" not in out  # 56 mailboxes end long before 2027-03-31


def test_the_json_plan_carries_sizes_estimate_and_what_is_not_exported(
        fast: tuple[Any, Cli]) -> None:
    sim, cli = fast
    result = cli(*run_flags(sim, "--all", "--plan-only", "--json"))
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["type"] == "plan" and plan["mailboxes"] == 56 and plan["order"] == "size"
    sizes = {p["entity_id"]: p["size_mb"] for p in plan["planned"]}
    assert sizes == {entity: sim.workmail.book.size_for(entity) for entity in sizes}
    assert plan["total_mb"] == pytest.approx(sum(sizes.values()), abs=0.1)
    assert [p["state"] for p in plan["planned"][:4]] == ["disabled"] * 3 + ["enabled"]
    assert [r["line"] for r in plan["rejected"]] == [
        "dmitri.costa@example-corp.awsapps.com", "emma.fischer@example-corp.awsapps.com"]
    estimate = plan["estimate"]
    assert estimate["throughput"]["assumed"] and estimate["throughput"]["learned_from"] == 0
    low, high = estimate["range_seconds"]
    assert low < estimate["seconds"] < high and estimate["slots"] == 10
    assert plan["deadline_warning"] is None
    assert sim.workmail.calls.count("StartMailboxExportJob") == 0


def test_a_plan_that_ends_after_the_deadline_says_so_and_what_would_help(
        fast: tuple[Any, Cli]) -> None:
    sim, cli = fast
    sim.workmail.set_mailbox_sizes(lambda entity: 2_000_000.0)  # 2 TB each: days of work
    result = cli(*run_flags(sim, "--all", "--plan-only", "--deadline", "2026-12-01"))
    assert result.returncode == 0, result.stderr
    warning = next(line for line in result.stdout.splitlines()
                   if line.startswith("Warning: "))
    assert warning.startswith("Warning: This will not finish before 2026-12-01 00:00 UTC: the "
                              "estimate ends around ")
    assert "start them together (workmail-export batch --all-organizations)" in warning
    late = cli(*run_flags(sim, "--all", "--plan-only", "--deadline", "2040-01-01"))
    assert "Warning:" not in late.stdout


def test_disabled_mailboxes_left_out_are_named_in_the_plan_and_the_manifest(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    sim, cli = fast
    result = cli(*run_flags(sim, "--all", "--disabled", "skip", "--report-dir", str(tmp_path)))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Plan: 53 mailbox(es) of " in out
    assert "  amira.yilmaz@example-corp.awsapps.com: disabled, removed on 20" in out
    assert "; left out on request" in out
    assert "3 disabled left out on request (removed 30 days after disabling: export them " \
           "before then)" in out
    assert sim.world.disabled_user not in jobs_per_mailbox(sim)
    assert len(jobs_per_mailbox(sim)) == 53
    run_id = out.split("Run ", 1)[1].split()[0]
    with open(tmp_path / f"{run_id}.csv", encoding="utf-8") as handle:
        rows = {row["email"] or row["mailbox"]: row for row in csv.DictReader(handle)}
    amira = rows["amira.yilmaz@example-corp.awsapps.com"]
    assert (amira["state"], amira["mailbox_state"]) == ("skipped", "DISABLED")
    assert amira["note"].startswith("disabled; left out on request (its mailbox is removed on ")
    assert rows["dmitri.costa@example-corp.awsapps.com"]["state"] == "excluded"
    assert len(rows) == 58  # 56 mailboxes + 2 deleted users: nothing left out unnamed


def test_a_disabled_mailbox_aws_refuses_says_what_the_admin_can_do(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    sim, cli = fast
    sim.workmail.disabled_exports = "refuse"  # if AWS turns out not to export them
    names = tmp_path / "two.txt"
    names.write_text("amira.yilmaz\nalice.wong\n", encoding="utf-8")
    result = cli(*run_flags(sim, "--from-file", str(names), "--report-dir", str(tmp_path)))
    assert result.returncode == 4, result.stderr
    out = result.stdout
    assert ("1 of the failed are disabled mailboxes, removed 30 days after disabling (the note "
            "column says how to export them in time)") in out
    advice = next(line for line in out.splitlines() if line.startswith("amira.yilmaz@"))
    assert advice.startswith("amira.yilmaz@example-corp.awsapps.com is disabled, and AWS does "
                             "not document whether a disabled mailbox can be exported. To "
                             "export it: enable it again")
    assert f"--organization-id {sim.world.org_id} --entity-id {sim.world.disabled_user}" \
        in advice
    run_id = out.split("Run ", 1)[1].split()[0]
    with open(tmp_path / f"{run_id}.csv", encoding="utf-8") as handle:
        rows = {row["mailbox"]: row for row in csv.DictReader(handle)}
    assert rows["amira.yilmaz"]["state"] == "failed"
    assert rows["amira.yilmaz"]["note"] == advice
    assert rows["alice.wong"]["state"] == "completed"
