"""Every face says its times in UTC: `jobs` (its STARTED column), `status` and the progress
lines of `status --wait`, whatever zone the terminal is in (here Tokyo, UTC+9)."""

from __future__ import annotations

from datetime import timezone
from typing import Any

import pytest
from cli_runner import Cli
from test_jobs_commands import start_in_service


@pytest.fixture
def in_tokyo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")


def test_jobs_and_status_show_start_times_in_utc_and_say_so(
        sim: Any, cli: Cli, in_tokyo: None) -> None:
    started = sim.clock.now().astimezone(timezone.utc)
    job_id = start_in_service(sim, cli.url)
    table = cli("jobs", "--organization", sim.world.org_id).stdout.splitlines()
    assert "STARTED (UTC)" in table[0]
    assert f"{started:%Y-%m-%d %H:%M}  service" in next(
        line for line in table if line.startswith(job_id))
    status = cli("status", job_id, "--organization", sim.world.org_id).stdout
    assert f"Started      {started:%Y-%m-%d %H:%M:%S} UTC\n" in status


def test_status_wait_stamps_each_progress_line_in_utc(sim: Any, cli: Cli, in_tokyo: None) -> None:
    job_id = start_in_service(sim, cli.url)
    code, out, _ = cli.following(sim, "status", job_id, "--wait", "--poll", "0.1",
                                 "--organization", sim.world.org_id)
    assert code == 0
    stamps = [line.split("  ")[0] for line in out.splitlines() if "%" in line]
    assert stamps and all(stamp.endswith(" UTC") and len(stamp) == len("09:00:00 UTC")
                          for stamp in stamps), out
