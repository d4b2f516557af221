"""The process the crash tests kill: resumes one batch run against the simulator server.

Run as `python crash_child.py RUN_ID`; AWS_ENDPOINT_URL, dummy credentials and
WORKMAIL_EXPORT_STATE_DIR come from the environment. Prints `ready` before its first tick (the
parent kills it at a random moment after that), `tick` after each tick, `done` at the end.
"""

from __future__ import annotations

import sys

from tui.core.batch.model import BatchProgress
from tui.core.batch.runner import BatchRunner, RunnerOptions
from tui.core.batch.scheduler import Tuning
from tui.core.batch.store import BatchStore
from tui.core.model import ConnectionSettings
from tui.core.session import connect

FAST = Tuning(poll_seconds=0.05, full_scan_seconds=1.0, retry_delay_seconds=0.1,
              limit_backoff=(0.05, 0.4), throttle_backoff=(0.02, 0.2))


def report(progress: BatchProgress) -> None:
    print("tick", progress.done, flush=True)


def main(run_id: str) -> int:
    aws = connect(ConnectionSettings(region="us-east-1"))
    store = BatchStore.open()
    runner = BatchRunner(aws, store, run_id, RunnerOptions(tuning=FAST), on_progress=report)
    print("ready", flush=True)
    runner.run()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
