"""`workmail-export batch` as a script runs it: a subprocess against the simulator served over
HTTP, whose clock runs 150 times faster than the wall clock, so a 45-75 s job ends in
0.3-0.5 s and `--poll 0.1` follows it. Every claim is checked against the
simulator's own jobs and the manifests on disk, not only against what the command prints.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from batch_kit import FAST, interrupted, jobs_per_mailbox, run_flags
from cli_runner import Cli

from tui.cli import main

BUCKET_PATH = "s3://example-corp-mail-export/exports/"


def most_running_at_once(sim: Any) -> int:
    now = sim.clock.now()
    jobs = sim.workmail.jobs(sim.world.org_id)
    return max(sum(1 for other in jobs if other.start_time <= job.start_time
                   and (other.end_time(now) or now) > job.start_time) for job in jobs)


def test_all_mailboxes_are_exported_once_with_lines_a_manifest_and_exit_0(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    sim, cli = fast
    result = cli(*run_flags(sim, "--all", "--report-dir", str(tmp_path)))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Plan: 53 mailbox(es) of " in out
    assert ("alice.wong@example-corp.awsapps.com -> "
            f"{BUCKET_PATH}alice.wong!40example-corp.awsapps.com/") in out
    assert "53 of 53 mailboxes exported. Nothing left to do." in out
    assert "started job " in out and "completed (" in out
    assert "53/53 done · 53 exported" in out  # a plain progress line (stdout is a pipe)
    assert "\r" not in out and "Traceback" not in result.stderr

    counts = jobs_per_mailbox(sim)
    assert len(counts) == 53 and set(counts.values()) == {1}
    assert most_running_at_once(sim) <= 10
    run_id = out.split("Run ", 1)[1].split()[0]
    with open(tmp_path / f"{run_id}.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["state"] for row in rows} == {"completed"}
    assert {row["job_id"] for row in rows} == {j.job_id for j in
                                               sim.workmail.jobs(sim.world.org_id)}
    assert all(row["s3_path"].startswith("exports/") and "@" not in row["s3_path"]
               for row in rows)
    manifest = json.loads((tmp_path / f"{run_id}.json").read_text())
    assert manifest["summary"] == "53 of 53 mailboxes exported. Nothing left to do."
    assert f"Manifests: {tmp_path / run_id}.csv, {tmp_path / run_id}.json" in out


def test_json_lines_give_the_plan_events_progress_and_a_final_summary(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    sim, cli = fast
    result = cli(*run_flags(sim, "--all", "--json", "--concurrency", "2", "--only", "resources",
                            "--report-dir", str(tmp_path)))
    assert result.returncode == 0, result.stderr
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = Counter(d["type"] for d in documents)
    assert documents[0]["type"] == "plan" and documents[-1]["type"] == "summary"
    assert kinds["event"] >= 2 * documents[0]["mailboxes"] and kinds["progress"] >= 2
    plan, summary = documents[0], documents[-1]
    started = {e["mailbox"] for e in documents if e["type"] == "event"
               and e["message"].startswith("started job")}
    assert plan["mailboxes"] == len(started) == summary["totals"]["completed"]
    assert started == {f"{name}@example-corp.awsapps.com"
                       for name in ("boardroom", "harbor-room", "projector")}
    assert {f["level"] for f in plan["findings"]} == {"ok"}
    assert summary["manifests"] == [str(tmp_path / f"{summary['run_id']}.{s}")
                                    for s in ("csv", "json")]
    assert most_running_at_once(sim) == 2
    progress = [d for d in documents if d["type"] == "progress"]
    assert progress[-1]["done"] == progress[-1]["total"] == plan["mailboxes"]


def test_a_list_file_exports_what_it_names_and_says_why_other_lines_are_not_used(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    sim, cli = fast
    names = tmp_path / "mailboxes.txt"
    names.write_text("# who leaves first\nalice.wong\nboardroom@example-corp.awsapps.com\n"
                     "nobody.here\nall-staff\n\n", encoding="utf-8")
    result = cli(*run_flags(sim), "--from-file",
                 str(names), "--report-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert ("workmail-export batch: not exported: nobody.here: No user or resource is named "
            "'nobody.here'.") in result.stderr
    assert "not exported: all-staff: all-staff is a group; groups have no mailbox to export." \
        in result.stderr
    assert set(jobs_per_mailbox(sim)) == {sim.world.enabled_user, sim.world.room_id}
    assert "2 of 2 mailboxes exported." in result.stdout


def test_a_mailbox_exported_in_the_last_24_hours_is_skipped_and_said_so(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    import boto3

    sim, cli = fast
    earlier = boto3.client("workmail", region_name="us-east-1", endpoint_url=cli.url)
    earlier.start_mailbox_export_job(
        ClientToken="by-hand", OrganizationId=sim.world.org_id, EntityId="alice.wong",
        RoleArn=sim.world.good_role_arn, KmsKeyArn=sim.world.good_key_arn,
        S3BucketName=sim.world.good_bucket, S3Prefix="exports/by-hand/")
    names = tmp_path / "two.txt"
    names.write_text("alice.wong\nbob.smith\n", encoding="utf-8")
    result = cli(*run_flags(sim, "--from-file", str(names), "--json",
                            "--report-dir", str(tmp_path)))
    assert result.returncode == 0, result.stderr
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert documents[0]["recent"] == 1
    summary = documents[-1]
    assert summary["totals"]["skipped"] == 1 and summary["totals"]["completed"] == 1
    assert "1 skipped because they were exported in the last 24 hours" in summary["summary"]
    assert jobs_per_mailbox(sim) == Counter({sim.world.enabled_user: 1,
                                             sim.world.user_ids[1]: 1})
    manifest = json.loads((tmp_path / f"{summary['run_id']}.json").read_text())
    alice = next(m for m in manifest["mailboxes"] if m["mailbox"] == "alice.wong")
    assert alice["state"] == "skipped" and alice["note"].startswith(
        "exported in the last 24 hours by job ")


def test_a_failed_check_refuses_the_run_before_any_job_starts(fast: tuple[Any, Cli]) -> None:
    sim, cli = fast
    result = cli(*run_flags(sim, "--all", role=sim.world.wrong_prefix_role_arn))
    assert result.returncode == 3
    assert result.stderr.rstrip().endswith(
        "workmail-export batch: 1 check(s) found an error; fix them, or pass --force to start "
        "anyway.")
    assert "✗ The role" in result.stderr
    assert sim.workmail.jobs(sim.world.org_id) == []


def test_ctrl_c_pauses_and_resume_finishes_without_starting_anything_twice(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    sim, cli = fast
    out, err = interrupted(sim, cli, run_flags(sim, "--all", "--concurrency", "4",
                                               "--report-dir", str(tmp_path)), jobs=6)
    run_id = out.split("Run ", 1)[1].split()[0]
    assert "Pausing the run (jobs already running go on at AWS)…" in out
    journal = tmp_path / "state" / "journal.sqlite3"  # the test's state directory
    assert err.rstrip().endswith(f"workmail-export batch: run {run_id} paused; continue it "
                                 f"with: workmail-export batch --resume {run_id} "
                                 f"--journal {journal}")
    assert "not started yet (workmail-export batch --resume" in out
    paused = len(sim.workmail.jobs(sim.world.org_id))
    assert 6 <= paused < 53
    time.sleep(0.3)  # the run is paused: nothing new starts
    assert len(sim.workmail.jobs(sim.world.org_id)) == paused

    elsewhere = cli("batch", "--resume", run_id, "--region", "eu-west-1", *FAST)
    assert elsewhere.returncode == 3  # the organization is not in that Region: refused
    assert "workmail-export batch: 1 check(s) found an error" in elsewhere.stderr
    assert len(sim.workmail.jobs(sim.world.org_id)) == paused

    resumed = cli("batch", "--resume", run_id, *FAST, "--report-dir", str(tmp_path))
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith(f"Resuming run {run_id} of {sim.world.org_id}.")
    assert "53 of 53 mailboxes exported. Nothing left to do." in resumed.stdout
    counts = jobs_per_mailbox(sim)
    assert len(counts) == 53 and set(counts.values()) == {1}
    with open(tmp_path / f"{run_id}.csv", encoding="utf-8") as handle:
        assert {row["state"] for row in csv.DictReader(handle)} == {"completed"}


M = "m-0123456789abcdef0123456789abcdef"
ROLE = "arn:aws:iam::123456789012:role/R"
KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
BAD = [
    (("batch", "--all", "--concurrency", "11"), "workmail-export batch: argument "
     "--concurrency: '11' is not a number of jobs from 1 to 10 (WorkMail runs at most 10 at "
     "once)"),
    (("batch", "--all", "--concurrency", "0"), "workmail-export batch: argument "
     "--concurrency: '0' is not a number of jobs from 1 to 10 (WorkMail runs at most 10 at "
     "once)"),
    (("batch", "--all", "--concurrency", "ten"), "workmail-export batch: argument "
     "--concurrency: 'ten' is not a number of jobs from 1 to 10 (WorkMail runs at most 10 at "
     "once)"),
    (("batch", "--organization", M), "workmail-export batch: one of the arguments --all "
     "--from-file --resume is required; see workmail-export batch --help"),
    (("batch", "--all", "--from-file", "x.txt"), "workmail-export batch: argument "
     "--from-file: not allowed with argument --all"),
    (("batch", "--all", "--organization", M), "workmail-export batch: missing --role-arn, "
     "--kms-key-arn, --bucket; a new run needs the organization, role, key and bucket (and "
     "usually --prefix)"),
    (("batch", "--resume", "r1", "--organization", M, "--concurrency", "2"),
     "workmail-export batch: --resume continues a run with the settings it was stored with; "
     "leave out --organization, --concurrency"),
    (("batch", "--from-file", "x.txt", "--name-prefix", "a"), "workmail-export batch: "
     "--name-prefix narrow --all; they do not apply to --from-file"),
    (("batch", "--resume", "R-1"), "workmail-export batch: argument --resume: 'R-1' is not a "
     "run id like r3f9a0c1b2d4e (batch prints it when a run starts)"),
    (("batch", "--all", "--recent", "later"), "workmail-export batch: argument --recent: "
     "invalid choice: 'later' (choose from 'skip', 'schedule')"),
    (("batch", "--resume", "rnothere"), "workmail-export batch: There is no batch run "
     "'rnothere': no run was ever stored in {state} (runs are kept beside the job journal; "
     "pass the --journal the run was started with)."),
    (("batch", "--from-file", "{missing}", "--organization", M, "--role-arn", ROLE,
      "--kms-key-arn", KEY, "--bucket", "bucket"), None),
]


def run_main(args: tuple[str, ...]) -> int:
    try:
        return main(list(args))
    except SystemExit as exit_:  # argparse's own errors
        return int(exit_.code or 0)


@pytest.mark.parametrize(("args", "line"), BAD[:-1], ids=[" ".join(a) for a, _ in BAD[:-1]])
def test_a_bad_flag_is_one_line_and_exit_2(args: tuple[str, ...], line: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code = run_main(args)
    out, err = capsys.readouterr()
    expected = line.format(state=tmp_path / "state")
    assert (code, out, err) == (2, "", expected + "\n")


def test_an_unreadable_list_file_is_one_line_from_a_real_process(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    sim, cli = fast
    missing = tmp_path / "nope.txt"
    args = [a.format(missing=missing) for a in BAD[-1][0]]
    args[args.index(M)] = sim.world.org_id
    result = cli(*args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"workmail-export batch: The list {missing} cannot be read (No "
                             "such file or directory); give a text file with one id, name or "
                             "email a line.\n")
