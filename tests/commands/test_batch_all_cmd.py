"""`workmail-export batch --all-organizations` as a script runs it, against the "orgs" world
served over HTTP (five Active organizations in us-east-1 and eu-west-1, 200 mailboxes each,
and an Inactive one): the plan of every organization, those that cannot take part named with
why, one run per organization driven by one process, Ctrl-C pausing all of them and
`--resume g...` finishing all of them, the combined manifest. Checked against the
simulator's own jobs."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runner import ROOT, Cli

FAST = ("--poll", "0.05")


def most_running(jobs: list[Any], now: Any) -> int:
    """The most jobs of the list running at one moment (each job's start is such a moment)."""
    return max(sum(1 for other in jobs if other.start_time <= job.start_time
                   and (other.end_time(now) or now) > job.start_time) for job in jobs)


@pytest.fixture
def orgs(isolated_aws_env: None, tmp_path: Path) -> Iterator[tuple[Any, Cli, Path]]:
    from tui.sim import RealClock, SimulatedAws

    with SimulatedAws(world="orgs", clock=RealClock(speed=150)) as sim:
        sim.workmail.set_job_duration(15.0)  # 0.1 s of real time each
        regions = tmp_path / "regions.json"
        regions.write_text(json.dumps(sim.world.region_settings), encoding="utf-8")
        yield sim, Cli(sim.serve()), regions


def test_plan_only_plans_every_organization_names_those_left_out_and_starts_nothing(
        orgs: tuple[Any, Cli, Path]) -> None:
    sim, cli, regions = orgs
    result = cli("batch", "--all-organizations", "--regions-file", str(regions),
                 "--plan-only", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["regions"] == ["eu-west-1", "us-east-1"]
    assert sorted((o["organization"], o["region"], o["mailboxes"])
                  for o in plan["organizations"]) == [
        ("adatum", "eu-west-1", 200), ("contoso", "us-east-1", 200),
        ("fabrikam", "us-east-1", 200), ("litware", "eu-west-1", 200),
        ("northwind", "us-east-1", 200)]
    assert [o["organization"] for o in plan["not_taking_part"]] == ["tailspin-archive"]
    assert plan["not_taking_part"][0]["reason"].startswith("Its state is Inactive")
    assert plan["estimate"]["mailboxes"] == 1000 and plan["estimate"]["slots"] == 50
    assert all(o["planned"][0]["state"] == "disabled" for o in plan["organizations"])
    assert sum(sim.workmail.jobs(org) != [] for org in sim.world.org_ids) == 0
    assert "StartMailboxExportJob" not in sim.workmail.calls


def test_the_account_past_the_deadline_is_said_before_anything_starts(
        orgs: tuple[Any, Cli, Path]) -> None:
    """The organizations side by side still end after the deadline: the plan says so with
    what would help (the per-organization limit is AWS's), in lines and in JSON."""
    sim, cli, regions = orgs
    sim.workmail.set_mailbox_sizes(lambda entity: 2_000_000.0)  # 2 TB each: weeks of work
    flags = ("batch", "--all-organizations", "--regions-file", str(regions), "--plan-only",
             "--deadline", "2026-12-01")
    lines = cli(*flags)
    assert lines.returncode == 0, lines.stderr
    warning = next(line for line in lines.stdout.splitlines() if line.startswith("Warning: "))
    assert warning.startswith("Warning: This will not finish before 2026-12-01 00:00 UTC")
    assert "its own 10 export slots (AWS's limit per organization" in warning
    document = json.loads(cli(*flags, "--json").stdout)
    assert document["deadline_warning"].startswith("This will not finish before 2026-12-01")
    later = json.loads(cli(*flags[:-1], "2040-01-01", "--json").stdout)
    assert later["deadline_warning"] is None
    assert "StartMailboxExportJob" not in sim.workmail.calls


def test_one_process_exports_every_organization_ctrl_c_pauses_all_and_resume_ends_all(
        orgs: tuple[Any, Cli, Path], tmp_path: Path) -> None:
    sim, cli, regions = orgs
    flags = ("--regions-file", str(regions), "--region", "eu-west-1",
             "--report-dir", str(tmp_path), *FAST)
    process = subprocess.Popen(cli.command("batch", "--all-organizations", *flags),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=cli.env(), cwd=ROOT, stdin=subprocess.DEVNULL)
    eu = sim.world.org_ids[3:]  # adatum, litware
    deadline = time.monotonic() + 60
    while sum(len(sim.workmail.jobs(org)) for org in eu) < 60 and \
            time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    group_id = out.split("Group ", 1)[1].split()[0]
    assert "Organizations in eu-west-1: 2 taking part, 1 not." in out
    assert "  tailspin-archive (eu-west-1): not taking part: Its state is Inactive" in out
    assert f"[{group_id} running] " in out  # one progress line for all of them
    assert "adatum: " in out and "litware: " in out  # events name their organization
    assert (f"workmail-export batch: group {group_id} paused; continue it with: "
            f"workmail-export batch --resume {group_id}") in err
    paused = {org: len(sim.workmail.jobs(org)) for org in eu}
    assert all(0 < count < 200 for count in paused.values())

    resumed = cli("batch", "--resume", group_id, *FAST, "--report-dir", str(tmp_path))
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith(f"Resuming group {group_id}: 2 organizations.")
    assert "adatum: 200 of 200 mailboxes exported. Nothing left to do." in resumed.stdout
    assert "litware: 200 of 200 mailboxes exported. Nothing left to do." in resumed.stdout
    now = sim.clock.now()
    for org in eu:
        jobs = sim.workmail.jobs(org)
        assert set(Counter(job.entity_id for job in jobs).values()) == {1}
        assert len(jobs) == 200 and most_running(jobs, now) <= 10
    assert all(sim.workmail.jobs(org) == [] for org in sim.world.org_ids[:3])  # us-east-1

    with open(tmp_path / f"{group_id}.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_org = Counter(row["organization"] for row in rows)
    assert by_org == {"adatum": 201, "litware": 201, "tailspin-archive": 1}
    assert {row["state"] for row in rows if row["organization"] == "adatum"} == {
        "completed", "excluded"}
    assert len(list(tmp_path.glob("r*.csv"))) == 2  # one manifest per organization too


@pytest.mark.parametrize(("flags", "line"), [
    ((), "workmail-export batch: --all-organizations needs each Region's role, key and "
         "bucket: --regions-file FILE, or --role-arn, --kms-key-arn and --bucket for one "
         "Region"),
    (("--organization", "m-0123456789abcdef0123456789abcdef"),
     "workmail-export batch: --all-organizations exports every organization; leave out "
     "--organization"),
    (("--bucket", "bucket"), "workmail-export batch: --role-arn, --kms-key-arn and --bucket go "
                        "together (one Region's settings, the Region of the key); for "
                        "several Regions use --regions-file"),
])
def test_all_organizations_usage_is_one_line_and_exit_2(
        flags: tuple[str, ...], line: str, capsys: pytest.CaptureFixture[str]) -> None:
    from tui.cli import main

    assert main(["batch", "--all-organizations", *flags]) == 2
    assert capsys.readouterr().err == line + "\n"


def test_several_regions_go_with_all_organizations_only(
        capsys: pytest.CaptureFixture[str]) -> None:
    from tui.cli import main

    assert main(["batch", "--all", "--region", "us-east-1", "--region", "eu-west-1"]) == 2
    assert capsys.readouterr().err == ("workmail-export batch: --region is given more than "
                                       "once; several Regions go with --all-organizations\n")


def test_a_regions_file_with_a_key_of_another_region_is_refused(
        orgs: tuple[Any, Cli, Path], tmp_path: Path) -> None:
    sim, cli, _ = orgs
    settings = sim.world.region_settings
    wrong = {"us-east-1": dict(settings["us-east-1"],
                               kms_key_arn=settings["eu-west-1"]["kms_key_arn"])}
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(wrong), encoding="utf-8")
    result = cli("batch", "--all-organizations", "--regions-file", str(path))
    assert result.returncode == 2
    assert result.stderr == (f"workmail-export batch: {path}: the key of us-east-1 is in "
                             "eu-west-1; the organization, key and bucket must share a "
                             "Region.\n")
