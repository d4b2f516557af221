"""A submit that finds the journal damaged (moved aside on the way) says so in the started
job's `journal_warning`, which the Textual and plain result steps show, with the path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from journal_damage import damaged_journal

from tui.core.journal import Journal
from tui.core.model import ConnectionSettings, ExportRequest
from tui.core.session import connect
from tui.wizard import calls


def test_the_started_job_carries_the_moved_aside_sentence(sim: Any, tmp_path: Path) -> None:
    path = damaged_journal(tmp_path / "state" / "journal.sqlite3")
    world = sim.world
    request = ExportRequest(organization_id=world.org_id, entity_id=world.enabled_user,
                            role_arn=world.good_role_arn, kms_key_arn=world.good_key_arn,
                            bucket=world.good_bucket, prefix=world.good_prefix)
    started = calls.submit(connect(ConnectionSettings()), request, source="plain")
    [moved] = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
    assert started.job_id
    assert "was damaged" in started.journal_warning and str(moved) in started.journal_warning
    with Journal.open(path) as fresh:
        assert fresh.find(started.job_id) is not None  # recorded in the fresh journal
