"""One process drives a run at a time: a lock file per run beside the batch store.

`RunLock.acquire(store_path, run_id)` takes `<store>.<run_id>.lock` (e.g.
`batch.sqlite3.r3f9a0c1b2d4e.lock`) with an exclusive, non-blocking `flock` and writes into it
who holds it: process id, host and since when. A second process (or a second runner in the
same process) gets `RunLocked`, whose sentence names that holder. The operating system drops
a flock when its file is closed, which includes the holder being killed (SIGKILL, a crash, a
lost terminal): a lock file left behind then holds nothing, and the next `acquire` takes it.
`release()` removes the file. Each run has its own file, so one process may hold the locks
of several runs at once.

Only files that are ours are used: the lock path is opened without following a symlink, and
anything there that is not a regular file is refused. On a system without `fcntl` (Windows)
no lock is taken (`RunLock.held` is False) and runs are not guarded.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from tui.core.batch.store import StoreError
from tui.core.model import AwsProblem, CoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_ATTEMPTS = 5  # a lock file removed by its releasing holder while we opened it: try again


@dataclass(frozen=True)
class LockHolder:
    """Who holds a run's lock, as its lock file says."""

    pid: int
    host: str
    since: float

    def describe(self) -> str:
        moment = datetime.fromtimestamp(self.since, tz=timezone.utc)
        return (f"process {self.pid} on {self.host} since "
                f"{moment.strftime('%Y-%m-%d %H:%M:%S')} UTC")


class RunLocked(StoreError, CoreError):
    """Another process (or another runner of this one) drives the run now. A StoreError
    (the run cannot be driven from here) that carries its problem like every CoreError."""

    def __init__(self, run_id: str, holder: LockHolder | None, path: Path) -> None:
        who = holder.describe() if holder else "another process (it has not said which yet)"
        CoreError.__init__(self, AwsProblem(
            code="RunLocked",
            message=f"Run {run_id} is being driven by {who}; its lock is {path}.",
            hint="Let that one go on, or stop it (Ctrl-C pauses the run), then resume the "
                 "run here."))
        self.run_id = run_id
        self.holder = holder
        self.path = path


def lock_path(store_path: Path, run_id: str) -> Path:
    """`<store>.<run_id>.lock` beside the store."""
    if not run_id.isalnum():
        raise ValueError(f"{run_id!r} is not a run id")
    return store_path.with_name(f"{store_path.name}.{run_id}.lock")


def read_holder(path: Path) -> LockHolder | None:
    """What a lock file says about its holder (None: empty, unreadable or not ours)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        data = json.loads(os.read(descriptor, 4096).decode())
        return LockHolder(int(data["pid"]), str(data["host"]), float(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    finally:
        os.close(descriptor)


class RunLock:
    """A held run lock. Release it with `release()` (or `with`); idempotent."""

    def __init__(self, run_id: str, path: Path, descriptor: int | None) -> None:
        self.run_id = run_id
        self.path = path
        self._descriptor = descriptor

    @property
    def held(self) -> bool:
        return self._descriptor is not None

    @classmethod
    def acquire(cls, store_path: Path, run_id: str) -> RunLock:
        """Take the run's lock or raise RunLocked (naming the holder); StoreError when the
        lock file cannot be made or is not ours."""
        path = lock_path(store_path, run_id)
        if fcntl is None:  # pragma: no cover - Windows
            return cls(run_id, path, None)
        for _ in range(_ATTEMPTS):
            descriptor = _open_lock_file(path)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                raise RunLocked(run_id, read_holder(path), path) from None
            except OSError as exc:
                os.close(descriptor)
                raise StoreError(f"The run lock {path} cannot be taken ({exc}).") from exc
            if _still_there(path, descriptor):
                _write_holder(descriptor)
                return cls(run_id, path, descriptor)
            os.close(descriptor)  # its holder removed it while we opened it: a new one
        raise StoreError(f"The run lock {path} keeps changing; another process is taking and "
                         "releasing it. Try again.")

    def release(self) -> None:
        if self._descriptor is None:
            return
        descriptor, self._descriptor = self._descriptor, None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # while still held, so no one takes a file about to vanish
        os.close(descriptor)

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _open_lock_file(path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags, 0o600)
    except OSError as exc:
        raise StoreError(f"The run lock {path} cannot be opened ({exc.strerror or exc}); it "
                         "must be a regular file of workmail-export's, or not exist.") from exc
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise StoreError(f"The run lock {path} is not a regular file; move it away, then "
                         "resume the run.")
    return descriptor


def _still_there(path: Path, descriptor: int) -> bool:
    """Whether `path` is still the file we locked (a releasing holder removes it)."""
    try:
        named = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    opened = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _write_holder(descriptor: int) -> None:
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, json.dumps(holder).encode(), 0)
