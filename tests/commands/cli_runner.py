"""The commands as a script runs them: `python -m tui ...` in a subprocess against the
simulator served over HTTP (AWS_ENDPOINT_URL), with the test's own state directory."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Cli:
    """Runs workmail-export against one simulated AWS."""

    url: str

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "tui", *args]

    def env(self) -> dict[str, str]:
        return {**os.environ, "AWS_ENDPOINT_URL": self.url}

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*args), capture_output=True, text=True, timeout=60,
                              env=self.env(), cwd=ROOT, stdin=subprocess.DEVNULL)

    def popen(self, *args: str, env: dict[str, str] | None = None
              ) -> subprocess.Popen[str]:
        """The command started, its output in pipes (for tests that signal or kill it)."""
        return subprocess.Popen(self.command(*args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env or self.env(),
                                cwd=ROOT, stdin=subprocess.DEVNULL)

    def following(self, sim: Any, *args: str, step: float = 5.0) -> tuple[int, str, str]:
        """Run a command that polls while the simulated clock moves `step` seconds every
        tenth of a second, from its first line of output on (a process slow to start on a
        busy machine must not find its job already ended); (exit status, stdout, stderr)."""
        process = subprocess.Popen(self.command(*args), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=self.env(),
                                   cwd=ROOT, stdin=subprocess.DEVNULL)
        streams: dict[str, list[str]] = {"out": [], "err": []}
        talking = threading.Event()

        def read(stream: IO[str], into: list[str]) -> None:
            for line in stream:
                into.append(line)
                talking.set()

        readers = [threading.Thread(target=read, args=(stream, streams[name]), daemon=True)
                   for name, stream in (("out", process.stdout), ("err", process.stderr))]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + 60
        try:
            talking.wait(timeout=60)
            while process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
                sim.clock.advance(step)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
            for reader in readers:
                reader.join(timeout=30)
        return process.returncode, "".join(streams["out"]), "".join(streams["err"])


def export_flags(sim: Any, **changes: str) -> list[str]:
    """The flags of a good export of the demo world (alice.wong), with `changes` (flag name
    without dashes, underscores for dashes: role_arn=...)."""
    world = sim.world
    values = {"organization": world.org_id, "entity": "alice.wong",
              "role_arn": world.good_role_arn, "kms_key_arn": world.good_key_arn,
              "bucket": world.good_bucket, "prefix": world.good_prefix, **changes}
    flags: list[str] = []
    for name, value in values.items():
        if value:
            flags += [f"--{name.replace('_', '-')}", value]
    return flags
