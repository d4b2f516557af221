"""Setup in the plain face: the same choices as the Textual face. An account with nothing
gets its role, key and bucket from the step lists, each plan shown whole and confirmed, and
the walk ends with a JobId the simulator completes; a disabled key is enabled from the fix the
key step offers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from plain_driver import ENTER, run_plain

from tui.sim import ManualClock, SimulatedAws


@pytest.fixture
def fresh(isolated_aws_env: None) -> Iterator[SimulatedAws]:
    with SimulatedAws(world="fresh", clock=ManualClock()) as sim:
        yield sim


def test_from_nothing_to_a_job_id(fresh: SimulatedAws) -> None:
    run = run_plain([
        ("Organization:", ENTER),
        ("Mailbox (start of a name, display name or email):", "alice.wong" + ENTER),
        ("IAM role:", "Create a role" + ENTER),
        ("What now?", ENTER),
        ("Create role WorkMailExport-example-corp (1 call)?", "y"),
        ("KMS key:", "Create a key" + ENTER),
        ("What now?", ENTER),
        ("Create KMS key alias/workmail-export/", "y"),
        ("S3 bucket:", "Create a bucket" + ENTER),
        ("New bucket's name:", ENTER),
        ("S3 prefix:", ENTER),
        ("What now?", ENTER),
        ("Create bucket example-corp-mail-exports-123456789012", "y"),
        ("What now?", ENTER),
        ("Start the export of", "y"),
    ])
    assert run.missed == [], run.screen
    assert run.code == 0, run.screen
    (job,) = fresh.workmail.jobs(fresh.world.org_id)
    assert f"JobId  {job.job_id}" in run.screen
    assert "AssumeRolePolicyDocument:" in run.screen  # the plan is shown whole
    assert "✓ 1/1 Create the IAM role WorkMailExport-example-corp" in run.screen
    assert "Done: 6 of 6 calls made." in run.screen
    fresh.clock.advance(3600)
    assert job.state(fresh.clock.now()) == "COMPLETED", job.failure


def test_a_disabled_key_is_enabled_from_the_fix_offered(sim: Any) -> None:
    world = sim.world
    run = run_plain([
        ("Organization:", ENTER),
        ("Mailbox (start of a name, display name or email):", "alice.wong" + ENTER),
        ("IAM role:", "WorkMailExportRole (trusts" + ENTER),
        ("KMS key:", "old-export-key" + ENTER),
        ("Enable this key (see the plan first)", ENTER),
        ("What now?", ENTER),
        ("Change KMS key", "y"),
        ("S3 bucket:", "mail-export (us" + ENTER),
        ("S3 prefix:", "exports/" + ENTER),
        ("Description (optional):", ENTER),
        # The role's policy names the demo's good key only: the destination says the role may
        # not export there, and offers to fix the role for this bucket, prefix and key.
        ("Continue anyway?", "n"),
        ("Fix this role (see the plan first)", ENTER),
        ("What now?", ENTER),
        ("Change role WorkMailExportRole", "y"),
        ("What now?", ENTER),
        ("Start the export of", "y"),
    ])
    assert run.missed == [], run.screen
    assert run.code == 0
    assert "Done: 1 of 1 call made." in run.screen
    (job,) = sim.workmail.jobs(world.org_id)
    assert job.kms_key_arn == world.disabled_key_arn
    sim.clock.advance(3600)
    assert job.state(sim.clock.now()) == "COMPLETED", job.failure
