"""The local record of what was proven of each export: its verification and its download.

`retrievals.sqlite3` beside the job journal (and the batch store), one row per JobId: the
last verification (state, sentence, size, when) and the last download (state, sha384, path,
when). The manifests of batch runs read it (size, sha384, verification), and the faces show
it without asking AWS again. Opened like the batch store (WAL, synchronous=FULL, 0600) and
guarded like every state file (`tui.core.state_files`: its own application id); a file there
that is not a database of ours is refused, never replaced.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from tui.core import state_files
from tui.core.journal import journal_path
from tui.core.model import AwsProblem, CoreError
from tui.core.retrieve.model import DownloadResult, Verification

FILE_NAME = "retrievals.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS retrievals (
    job_id TEXT PRIMARY KEY,
    verification TEXT NOT NULL DEFAULT '',
    sentence TEXT NOT NULL DEFAULT '',
    size INTEGER,
    checked_at TEXT,
    download TEXT NOT NULL DEFAULT '',
    sha384 TEXT NOT NULL DEFAULT '',
    path TEXT NOT NULL DEFAULT '',
    downloaded_at TEXT
);
"""
_COLUMNS = ("job_id", "verification", "sentence", "size", "checked_at", "download", "sha384",
            "path", "downloaded_at")
RETRIEVALS = state_files.StateKind(
    "record of verifications and downloads", application_id=0x574D5852,  # "WMXR"
    legacy_tables={"retrievals": frozenset({"job_id", "verification", "download", "sha384"})})


@dataclass(frozen=True)
class Retrieval:
    """What is known of one job's export on this machine ("" / None: not done yet)."""

    job_id: str
    verification: str = ""  # a VerifyState value
    sentence: str = ""
    size: int | None = None
    checked_at: datetime | None = None
    download: str = ""  # a DownloadState value
    sha384: str = ""
    path: str = ""
    downloaded_at: datetime | None = None


def default_path() -> Path:
    return journal_path().parent / FILE_NAME


def _problem(path: Path, what: str, error: BaseException) -> CoreError:
    return CoreError(AwsProblem(
        code="RetrievalsError", operation="retrievals",
        message=f"The record of verifications and downloads at {path} {what} ({error}).",
        hint="Check that the state directory is writable and holds no other file by that "
             "name, or set WORKMAIL_EXPORT_STATE_DIR to another directory."))


def _initialise(connection: sqlite3.Connection) -> None:
    connection.executescript(_SCHEMA)


def _time(text: object) -> datetime | None:
    return datetime.fromisoformat(str(text)) if text else None


class Retrievals:
    """The record (thread-safe: one connection behind a lock)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self._lock = threading.Lock()
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> Retrievals:
        target = path or default_path()
        try:
            state_files.prepare(target, RETRIEVALS, _initialise)
            connection = sqlite3.connect(str(target), isolation_level=None,
                                         check_same_thread=False, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            state_files.mark_ours(connection, RETRIEVALS)
            connection.executescript(_SCHEMA)
        except state_files.NotOurs as refused:
            raise CoreError(AwsProblem(
                code="NotOurFile", operation="retrievals", message=str(refused),
                hint="Choose another state directory with WORKMAIL_EXPORT_STATE_DIR (or "
                     "--journal: the record lives beside the journal).")) from refused
        except (OSError, sqlite3.Error) as error:
            raise _problem(target, "cannot be opened", error) from error
        return cls(connection, target)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Retrievals:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _write(self, sql: str, values: Iterable[object]) -> None:
        with self._lock:
            try:
                self._db.execute(sql, tuple(values))
            except sqlite3.Error as error:
                raise _problem(self.path, "could not be written", error) from error

    def record_verification(self, verification: Verification) -> None:
        size = verification.object.size if verification.object else None
        moment = verification.checked_at or datetime.now(timezone.utc)
        self._write(
            "INSERT INTO retrievals (job_id, verification, sentence, size, checked_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(job_id) DO UPDATE SET "
            "verification=excluded.verification, sentence=excluded.sentence, "
            "size=COALESCE(excluded.size, retrievals.size), checked_at=excluded.checked_at",
            (verification.job_id, verification.state.value, verification.sentence, size,
             moment.isoformat()))

    def record_download(self, job_id: str, result: DownloadResult) -> None:
        self._write(
            "INSERT INTO retrievals (job_id, size, download, sha384, path, downloaded_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(job_id) DO UPDATE SET "
            "size=excluded.size, download=excluded.download, sha384=excluded.sha384, "
            "path=excluded.path, downloaded_at=excluded.downloaded_at",
            (job_id, result.size, result.state.value, result.sha384, result.path,
             datetime.now(timezone.utc).isoformat()))

    def get(self, job_id: str) -> Retrieval | None:
        return self.of([job_id]).get(job_id)

    def of(self, job_ids: Iterable[str]) -> dict[str, Retrieval]:
        wanted = [job_id for job_id in job_ids if job_id]
        found: dict[str, Retrieval] = {}
        with self._lock:
            try:
                for start in range(0, len(wanted), 500):
                    batch = wanted[start:start + 500]
                    rows = self._db.execute(
                        f"SELECT {', '.join(_COLUMNS)} FROM retrievals WHERE job_id IN "
                        f"({', '.join('?' * len(batch))})", batch).fetchall()
                    for row in rows:
                        found[row[0]] = _retrieval(row)
            except sqlite3.Error as error:
                raise _problem(self.path, "could not be read", error) from error
        return found


def _retrieval(row: tuple[object, ...]) -> Retrieval:
    job_id, verification, sentence, size, checked, download, sha384, path, downloaded = row
    return Retrieval(str(job_id), str(verification), str(sentence),
                     int(size) if isinstance(size, int) else None, _time(checked),
                     str(download), str(sha384), str(path), _time(downloaded))


@contextlib.contextmanager
def retrievals_or_none() -> Iterator[Retrievals | None]:
    """The record, or None when it cannot be opened (callers go on without it)."""
    try:
        store = Retrievals.open()
    except CoreError:
        yield None
        return
    try:
        yield store
    finally:
        store.close()


def known(job_ids: Iterable[str]) -> dict[str, Retrieval]:
    """What the record holds of these jobs ({} when there is none or it cannot be read;
    reading never creates it)."""
    if not default_path().is_file():
        return {}
    with retrievals_or_none() as store:
        if store is None:
            return {}
        try:
            return store.of(job_ids)
        except CoreError:
            return {}
