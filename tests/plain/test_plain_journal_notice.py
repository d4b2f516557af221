"""The plain face says, once and before its first question, that a damaged journal was moved
aside, with the path it was moved to (the submit later finds the fresh one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plain_driver import CTRL_C
from test_walk import good_walk

from tui.core.journal import Journal
from tui.core.model import ExportRequest


def damage_the_journal(tmp_path: Path) -> Path:
    path = tmp_path / "state" / "journal.sqlite3"
    with Journal.open(path) as journal:
        for number in range(60):
            request = ExportRequest(organization_id="m-" + "1" * 32, entity_id=f"u{number}",
                                    role_arn="r", kms_key_arn="k", bucket="b", prefix="p/")
            journal.record_submit(request, "us-east-1")
    whole = path.read_bytes()
    path.write_bytes(whole[:100] + b"\xff" * (len(whole) - 100))  # our header, pages gone
    return path


def test_a_damaged_journal_is_said_before_the_first_question(sim: Any, plain: Any,
                                                             tmp_path: Path) -> None:
    path = damage_the_journal(tmp_path)
    run = plain([("Organization:", CTRL_C)])
    assert run.missed == []
    [moved] = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
    said = " ".join(run.screen.split())
    assert said.count("was damaged") == 1
    assert f"⚠ The job journal at {path} was damaged" in said and str(moved) in said
    assert said.index("was damaged") < said.index("Organization:")


def test_it_is_said_once_in_a_walk_to_a_job_id(sim: Any, plain: Any, tmp_path: Path) -> None:
    damage_the_journal(tmp_path)
    run = plain(good_walk(sim))
    assert run.code == 0 and run.missed == []
    assert " ".join(run.screen.split()).count("was damaged") == 1
    assert "Recorded in the journal at" in run.screen
