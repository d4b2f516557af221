"""A single export (check, start; the wizard's mailbox step and review use the same call)
warns that its mailbox was exported in the last 24 hours, before AWS refuses it: from the
service's job list, or from the local journal when the list cannot be read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cli_runner import Cli, export_flags

WINDOW = "WorkMail exports a mailbox at most once in 24 hours, so it will refuse this export until"


@pytest.fixture
def live(isolated_aws_env: None) -> Iterator[tuple[Any, Cli]]:
    """The demo world on the wall clock: "the last 24 hours" are the machine's."""
    from tui.sim import RealClock, SimulatedAws

    with SimulatedAws(world="demo", clock=RealClock()) as sim:
        yield sim, Cli(sim.serve())


def test_check_warns_that_the_mailbox_was_exported_in_the_last_24_hours(
        live: tuple[Any, Cli]) -> None:
    sim, cli = live
    first = cli("start", *export_flags(sim, prefix="exports/first/"))
    assert first.returncode == 0, first.stderr
    job_id = first.stdout.strip()
    result = cli("check", *export_flags(sim))
    assert result.returncode == 0  # a warning: the person decides
    [line] = [line for line in result.stdout.splitlines() if "⚠" in line]
    assert line.startswith(f"Mailbox      ⚠ alice.wong@example-corp.awsapps.com was exported by "
                           f"job {job_id} (RUNNING), started ")
    assert WINDOW in line
    assert result.stdout.splitlines()[-1] == "Checked in us-east-1: 8 ok, 1 warning."


def test_the_journal_says_it_when_the_service_list_is_denied(
        live: tuple[Any, Cli]) -> None:
    sim, cli = live
    first = cli("start", *export_flags(sim, prefix="exports/first/"))
    job_id = first.stdout.strip()
    sim.faults.deny("workmail", "ListMailboxExportJobs")
    second = cli("check", "--json", *export_flags(sim))
    document = json.loads(second.stdout)
    [warning] = [f for f in document["findings"] if f["level"] == "warning"]
    assert warning["field"] == "entity"
    assert f"was exported by job {job_id} (RUNNING)" in warning["message"]
    assert WINDOW in warning["message"]


def test_a_mailbox_not_exported_lately_gets_no_warning_and_a_denied_list_is_said(
        live: tuple[Any, Cli]) -> None:
    sim, cli = live
    assert cli("check", *export_flags(sim)).stdout.splitlines()[-1] == (
        "Checked in us-east-1: 8 ok.")
    sim.faults.deny("workmail", "ListMailboxExportJobs")
    result = cli("check", *export_flags(sim))
    assert result.returncode == 0
    assert ("Mailbox      ○ could not check whether the mailbox was exported in the last 24 "
            "hours: missing workmail:ListMailboxExportJobs") in result.stdout


def test_start_warns_before_aws_refuses(live: tuple[Any, Cli]) -> None:
    sim, cli = live
    assert cli("start", *export_flags(sim, prefix="exports/first/")).returncode == 0
    second = cli("start", *export_flags(sim))
    assert second.returncode == 1  # AWS's LimitExceededException, as warned
    warned, refused = second.stderr.index(WINDOW), second.stderr.index("LimitExceeded")
    assert warned < refused
