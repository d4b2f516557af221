"""The simulated AWS: a stateful WorkMail simulator plus moto's IAM/KMS/S3/STS.

    from tui.sim import SimulatedAws, ManualClock
    with SimulatedAws(world="demo", clock=ManualClock()) as sim:
        ...  # every boto3 client of this process now talks to the simulator
        url = sim.serve()  # and any AWS client can, with --endpoint-url URL

Only tests, the demo and benchmarks import this package; the product's core never does.

Modules, one job each:
    simulated_aws  the switch: mock_aws + the WorkMail plug + a seeded world + serve()
    plug           the in-process botocore hook (BUILTIN_HANDLERS, runs before moto)
    server         the HTTP server (WSGI: WorkMail here, the rest to moto) and its CLI
    loopback       the 127.0.0.1 listening socket (bound by --demo's app before its child serves)
    wire           WorkMail's JSON 1.1 request/reply, shared by plug and server
    backend        the twelve WorkMail operations and the seeding methods
    directory      organizations, users, resources, groups; lookups and prefix filters
    jobs           export jobs on the clock and the job rules (limits, 24 h, 7 days, cancel)
    export_content what an export holds (hand-made hard entries, then filler), two layouts
    export_writer  a COMPLETED job's .zip and output log, streamed into moto's S3 when read
    s3_objects     S3 object requests before moto: exports on first touch, ranged reads,
                   GetObject refused without kms:Decrypt, reads counted
    oracle         would AWS manage this export? (reads moto's IAM/KMS/S3 state)
    policy_eval    the small IAM policy evaluator the oracle uses
    validation     request checks from the botocore model (lengths, patterns, enums)
    faults         latency, throttling, 5xx, AccessDenied, lost responses
    clock          ManualClock for tests, RealClock for the demo
    worlds         the "empty", "fresh", "demo" and "large" worlds; world_policies: their IAM
                   documents
    aws_seed       fast writes into moto's backends
    env            the environment of a process that must reach only the simulator
Every rule no public source confirmed is marked `ASSUMPTION (unverified)` where it is coded.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import ManualClock, RealClock, SimClock
    from .faults import Faults
    from .simulated_aws import SimulatedAws
    from .worlds import World

# Imported on first use, so `tui.sim.env` (all the --demo app process needs) loads without
# moto (about 0.3 s).
_HOMES = {"SimClock": "clock", "ManualClock": "clock", "RealClock": "clock", "Faults": "faults",
          "SimulatedAws": "simulated_aws", "World": "worlds"}
__all__ = ["Faults", "ManualClock", "RealClock", "SimClock", "SimulatedAws", "World"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
