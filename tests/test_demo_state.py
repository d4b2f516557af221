"""--demo keeps its simulated jobs out of the user's real journal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import demo_state_dir
from tui.core.journal import Journal, journal_path
from tui.core.model import ExportRequest


def test_demo_journal_is_a_throwaway_file_and_the_real_one_is_untouched(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = tmp_path / "real" / "journal.sqlite3"
    monkeypatch.setenv("WORKMAIL_EXPORT_JOURNAL", str(real))
    with demo_state_dir():
        demo_path = journal_path()
        assert demo_path != real
        journal = Journal.open(source="tui")
        request = ExportRequest(organization_id="m-" + "0" * 32, entity_id="alice")
        journal.record_submit(request, "us-east-1")
        journal.record_started(request.client_token, "job-1")
        journal.close()
        assert demo_path.exists()
    assert journal_path() == real
    assert not real.exists()
    assert not demo_path.exists()
