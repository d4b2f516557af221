"""The plain face says, once and before its first question, that a damaged journal was moved
aside, with the path it was moved to (the submit later finds the fresh one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from journal_damage import damaged_journal
from plain_driver import CTRL_C
from test_walk import good_walk


def test_a_damaged_journal_is_said_before_the_first_question(sim: Any, plain: Any,
                                                             tmp_path: Path) -> None:
    path = damaged_journal(tmp_path / "state" / "journal.sqlite3")
    run = plain([("Organization:", CTRL_C)])
    assert run.missed == []
    [moved] = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
    said = " ".join(run.screen.split())
    assert said.count("was damaged") == 1
    assert f"⚠ The job journal at {path} was damaged" in said and str(moved) in said
    assert said.index("was damaged") < said.index("Organization:")


def test_it_is_said_once_in_a_walk_to_a_job_id(sim: Any, plain: Any, tmp_path: Path) -> None:
    damaged_journal(tmp_path / "state" / "journal.sqlite3")
    run = plain(good_walk(sim))
    assert run.code == 0 and run.missed == []
    assert " ".join(run.screen.split()).count("was damaged") == 1
    assert "Recorded in the journal at" in run.screen
