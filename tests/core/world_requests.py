"""The export request that works in the simulator's demo world (shared by tests/core)."""

from __future__ import annotations

from tui.core.model import ExportRequest
from tui.sim import SimulatedAws


def world_request(sim: SimulatedAws, **changes: str) -> ExportRequest:
    """A request for the demo world's enabled user, good role, key, bucket and prefix."""
    w = sim.world
    return ExportRequest(organization_id=w.org_id, entity_id=w.enabled_user,
                         role_arn=w.good_role_arn, kms_key_arn=w.good_key_arn,
                         bucket=w.good_bucket, prefix=w.good_prefix).with_changes(**changes)
