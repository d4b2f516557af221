"""A hung AWS: how long `check` and `start` take to give up, with the default timeout and a
shorter one, and what they send.

    python benchmarks/bench_hung_endpoint.py [--runs 1] [--timeouts default,2]

The endpoint is tests/fake_endpoint.py's HANG: STS answers, every other service accepts the
connection and never answers (what the issue measured before timeouts were set: `check` 181 s,
exit 0; `start` 361 s and a StartMailboxExportJob sent anyway). Each run is a fresh
`python -m tui` process, timed by this process from just before the child starts.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fake_endpoint import HANG, FakeEndpoint

from benchmarks.common import ROOT, dummy_aws_env, machine

EXPORT = ["--organization", "m-521bb1c32f1b7f2294fb237fdbc0211f", "--entity", "alice.wong",
          "--role-arn", "arn:aws:iam::123456789012:role/WorkMailExportRole",
          "--kms-key-arn", "arn:aws:kms:us-east-1:123456789012:key/"
                           "f913cda1-914c-4c1b-a488-0fe940abc384",
          "--bucket", "example-corp-mail-export", "--prefix", "exports/"]


def one_run(command: str, timeout: str) -> tuple[float, int, int, int]:
    """(seconds, exit status, requests received, StartMailboxExportJob requests)."""
    flags = [] if timeout == "default" else ["--timeout", timeout]
    with FakeEndpoint(HANG) as fake:
        env = {**dummy_aws_env(), "AWS_ENDPOINT_URL": fake.url}
        began = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "tui", command, *flags, *EXPORT],
                                capture_output=True, text=True, env=env, cwd=ROOT,
                                stdin=subprocess.DEVNULL, timeout=900)
        seconds = time.monotonic() - began
        requests = fake.requests
    return (seconds, result.returncode, sum(requests.values()),
            requests["workmail:StartMailboxExportJob"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeouts", default="default,2")
    args = parser.parse_args()
    print(machine())
    for timeout in args.timeouts.split(","):
        for command in ("check", "start"):
            runs = [one_run(command, timeout) for _ in range(args.runs)]
            seconds = [run[0] for run in runs]
            _, code, requests, starts = runs[-1]
            median = statistics.median(seconds)
            print(f"{command:<5} --timeout {timeout:<7}: median {median:5.1f} s "
                  f"(min {min(seconds):.1f}, max {max(seconds):.1f}, n={len(runs)}); "
                  f"exit {code}; {requests} requests; StartMailboxExportJob sent {starts}x")


if __name__ == "__main__":
    main()
