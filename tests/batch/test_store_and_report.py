"""The run store (what survives a process) and the manifests a person reads afterwards."""

from __future__ import annotations

import csv
import io
import json
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tui.core.batch.model import MailboxRow, RowState, RunSettings, RunStatus
from tui.core.batch.progress import throughput_per_hour
from tui.core.batch.report import manifest_csv, manifest_json, summary, write_manifests
from tui.core.batch.store import BatchStore, StoreError, default_store_path
from tui.core.journal import journal_path

SETTINGS = RunSettings("m-" + "0" * 32, "arn:aws:iam::123456789012:role/R",
                       "arn:aws:kms:us-east-1:123456789012:key/k", "bucket", "exports/")


def row(entity: str, state: RowState, **changes: Any) -> MailboxRow:
    base = MailboxRow("", entity, f"{entity}@example.com", entity, "USER",
                      f"exports/{entity}!40example.com/", state)
    return replace(base, **changes)


def test_store_lives_beside_the_journal_private_and_survives_reopening() -> None:
    assert default_store_path().parent == journal_path().parent
    store = BatchStore.open()
    store.create_run("rabc", SETTINGS, [row("ana", RowState.PLANNED),
                                        row("bo", RowState.PLANNED)], 1000.0)
    store.save_row(replace(store.rows("rabc")[1], state=RowState.STARTING, attempts=1,
                           client_token="tok-1"))
    store.set_status("rabc", RunStatus.PAUSED)
    store.close()

    assert stat.S_IMODE(default_store_path().stat().st_mode) == 0o600
    again = BatchStore.open()
    info = again.run("rabc")
    assert (info.settings, info.status, info.created) == (SETTINGS, RunStatus.PAUSED, 1000.0)
    ana, bo = again.rows("rabc")
    assert (ana.entity_id, ana.state) == ("ana", RowState.PLANNED)
    assert (bo.state, bo.attempts, bo.client_token) == (RowState.STARTING, 1, "tok-1")
    with pytest.raises(StoreError, match="rabc"):
        again.run("rnope")
    again.close()


def test_rows_come_back_in_plan_order_and_a_row_of_no_run_is_refused() -> None:
    store = BatchStore.open()
    planned = [row(name, RowState.PLANNED) for name in ("zoe", "ana", "mo", "bo")]
    store.create_run("rord", SETTINGS, planned, 1000.0)
    assert [r.entity_id for r in store.rows("rord")] == ["zoe", "ana", "mo", "bo"]
    with pytest.raises(StoreError):
        store.save_row(replace(store.rows("rord")[0], run_id="rnone"))
    with pytest.raises(StoreError):
        store.save_row(replace(store.rows("rord")[0], entity_id="nobody"))
    store.close()


def test_a_cancel_that_also_cancels_running_jobs_is_kept_for_a_resume() -> None:
    store = BatchStore.open()
    store.create_run("rcan", SETTINGS, [row("ana", RowState.RUNNING)], 1000.0)
    store.set_status("rcan", RunStatus.CANCELLED, cancel_running=True)
    store.close()
    again = BatchStore.open()
    assert (again.run("rcan").status, again.run("rcan").cancel_running) == (
        RunStatus.CANCELLED, True)
    again.close()


def test_commits_are_on_disk_when_a_call_returns() -> None:
    """WAL with synchronous=FULL: a power cut loses no state change (not testable by cutting
    power; the connection's settings are what makes it so)."""
    store = BatchStore.open()
    settings = [store._db.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "synchronous")]
    store.close()
    assert settings == ["wal", 2]  # 2: FULL


def test_an_unwritable_place_is_a_sentence_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="WORKMAIL_EXPORT_STATE_DIR"):
        BatchStore.open(blocker / "batch.sqlite3")


def test_manifests_list_every_mailbox_with_job_path_times_and_error(tmp_path: Path) -> None:
    store = BatchStore.open()
    rows = [row("ana", RowState.COMPLETED, job_id="job-1", s3_path="exports/ana/job-1.zip",
                started_at=1_790_000_000.0, ended_at=1_790_000_060.0, attempts=1),
            row("bo", RowState.FAILED, job_id="job-2", attempts=1,
                error="Access denied: WorkMail could not assume the role.")]
    info = store.create_run("rmix", SETTINGS, rows, 1_790_000_000.0)
    stored = store.rows("rmix")

    table = list(csv.DictReader(io.StringIO(manifest_csv(info, stored))))
    assert [(r["email"], r["job_id"], r["state"]) for r in table] == [
        ("ana@example.com", "job-1", "completed"), ("bo@example.com", "job-2", "failed")]
    assert table[0]["s3_path"] == "exports/ana/job-1.zip"
    assert table[0]["started"] == "2026-09-21T14:13:20Z"
    assert table[0]["ended"] == "2026-09-21T14:14:20Z"
    assert "Access denied" in table[1]["error"]

    document = json.loads(manifest_json(info, stored))
    assert document["run_id"] == "rmix" and document["bucket"] == "bucket"
    assert [m["state"] for m in document["mailboxes"]] == ["completed", "failed"]
    assert document["summary"].startswith("1 of 2 mailboxes exported.")
    written = write_manifests(info, stored, tmp_path / "reports")
    assert [p.name for p in written] == ["rmix.csv", "rmix.json"]
    assert json.loads(written[1].read_text()) == document
    store.close()


def test_summary_says_what_still_needs_doing() -> None:
    rows = [row("a", RowState.COMPLETED), row("b", RowState.RUNNING),
            row("c", RowState.PLANNED), row("d", RowState.FAILED),
            row("e", RowState.SKIPPED), row("f", RowState.CANCELLED)]
    text = summary(rows, "rabc")
    assert text.startswith("1 of 6 mailboxes exported. Still to do: ")
    assert "1 still running on AWS (workmail-export batch --resume rabc to follow them)" in text
    assert "1 not started yet" in text and "1 failed" in text
    assert "1 skipped because they were exported in the last 24 hours" in text
    assert "1 cancelled" in text
    assert summary([row("a", RowState.COMPLETED)]) == \
        "1 of 1 mailboxes exported. Nothing left to do."


def test_throughput_follows_the_completed_jobs() -> None:
    rows = [row("a", RowState.COMPLETED, started_at=0.0, ended_at=600.0),
            row("b", RowState.COMPLETED, started_at=0.0, ended_at=600.0),
            row("c", RowState.RUNNING, started_at=600.0),
            row("d", RowState.PLANNED), row("e", RowState.PLANNED)]
    assert throughput_per_hour(rows, 900.0) == pytest.approx(2 * 3600 / 900)
    assert throughput_per_hour(rows[2:], 900.0) == 0.0
