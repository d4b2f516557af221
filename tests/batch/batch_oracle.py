"""What the batch tests read from the simulator's own job records (the test oracle)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import boto3


def intervals(jobs: list[Any], now: datetime) -> list[tuple[float, float]]:
    """[start, end) of each job in epoch seconds; a job still running ends at infinity."""
    spans = []
    for job in jobs:
        end = job.end_time(now)
        spans.append((job.start_time.timestamp(),
                      end.timestamp() if end is not None else float("inf")))
    return spans


def most_running(jobs: list[Any], now: datetime) -> int:
    """The largest number of jobs that ran at the same moment (ends before starts)."""
    events = sorted([(s, 1) for s, _ in intervals(jobs, now)]
                    + [(e, -1) for _, e in intervals(jobs, now)], key=lambda p: (p[0], p[1]))
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def running_at(jobs: list[Any], now: datetime, moment: float) -> int:
    return sum(1 for start, end in intervals(jobs, now) if start <= moment < end)


def jobs_per_mailbox(jobs: list[Any]) -> Counter[str]:
    return Counter(job.entity_id for job in jobs)


def start_outside_job(sim: Any, entity_id: str, token: str, **changes: str) -> str:
    """A job started by someone else (another admin, another tool) in the demo org."""
    world = sim.world
    params = {"ClientToken": token, "OrganizationId": world.org_id, "EntityId": entity_id,
              "RoleArn": world.good_role_arn, "KmsKeyArn": world.good_key_arn,
              "S3BucketName": world.good_bucket, "S3Prefix": "exports/manual/", **changes}
    answer = boto3.client("workmail", region_name="us-east-1").start_mailbox_export_job(
        **params)
    return str(answer["JobId"])
