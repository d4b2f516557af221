"""The bulk review with sizes and the estimate, driven with the keys a person presses: the
disabled mailboxes left out (d) and named, listing order (o), fewer jobs at once making the
estimate longer, and Save plan (f): the plan on disk, nothing started."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from pilot_kit import BIG, flat, keys, screen_text, type_text
from rich.text import Text
from shots_bulk import bulk_app, to_bulk_choice
from shots_monitor import until
from test_bulk import choose_to_plan, dialog_text, totals

from tui.app.bulk.bulk_plan_screen import BulkPlanScreen
from tui.app.bulk.bulk_progress_screen import BulkProgressScreen
from tui.core.batch.model import RowState


def review(app: Any) -> BulkPlanScreen:
    screen = app.screen
    assert isinstance(screen, BulkPlanScreen), screen
    return screen


async def test_disabled_left_out_order_and_jobs_at_once_reshape_plan_and_estimate(
        sim: Any, tmp_path: Path) -> None:
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await to_bulk_choice(pilot)
        await choose_to_plan(pilot, sim)
        await until(pilot, lambda: review(app).plan is not None, "the checked plan")
        first = review(app).estimate
        assert first is not None and first.mailboxes == 56

        await keys(pilot, "d")  # leave the disabled ones out
        text = flat(screen_text(app))
        assert "53 mailboxes, 45.7 GB of example-corp" in text
        assert "amira.yilmaz@example-corp.awsapps.com: disabled, removed on 2026-10-05 (in 4 " \
               "days); left out on request" in text
        plan = review(app).plan
        assert plan is not None and len(plan.left_out) == 3 and len(plan.exported) == 53

        await keys(pilot, "o")  # as listed after the disabled ones
        text = flat(screen_text(app))
        assert "Order: disabled mailboxes first (soonest removal first), then as listed" in text
        assert "4 alice.wong@example-corp.awsapps.com enabled" in text

        ten = review(app).estimate
        review(app).query_one("#bulk-concurrency").focus()
        await keys(pilot, "backspace", "backspace")
        await type_text(pilot, "2")
        two = review(app).estimate
        assert ten is not None and two is not None and two.slots == 2
        assert two.seconds is not None and ten.seconds is not None
        assert two.seconds > 4 * ten.seconds  # five times fewer slots
        review(app).query_one("#bulk-mailboxes").focus()

        await keys(pilot, "s")
        question = dialog_text(app)
        assert "Start exporting 53 mailboxes (45.7 GB)?" in question
        assert "3 disabled left out (named in the manifest)." in question
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, BulkProgressScreen)
                    and totals(app, RowState.RUNNING) == 2, "two running jobs")
        assert totals(app, RowState.SKIPPED) == 3
        started = {job.entity_id for job in sim.workmail.jobs(sim.world.org_id)}
        assert sim.world.disabled_user not in started


async def test_save_plan_writes_every_mailbox_and_starts_nothing(sim: Any,
                                                                 tmp_path: Path) -> None:
    reports = tmp_path / "[bold]reports"  # a folder's name is shown as it is, not as markup
    reports.mkdir()
    app = bulk_app(sim, reports)
    async with app.run_test(size=BIG) as pilot:
        await to_bulk_choice(pilot)
        await choose_to_plan(pilot, sim)
        await until(pilot, lambda: review(app).plan is not None, "the checked plan")
        await keys(pilot, "f")
        await until(pilot, lambda: len(list(reports.glob("plan-*"))) == 2, "the plan files")
        assert isinstance(app.screen, BulkPlanScreen)  # still on the review
        await until(pilot, lambda: bool(app._notifications), "the toast")
        toast = Text.from_markup(next(iter(app._notifications)).message).plain
        assert toast.startswith(f"Plan saved (nothing was started): {reports}/plan-")
    assert sim.workmail.calls.count("StartMailboxExportJob") == 0
    written = sorted(reports.glob("plan-*"))
    assert [p.suffix for p in written] == [".csv", ".json"]
    assert {oct(p.stat().st_mode & 0o777) for p in written} == {"0o600"}
    with open(written[0], encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 58  # 56 mailboxes and the 2 deleted users, named
    assert rows[0]["mailbox"] == "amira.yilmaz@example-corp.awsapps.com"
    assert rows[0]["state"] == "disabled" and float(rows[0]["size_mb"]) == 785.1
    assert rows[-1]["state"] == "excluded" and "deleted" in rows[-1]["note"]
    document = json.loads(written[1].read_text())
    assert document["estimate"]["throughput"]["assumed"] is True
    assert document["total_mb"] == round(sum(float(r["size_mb"]) for r in rows[:56]), 1)


async def test_a_plan_past_the_deadline_says_so_on_the_review_and_in_the_start_question(
        sim: Any, tmp_path: Path) -> None:
    """20 TB a mailbox: months of exports at the assumed throughput, past 2027-03-31 (the
    simulator's clock says 2026-10-01). The review warns with what would help, the Start
    question says it again; "Not yet" starts nothing."""
    sim.workmail.set_mailbox_sizes(lambda entity: 20_000_000.0)
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await to_bulk_choice(pilot)
        await choose_to_plan(pilot, sim)
        await until(pilot, lambda: review(app).plan is not None, "the checked plan")
        text = flat(screen_text(app))
        assert "⚠ This will not finish before 2027-03-31 00:00 UTC: the estimate ends " \
               "around " in text
        assert "batch --all-organizations" in text  # what would help
        await keys(pilot, "s")
        question = dialog_text(app)
        assert "⚠ This will not finish before 2027-03-31 00:00 UTC" in question
        await pilot.press("n")
        await pilot.pause(0.1)
        assert isinstance(app.screen, BulkPlanScreen)
    assert sim.workmail.calls.count("StartMailboxExportJob") == 0


async def test_a_plan_well_before_the_deadline_has_no_warning(sim: Any,
                                                              tmp_path: Path) -> None:
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await to_bulk_choice(pilot)
        await choose_to_plan(pilot, sim)
        await until(pilot, lambda: review(app).plan is not None, "the checked plan")
        assert review(app).warning is None
        assert "finish before" not in flat(screen_text(app))
        await keys(pilot, "s")
        assert "finish before" not in dialog_text(app)
        await pilot.press("n")
