"""Child process of the journal's kill test: submit one export, then die by SIGKILL.

Usage: python submit_then_die.py JOURNAL_PATH MOMENT REQUEST_JSON, with AWS_ENDPOINT_URL
pointing at a served simulator. MOMENT is `record_started` (killed inside the recorder, the
instant the JobId is journaled, before start_export even returns) or `start_export` (killed
right after start_export returns, after printing the JobId).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from tui.core.journal import Journal
from tui.core.model import ConnectionSettings, ExportRequest
from tui.core.session import connect
from tui.core.submit import start_export


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class DieWhenStarted:
    """The journal as recorder, killing the process as soon as the JobId is recorded."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def record_submit(self, request: ExportRequest, region: str) -> None:
        self.journal.record_submit(request, region)

    def record_started(self, client_token: str, job_id: str) -> None:
        self.journal.record_started(client_token, job_id)
        die()


def main() -> None:
    journal_path, moment, request_json = sys.argv[1:4]
    request = ExportRequest(**json.loads(request_json))
    journal = Journal.open(Path(journal_path), source="cli")
    recorder = DieWhenStarted(journal) if moment == "record_started" else journal
    started = start_export(connect(ConnectionSettings()), request, recorder=recorder)
    print(started.job_id, flush=True)
    die()


if __name__ == "__main__":
    main()
