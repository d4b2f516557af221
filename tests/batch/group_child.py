"""The process the group crash test kills: resumes every run of a group against the simulator
server. Run as `python group_child.py GROUP_ID`; AWS_ENDPOINT_URL, dummy credentials and
WORKMAIL_EXPORT_STATE_DIR come from the environment. Prints `ready` before its first round,
`tick` after each, `done` at the end."""

from __future__ import annotations

import sys

from crash_child import FAST

from tui.core.batch.group import GroupProgress, GroupRunner
from tui.core.batch.runner import RunnerOptions
from tui.core.batch.store import BatchStore
from tui.core.model import ConnectionSettings
from tui.core.session import connect


def report(progress: GroupProgress) -> None:
    print("tick", progress.done, flush=True)


def main(group_id: str) -> int:
    store = BatchStore.open()
    group = store.group(group_id)
    assert group is not None
    regions = {member.region for member in group.members}
    connections = {region: connect(ConnectionSettings(region=region)) for region in regions}
    runner = GroupRunner(connections, store, group_id, RunnerOptions(tuning=FAST),
                         on_progress=report)
    print("ready", flush=True)
    runner.run()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
