"""After the export: download throughput against `aws s3 cp`, peak memory while downloading
and converting, and conversion speed.

    python benchmarks/bench_retrieve.py [--runs 7]

The simulator is served by a process of its own (`python -m tui.sim.server --world large
--speed 2000`): the large world's bob.smith exports a few hundred MiB (written by the
simulator when first read, timed below), alice.wong a few tens of MiB
(`--export-bytes-per-mb 32768`). Each measured command is a fresh process, timed from just
before it starts to its exit, its peak RSS read from the kernel (`os.wait4`):

- download: `workmail-export download JOB --to DIR` (verify: DescribeMailboxExportJob,
  HeadObject, the log's listing and GetObject; then 8 MiB ranged GETs, 10 at once; sha384 of
  the whole file; fsync) against `aws s3 cp s3://bucket/key FILE` (AWS CLI v1: 8 MiB parts,
  10 at once; no hash, no fsync), same object, same server, alternating, the output removed
  between runs. The ratio is ours over the CLI's throughput (goal >= 1.0). For scale, also
  `aws s3 cp` followed by `sha384sum` (what it takes to know as much as our download does,
  but the log's hash still to compare). Both tools run from compiled bytecode, as pip
  installs them: the AWS CLI's is written by pip, ours by `compileall` before the runs (a
  checkout run with PYTHONDONTWRITEBYTECODE would otherwise compile every module each time).
- peak RSS of the download and of `convert ZIP --to mbox|maildir|eml DIR`, for the small and
  the big export (goal: flat, < 150 MiB, whatever the export's size).
- convert speed: messages per second (and MiB of mail per second) of each format on the big
  export.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, dummy_aws_env, machine, served_simulator

MIB = 1024 * 1024
GOAL_RATIO = 1.0
GOAL_RSS_MIB = 150


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MiB, stdout) of one child process: its own peak, read with
    wait4 before Popen would reap it."""
    began = time.perf_counter()
    child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:5])}... exited {child.returncode}")
    return seconds, usage.ru_maxrss / 1024, out


def completed_export(url: str, user: str) -> tuple[str, str, str, str]:
    """Start an export of `user` on the served simulator, wait until it is COMPLETED;
    (organization, JobId, bucket, key)."""
    import boto3

    os.environ.update(dummy_aws_env())
    workmail = boto3.client("workmail", endpoint_url=url, region_name="us-east-1")
    org = workmail.list_organizations()["OrganizationSummaries"][0]["OrganizationId"]
    users = workmail.list_users(OrganizationId=org, Filters={"UsernamePrefix": user})["Users"]
    entity = next(u["Id"] for u in users if u["Name"] == user)
    role = boto3.client("iam", endpoint_url=url).get_role(
        RoleName="WorkMailExportRole")["Role"]["Arn"]
    kms = boto3.client("kms", endpoint_url=url, region_name="us-east-1")
    alias = next(a for a in kms.list_aliases()["Aliases"]
                 if a["AliasName"] == "alias/workmail-export")
    key = kms.describe_key(KeyId=alias["TargetKeyId"])["KeyMetadata"]["Arn"]
    job = workmail.start_mailbox_export_job(
        ClientToken=f"bench-{user}", OrganizationId=org, EntityId=entity, RoleArn=role,
        KmsKeyArn=key, S3BucketName="example-corp-mail-export", S3Prefix="exports/")["JobId"]
    while True:
        answer = workmail.describe_mailbox_export_job(OrganizationId=org, JobId=job)
        if answer["State"] == "COMPLETED":
            return org, job, answer["S3BucketName"], answer["S3Path"]
        time.sleep(0.05)


def materialize(url: str, bucket: str, key: str) -> tuple[float, int]:
    """The first HeadObject makes the simulator write the export: (seconds, size)."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
    began = time.perf_counter()
    size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    return time.perf_counter() - began, int(size)


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    aws_cli = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    if aws_cli is None:
        print("the AWS CLI (pip install awscli) is needed for the comparison")
        return 2
    print(machine())
    compileall.compile_dir(ROOT / "tui", quiet=1)  # what pip does when it installs the package
    with served_simulator("large", "--speed", "2000", "--export-bytes-per-mb", "32768") as url, \
            tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        env = {**dummy_aws_env(), "AWS_ENDPOINT_URL": url,
               "WORKMAIL_EXPORT_STATE_DIR": str(work / "state")}
        exports = {}
        for name, user in (("small", "alice.wong"), ("big", "bob.smith")):
            org, job, bucket, key = completed_export(url, user)
            seconds, size = materialize(url, bucket, key)
            exports[name] = (org, job, bucket, key, size)
            print(f"{name} export: {user}, {size / MIB:.1f} MiB, written by the simulator in "
                  f"{seconds:.1f} s when first read")

        org, job, bucket, key, size = exports["big"]
        ours, theirs, hashed, rss_download = [], [], [], {}
        sha384sum = shutil.which("sha384sum")
        for run in range(args.runs + 1):  # run 0 warms both up (page cache, server) uncounted
            target = work / "ours"
            shutil.rmtree(target, ignore_errors=True)
            seconds, rss, _ = measured([sys.executable, "-m", "tui", "download", job,
                                        "--organization", org, "--to", str(target)], env)
            copy = work / "cli.zip"
            copy.unlink(missing_ok=True)
            theirs_seconds, _, _ = measured([aws_cli, "s3", "cp", f"s3://{bucket}/{key}",
                                             str(copy), "--endpoint-url", url, "--region",
                                             "us-east-1", "--no-progress"], env)
            if run == 0:
                continue
            ours.append(seconds)
            rss_download.setdefault("big", []).append(rss)
            theirs.append(theirs_seconds)
            if sha384sum:
                copy.unlink(missing_ok=True)
                script = (f'"{aws_cli}" s3 cp "s3://{bucket}/{key}" "{copy}" --endpoint-url '
                          f'{url} --region us-east-1 --no-progress && "{sha384sum}" "{copy}"')
                seconds, _, _ = measured(["sh", "-c", script], env)
                hashed.append(seconds)
        mib = size / MIB
        print(f"\ndownload of {mib:.1f} MiB, {args.runs} runs each after one to warm up, "
              "alternating:")
        print(f"  workmail-export download (verify + sha384): median {median(ours):.2f} s, "
              f"{mib / median(ours):.1f} MiB/s (min {min(ours):.2f}, max {max(ours):.2f})")
        print(f"  aws s3 cp (no hash):                        median {median(theirs):.2f} s, "
              f"{mib / median(theirs):.1f} MiB/s (min {min(theirs):.2f}, max {max(theirs):.2f})")
        if hashed:
            print(f"  aws s3 cp, then sha384sum:                  median {median(hashed):.2f} s, "
                  f"{mib / median(hashed):.1f} MiB/s (min {min(hashed):.2f}, "
                  f"max {max(hashed):.2f})")
        ratio = median(theirs) / median(ours)
        print(f"  throughput ratio ours / aws s3 cp: {ratio:.2f} (goal >= {GOAL_RATIO}: "
              f"{'met' if ratio >= GOAL_RATIO else 'NOT met'})")
        if hashed:
            print(f"  throughput ratio ours / (aws s3 cp + sha384sum): "
                  f"{median(hashed) / median(ours):.2f}")

        small_org, small_job, _, _, small_size = exports["small"]
        _, rss, _ = measured([sys.executable, "-m", "tui", "download", small_job,
                              "--organization", small_org, "--to", str(work / "small")], env)
        rss_download["small"] = [rss]
        zips = {"small": work / "small" / f"{small_job}.zip",
                "big": work / "ours" / f"{job}.zip"}
        sizes = {"small": small_size / MIB, "big": mib}

        print("\nconvert (the big export):")
        rss_convert: dict[str, dict[str, float]] = {"small": {}, "big": {}}
        for format in ("mbox", "maildir", "eml"):
            for name, zip_path in zips.items():
                out = work / f"{name}-{format}"
                shutil.rmtree(out, ignore_errors=True)
                seconds, rss, stdout = measured([sys.executable, "-m", "tui", "convert",
                                                 str(zip_path), "--to", format, str(out),
                                                 "--json"], env)
                rss_convert[name][format] = rss
                if name == "big":
                    summary = json.loads(stdout)["conversions"][0]
                    mail = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
                    print(f"  {format:<8} {summary['messages']:,} messages in {seconds:.2f} s: "
                          f"{summary['messages'] / seconds:,.0f} messages/s, "
                          f"{mail / MIB / seconds:.0f} MiB/s written")
                shutil.rmtree(out, ignore_errors=True)

        print("\npeak RSS (MiB), small vs big export:")
        worst = 0.0
        for name in ("small", "big"):
            download = max(rss_download[name])
            converts = rss_convert[name]
            worst = max(worst, download, *converts.values())
            print(f"  {name} ({sizes[name]:.1f} MiB): download {download:.0f}, convert "
                  + ", ".join(f"{f} {v:.0f}" for f, v in converts.items()))
        print(f"  largest {worst:.0f} MiB (goal < {GOAL_RSS_MIB}, flat: "
              f"{'met' if worst < GOAL_RSS_MIB else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
