"""SimulatedAws: one switch that puts WorkMail, IAM, KMS, S3 and STS of this process (and,
with `serve()`, of any client on this machine) onto the simulator."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from moto import mock_aws

from . import plug
from .assumptions import DEFAULT, Assumptions
from .backend import WorkMailBackend
from .clock import ManualClock, SimClock
from .export_writer import ExportWriter
from .faults import Faults
from .s3_objects import S3Objects
from .worlds import WORLDS, World

WorldSpec = str | Callable[["SimulatedAws"], Any]

plug.install()


class SimulatedAws:
    """A simulated AWS account 123456789012 with a seeded world.

    `with SimulatedAws(world="demo", clock=ManualClock()) as sim:` makes every boto3 session
    created in this process talk to the simulator with dummy credentials. `world` is "empty",
    "fresh", "demo", "large", or a callable(sim) that seeds (and may return a World).
    `assumptions` are the guesses about AWS it plays out (tui.sim.assumptions; settable at any
    time).

    A job's export (.zip and output log, SSE-KMS with its key) appears in its bucket once the
    job is COMPLETED: `.exports` writes it the first time anything reads there (its `layout`,
    `bytes_per_mb` and `written` are for tests); `.s3.reads` counts the GetObjects answered.
    """

    def __init__(self, world: WorldSpec = "demo", clock: SimClock | None = None,
                 faults: Faults | None = None, assumptions: Assumptions = DEFAULT) -> None:
        if isinstance(world, str) and world not in WORLDS:
            raise ValueError(f"Unknown world {world!r}; choose one of {', '.join(WORLDS)}.")
        self.clock: SimClock = clock or ManualClock()
        self.faults = faults or Faults()
        self.workmail = WorkMailBackend(self.clock)
        self.workmail.assumptions = assumptions
        self.exports = ExportWriter(self.workmail)  # the exports of COMPLETED jobs, in S3
        self.s3 = S3Objects(self)  # S3 object requests before moto (reads counted in .reads)
        self.world = World()
        self.seed_seconds = 0.0
        self._world_spec = world
        self._mock: Any = None
        self._server: Any = None
        self._region_env_set = False
        self._ever_started = False
        self._completed = 0

    @property
    def assumptions(self) -> Assumptions:
        """The guesses about AWS the simulator plays out now."""
        return self.workmail.assumptions

    @assumptions.setter
    def assumptions(self, assumptions: Assumptions) -> None:
        self.workmail.assumptions = assumptions

    @property
    def started(self) -> bool:
        return self._mock is not None

    def start(self) -> SimulatedAws:
        if self.started:
            return self
        plug.activate(self)
        try:
            self._mock = mock_aws()
            self._mock.start()
            if not (os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")):
                os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
                self._region_env_set = True
            began = time.perf_counter()
            if self._ever_started:  # moto was reset: start WorkMail afresh too
                assumptions = self.assumptions
                self.workmail = WorkMailBackend(self.clock)
                self.workmail.assumptions = assumptions
                self.exports = ExportWriter(self.workmail)
                self.s3 = S3Objects(self)
            self._ever_started = True
            self.world = self._seed()
            self.exports.bytes_per_mb_for.update(self.world.export_bytes_per_mb)
            self.seed_seconds = time.perf_counter() - began
        except BaseException:
            self.stop()
            raise
        return self

    def _seed(self) -> World:
        spec = self._world_spec
        if isinstance(spec, str):
            return WORLDS[spec](self.workmail)
        result = spec(self)
        return result if isinstance(result, World) else World()

    def complete_export(self, entity_id: str = "", layout: str = "") -> str:
        """Start an export of `entity_id` (default: the world's enabled user) with the
        world's good role, key, bucket and prefix, and move the clock past its end; its
        JobId (for tests, benchmarks and pictures; `layout` sets `exports.layout` first)."""
        world = self.world
        if layout:
            self.exports.layout = layout
        self._completed += 1
        entity = entity_id or world.enabled_user
        answer = self.workmail.call("StartMailboxExportJob", {
            "ClientToken": f"complete-export-{self._completed}",
            "OrganizationId": world.org_id, "EntityId": entity,
            "RoleArn": world.good_role_arn, "KmsKeyArn": world.good_key_arn,
            "S3BucketName": world.good_bucket, "S3Prefix": world.good_prefix}, world.region)
        job_id = str(answer["JobId"])
        self.clock.advance(self.workmail.book.jobs[job_id].duration + 1)
        return job_id

    def serve(self, port: int = 0) -> str:
        """Serve all five services over HTTP on 127.0.0.1; returns the endpoint URL."""
        from .server import SimulatorServer

        self.start()
        if self._server is None:
            self._server = SimulatorServer(self, port)
        return str(self._server.url)

    @property
    def http_requests(self) -> int:
        """How many requests the HTTP server has answered (0 when not serving)."""
        return int(self._server.app.requests) if self._server is not None else 0

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        self.exports.close()
        if self._region_env_set:
            os.environ.pop("AWS_DEFAULT_REGION", None)
            self._region_env_set = False
        plug.deactivate(self)

    def __enter__(self) -> SimulatedAws:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
