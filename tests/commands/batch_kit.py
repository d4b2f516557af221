"""What the `batch` command tests share: the flags of a good run of the demo world, the
simulator's jobs per mailbox, and a run interrupted with Ctrl-C once some jobs exist."""

from __future__ import annotations

import signal
import time
from collections import Counter
from typing import Any

from cli_runner import Cli

FAST = ("--poll", "0.1")


def run_flags(sim: Any, *extra: str, role: str = "") -> list[str]:
    """`batch` with the demo world's good settings (and `role` instead of the good one)."""
    world = sim.world
    return ["batch", "--organization", world.org_id, "--role-arn", role or world.good_role_arn,
            "--kms-key-arn", world.good_key_arn, "--bucket", world.good_bucket,
            "--prefix", world.good_prefix, *FAST, *extra]


def jobs_per_mailbox(sim: Any) -> Counter[str]:
    return Counter(job.entity_id for job in sim.workmail.jobs(sim.world.org_id))


def interrupted(sim: Any, cli: Cli, flags: list[str], jobs: int,
                env: dict[str, str] | None = None) -> tuple[str, str]:
    """Run `flags` until the simulator has `jobs` jobs, then Ctrl-C it; it must exit 130.
    Returns (stdout, stderr)."""
    process = cli.popen(*flags, env=env)
    deadline = time.monotonic() + 60
    while len(sim.workmail.jobs(sim.world.org_id)) < jobs and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    return out, err
