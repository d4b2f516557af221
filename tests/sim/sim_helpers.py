"""Shared helpers of the simulator's tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from tui.sim import SimulatedAws

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def good_request(sim: SimulatedAws, **changes: str) -> dict[str, str]:
    """The StartMailboxExportJob parameters that work in the demo world, with changes."""
    w = sim.world
    params = {"OrganizationId": w.org_id, "EntityId": w.enabled_user,
              "RoleArn": w.good_role_arn, "KmsKeyArn": w.good_key_arn,
              "S3BucketName": w.good_bucket, "S3Prefix": w.good_prefix}
    params.update(changes)
    return params


def describe(sim: SimulatedAws, workmail: Any, job_id: str) -> dict[str, Any]:
    return dict(workmail.describe_mailbox_export_job(OrganizationId=sim.world.org_id,
                                                    JobId=job_id))


def latency_waits(monkeypatch: Any) -> list[float]:
    """The seconds each latency fault waits from now on (the wait itself is kept). What a
    latency costs in time is measured by the benchmarks; tests check it is asked for."""
    import time

    from tui.sim import faults

    waits: list[float] = []

    class _Time:
        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

        @staticmethod
        def sleep(seconds: float) -> None:
            waits.append(seconds)
            time.sleep(seconds)

    monkeypatch.setattr(faults, "time", _Time())
    return waits
