"""A journal of ours, then damaged (its header kept, so it is provably ours, its pages
overwritten): what the tests of "a damaged journal is moved aside and said" start from.

A module beside the root conftest.py, so every test folder imports it by name."""

from __future__ import annotations

from pathlib import Path

from tui.core.journal import Journal
from tui.core.model import ExportRequest


def damaged_journal(path: Path, jobs: int = 60, org_id: str = "m-" + "1" * 32) -> Path:
    """`jobs` started jobs written to the journal at `path`, then every page after the
    100-byte header overwritten; returns `path`."""
    with Journal.open(path) as journal:
        for number in range(jobs):
            request = ExportRequest(organization_id=org_id, entity_id=f"user{number}",
                                    role_arn="arn:aws:iam::123456789012:role/R",
                                    kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k",
                                    bucket="b", prefix="p/")
            journal.record_submit(request, "us-east-1")
            journal.record_started(request.client_token, f"job-{number}")
    whole = path.read_bytes()
    path.write_bytes(whole[:100] + b"\xff" * max(len(whole) - 100, 4096))
    return path
