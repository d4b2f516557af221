"""A state file in the way (a manifest name taken, a batch store that is not ours) reaches a
face as a sentence with what to do, not as "a bug, please report it"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.core.batch.store import BatchStore, StoreError
from tui.core.state_files import NotOurs
from tui.wizard.problems import problem_of


def test_a_file_in_the_way_is_said_with_what_to_do() -> None:
    problem = problem_of(NotOurs("/tmp/r1.csv is not a manifest of this run; it was left "
                                 "untouched."))
    assert problem.message.startswith("/tmp/r1.csv is not a manifest")
    assert "Move that file away" in problem.hint and "bug" not in problem.sentence()


def test_a_batch_store_that_is_not_ours_is_said_with_what_to_do(tmp_path: Path) -> None:
    store = tmp_path / "batch.sqlite3"
    store.write_text("my notes\n")
    with pytest.raises(StoreError) as refused:
        BatchStore.open(store)
    problem = problem_of(refused.value)
    assert problem.code == "StoreRefused"
    assert f"{store} is not an SQLite database" in problem.message
    assert "WORKMAIL_EXPORT_STATE_DIR" in problem.message
    assert "bug" not in problem.sentence() and "not expected" not in problem.sentence()
    assert store.read_text() == "my notes\n"
