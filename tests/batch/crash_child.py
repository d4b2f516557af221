"""The process the crash tests kill: resumes one batch run against the simulator server.

Run as `python crash_child.py RUN_ID`; AWS_ENDPOINT_URL, dummy credentials and
WORKMAIL_EXPORT_STATE_DIR come from the environment, and SIM_CLOCK ("epoch,monotonic,speed",
from `RealClock.anchor()`) the simulator's time, so this client and the simulated service
agree on what time it is, as a real client and AWS do (also after the test jumps the
simulator's clock between two lives of the child). Prints `ready` before its first tick (the
parent kills it at a random moment after that), `tick` after each tick, `done` at the end;
exits 2 when another process holds the run (a killed one never does).
"""

from __future__ import annotations

import os
import sys
import threading
import time

from tui.core.batch.model import BatchProgress
from tui.core.batch.run_lock import RunLocked
from tui.core.batch.runner import BatchRunner, RunnerOptions
from tui.core.batch.scheduler import Tuning
from tui.core.batch.store import BatchStore
from tui.core.model import ConnectionSettings
from tui.core.session import connect

# In simulated seconds; at the tests' speed of 60 a poll is 0.05 s of real time.
FAST = Tuning(poll_seconds=3.0, full_scan_seconds=60.0, retry_delay_seconds=6.0,
              limit_backoff=(3.0, 24.0), throttle_backoff=(1.2, 12.0))


class SimulatorTime:
    """The simulator's clock as seen from this process: its time runs `speed` times faster
    than the machine's monotonic clock from the anchor on; sleeping waits the real share."""

    def __init__(self, anchor: str) -> None:
        epoch, monotonic, speed = (float(part) for part in anchor.split(","))
        self.epoch, self.monotonic, self.speed = epoch, monotonic, speed

    def now(self) -> float:
        return self.epoch + (time.monotonic() - self.monotonic) * self.speed

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> None:
        if seconds <= 0:
            return
        if wake is None:
            time.sleep(seconds / self.speed)
        else:
            wake.wait(seconds / self.speed)


def report(progress: BatchProgress) -> None:
    print("tick", progress.done, flush=True)


def main(run_id: str) -> int:
    aws = connect(ConnectionSettings(region="us-east-1"))
    store = BatchStore.open()
    clock = SimulatorTime(os.environ["SIM_CLOCK"])
    try:
        runner = BatchRunner(aws, store, run_id, RunnerOptions(clock=clock, tuning=FAST),
                             on_progress=report)
    except RunLocked as locked:
        print(locked, file=sys.stderr, flush=True)
        return 2
    print("ready", flush=True)
    runner.run()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
