"""The plain face walked to a JobId on the demo world, as a person types the answers."""

from __future__ import annotations

from typing import Any

from plain_driver import ENTER

from tui.core.journal import Journal


def good_walk(sim: Any) -> list[tuple[str, str | None]]:
    return [
        ("Organization:", ENTER),
        ("Mailbox (start of a name, display name or email):", "alice.wong" + ENTER),
        ("IAM role:", "WorkMailExportRole (trusts" + ENTER),
        ("KMS key:", ENTER),
        ("S3 bucket:", "mail-export (us" + ENTER),
        ("S3 prefix:", "exports/" + ENTER),
        ("Description (optional):", "before the end" + ENTER),
        ("What now?", ENTER),
        ("Start the export of", "y"),
    ]


def test_walk_to_a_job_id(sim: Any, plain: Any) -> None:
    run = plain(good_walk(sim))
    print(run.screen)
    assert run.missed == []
    assert run.code == 0
    [job] = sim.workmail.jobs(sim.world.org_id)
    assert f"JobId  {job.job_id}" in run.screen
    assert (job.entity_id, job.role_arn, job.bucket, job.prefix, job.description) == (
        sim.world.enabled_user, sim.world.good_role_arn, sim.world.good_bucket, "exports/",
        "before the end")
    with Journal.open() as journal:
        entry = journal.find(job.job_id)
    assert entry is not None and entry.source == "plain"
    assert f"Recorded in the journal at {journal.path}" in run.screen
