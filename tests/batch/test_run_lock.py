"""One process drives a run: the lock file beside the store, its holder's words, and what a
SIGKILL leaves behind (nothing that blocks a resume)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tui.core.batch.model import RowState
from tui.core.batch.run_lock import RunLock, RunLocked, lock_path, read_holder
from tui.core.batch.store import StoreError

ROOT = Path(__file__).parents[2]


def test_a_second_taker_is_told_who_holds_the_run_and_the_file_goes_with_the_lock(
        tmp_path: Path) -> None:
    store = tmp_path / "batch.sqlite3"
    with RunLock.acquire(store, "rabc") as held:
        path = tmp_path / "batch.sqlite3.rabc.lock"
        assert held.path == path and path.exists()
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        with pytest.raises(RunLocked) as refused:
            RunLock.acquire(store, "rabc")
        holder = refused.value.holder
        assert holder is not None and (holder.pid, holder.host) == (os.getpid(),
                                                                    socket.gethostname())
        assert refused.value.problem.message.startswith(
            f"Run rabc is being driven by process {os.getpid()} on {socket.gethostname()} "
            "since 20")
        assert str(path) in refused.value.problem.message
    assert not path.exists()
    RunLock.acquire(store, "rabc").release()  # free again


def test_one_process_holds_the_locks_of_several_runs_at_once(tmp_path: Path) -> None:
    store = tmp_path / "batch.sqlite3"
    first, second = RunLock.acquire(store, "rone"), RunLock.acquire(store, "rtwo")
    assert first.held and second.held
    with pytest.raises(RunLocked):
        RunLock.acquire(store, "rtwo")
    first.release()
    second.release()


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from tui.core.batch.run_lock import RunLock
    RunLock.acquire(Path(sys.argv[1]), "rkilled")
    print("held", flush=True)
    time.sleep(60)
""")


def test_a_lock_whose_holder_was_killed_holds_nothing(tmp_path: Path) -> None:
    store = tmp_path / "batch.sqlite3"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(store)], text=True,
                              stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(RunLocked) as refused:
            RunLock.acquire(store, "rkilled")
        assert refused.value.holder is not None and refused.value.holder.pid == holder.pid
    finally:
        holder.kill()  # SIGKILL: no chance to clean up
        holder.communicate(timeout=30)
    assert lock_path(store, "rkilled").exists()  # left behind ...
    with RunLock.acquire(store, "rkilled") as taken:  # ... and it blocks nothing
        assert read_holder(taken.path) is not None
        assert read_holder(taken.path).pid == os.getpid()  # type: ignore[union-attr]


def test_something_else_at_the_lock_path_is_refused_and_left_alone(tmp_path: Path) -> None:
    store = tmp_path / "batch.sqlite3"
    precious = tmp_path / "precious.txt"
    precious.write_text("not ours")
    lock_path(store, "rlink").symlink_to(precious)
    with pytest.raises(StoreError, match="cannot be opened"):
        RunLock.acquire(store, "rlink")
    lock_path(store, "rdir").mkdir()
    with pytest.raises(StoreError):
        RunLock.acquire(store, "rdir")
    assert precious.read_text() == "not ours" and lock_path(store, "rlink").is_symlink()
    assert lock_path(store, "rdir").is_dir()
    assert oct(precious.stat().st_mode & 0o777) != "0o600"


def test_a_run_is_driven_by_one_runner_at_a_time_and_freed_when_it_returns(
        harness: Any) -> None:
    run_id = harness.create()
    first = harness.runner(run_id)
    with pytest.raises(RunLocked):
        harness.runner(run_id)
    first.tick()
    assert len(harness.sim_jobs()) == 10  # the refused runner changed nothing
    final = first.run()
    assert final.totals[RowState.COMPLETED] == 53
    assert not lock_path(harness.store.path, run_id).exists()
    with pytest.raises(RuntimeError, match="closed"):
        first.tick()
    harness.runner(run_id).close()  # the run is free again
