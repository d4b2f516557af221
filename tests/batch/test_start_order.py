"""Recorded before the call, in the bulk path too: at the moment each StartMailboxExportJob of a
batch run is sent, its mailbox's row is already committed as mid-start (STARTING, with the
request's ClientToken) and the journal already holds the submit; no progress snapshot shows a
JobId the store and the journal do not hold."""

from __future__ import annotations

import json
from typing import Any

from tui.core.batch.model import RowState
from tui.core.journal import Journal


def test_each_start_is_sent_only_after_the_store_and_the_journal_hold_it(
        harness: Any) -> None:
    run_id = harness.create()
    seen: list[tuple[str, str, str, str]] = []  # (entity, row state, row token, journal)

    def at_send(params: dict[str, Any], **_: Any) -> None:
        body = json.loads(params["body"])
        token, entity = body["ClientToken"], body["EntityId"]
        row = next(r for r in harness.store.rows(run_id) if r.entity_id == entity)
        with Journal.open() as journal:
            entry = next((e for e in journal.entries() if e.client_token == token), None)
        journal_says = ("missing" if entry is None else
                        f"submitted by {entry.source} for run {entry.batch_run_id}, "
                        f"job {entry.job_id or 'not yet known'}")
        same = "same token" if row.client_token == token else "other token"
        seen.append((entity, row.state.value, same, journal_says))

    harness.aws.client("workmail").meta.events.register(
        "before-call.workmail.StartMailboxExportJob", at_send)
    shown: list[str] = []

    def on_progress(snapshot: Any) -> None:
        with Journal.open() as journal:
            known = {e.job_id for e in journal.entries() if e.job_id}
        stored = {record.job_id for record in harness.store.jobs(run_id)}
        shown.extend(r.job_id for r in snapshot.rows
                     if r.job_id and not (r.job_id in known and r.job_id in stored))

    runner = harness.runner(run_id)
    runner.on_progress = on_progress
    final = runner.run()

    assert final.totals[RowState.COMPLETED] == 53
    assert len(seen) == 53
    expected = f"submitted by batch for run {run_id}, job not yet known"
    assert [s for s in seen if s[1:] != ("starting", "same token", expected)] == []
    assert shown == []
