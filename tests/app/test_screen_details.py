"""Small things seen on the screens (issue 10.17): the bulk cancel question in the middle of
the screen, the bulk bar counting the share of running jobs, the jobs list at 80 columns
without a cut-off S3 column, its times saying UTC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pilot_kit import BIG, SMALL, screen_text
from shots_bulk import bulk_app, stored_run
from shots_monitor import SCENES, until
from test_bulk import resume_offered_run, totals
from textual.widgets import ProgressBar

from tui.app.bulk.bulk_cancel_screen import BulkCancelScreen
from tui.app.bulk.bulk_progress_screen import BulkProgressScreen
from tui.core.batch.model import RowState


@pytest.mark.parametrize("size", [BIG, SMALL])
async def test_the_bulk_cancel_question_is_in_the_middle_of_the_screen(
        sim: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=size) as pilot:
        await resume_offered_run(pilot, stored_run(sim))
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, BulkCancelScreen), "the question")
        await pilot.pause(0.1)
        dialog = app.screen.query_one("#confirm-dialog").region
        width, height = size
        left, right = dialog.x, width - dialog.right
        top, bottom = dialog.y, height - dialog.bottom
        assert abs(left - right) <= 1 and left > 0, dialog
        assert abs(top - bottom) <= 1 and top > 0, dialog


async def test_the_bulk_bar_counts_the_share_of_the_running_jobs(
        sim: Any, tmp_path: Path) -> None:
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await resume_offered_run(pilot, stored_run(sim))
        sim.clock.advance(20)  # ten jobs under way, none finished

        def running_share() -> bool:
            screen = app.screen
            return isinstance(screen, BulkProgressScreen) and screen.progress is not None \
                and all(r.progress > 0 for r in screen.progress.rows
                        if r.state is RowState.RUNNING)

        await until(pilot, running_share, "progress on the ten jobs")
        screen = app.screen
        assert isinstance(screen, BulkProgressScreen) and screen.progress is not None
        assert totals(app, RowState.COMPLETED) == 0
        share = sum(r.progress for r in screen.progress.rows) / 100
        bar = screen.query_one("#bulk-overall", ProgressBar)
        assert bar.progress == pytest.approx(share) and share > 0
        assert f"{int(100 * share / 53)}%" in screen_text(app)


async def jobs_list(sim: Any, size: tuple[int, int]) -> str:
    scene = SCENES["jobs"](sim)
    async with scene.app.run_test(size=size) as pilot:
        await scene.reach(pilot)
        await pilot.pause(0.2)
        return screen_text(scene.app)


async def test_the_jobs_list_at_80_columns_leaves_out_the_s3_column_it_has_no_room_for(
        sim: Any) -> None:
    text = await jobs_list(sim, SMALL)
    rows = [line for line in text.splitlines() if "service" in line or "journal  " in line]
    assert len(rows) == 4
    for line in rows:
        assert line.rstrip().endswith("…"), line  # the short JobId, whole
        assert "s3://" not in line
    assert "Started (UTC)" in text


async def test_the_jobs_list_at_120_columns_shows_where_each_export_lands(sim: Any) -> None:
    text = await jobs_list(sim, BIG)
    assert "Description · S3 object" in text and "Started (UTC)" in text
    rows = [line for line in text.splitlines() if "COMPLETED" in line]
    assert rows and all("s3://example-corp-" in line for line in rows), rows
    assert "legal hold · s3://example-corp-mail-" in text
    assert all(len(line) <= 120 for line in text.splitlines())
