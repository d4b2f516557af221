"""The delivery record: which messages of which export are in which destination account,
kept in sqlite beside the job journal (`deliveries.sqlite3`), so a re-run appends only what
is missing and a kill -9 at any moment ends, after a re-run, with every message once.

Two tables:
- `delivered`: one row per (account, source, entry): the folder, its UIDVALIDITY, the UID
  the server gave (UIDPLUS), the message's SHA-256 and how it got there. Written right
  after the server answered an APPEND.
- `reach`: per (account, folder, UIDVALIDITY), the UIDNEXT before this tool's first APPEND
  there. A message the server took but whose answer never reached this record (a kill, a
  dropped connection) has a UID at or above it that no `delivered` row names; the engine
  finds those by content before appending again (see engine.py).

WAL with synchronous=FULL: a row is on disk when the call returns. Opened like the journal:
only a file that is provably a delivery record of ours (tui.core.state_files).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tui.core import state_files
from tui.core.journal import journal_path
from tui.core.model import AwsProblem, CoreError

FILE_NAME = "deliveries.sqlite3"

_SCHEMA = """
CREATE TABLE delivered (
    account      TEXT NOT NULL,
    source       TEXT NOT NULL,
    entry        TEXT NOT NULL,
    folder       TEXT NOT NULL,
    uidvalidity  INTEGER,
    uid          INTEGER,
    sha256       TEXT NOT NULL,
    how          TEXT NOT NULL,
    at           TEXT NOT NULL,
    PRIMARY KEY (account, source, entry)
);
CREATE INDEX delivered_by_folder ON delivered (account, folder, uidvalidity);
CREATE TABLE reach (
    account      TEXT NOT NULL,
    folder       TEXT NOT NULL,
    uidvalidity  INTEGER NOT NULL,
    first_uid    INTEGER NOT NULL,
    PRIMARY KEY (account, folder, uidvalidity)
);
"""
RECORD = state_files.StateKind("delivery record", application_id=0x574D5844,  # "WMXD"
                               legacy_tables={})


def _create_tables(connection: sqlite3.Connection) -> None:
    connection.executescript(_SCHEMA)


class RecordError(CoreError):
    """The delivery record cannot be opened or written; the message names the path."""

    def __init__(self, path: Path, what: str, cause: BaseException | None = None) -> None:
        reason = f" ({cause})" if cause else ""
        super().__init__(AwsProblem(
            code="DeliveryRecordError",
            message=f"The delivery record at {path} {what}{reason}.",
            hint="Make that location writable, or point WORKMAIL_EXPORT_STATE_DIR elsewhere."))


@dataclass(frozen=True)
class Delivered:
    """A message this tool knows is in an account."""

    entry: str
    folder: str
    uidvalidity: int | None
    uid: int | None
    sha256: str
    how: str


def record_path() -> Path:
    """`deliveries.sqlite3` beside the job journal."""
    return journal_path().parent / FILE_NAME


class DeliveryRecord:
    """The open record. Thread-safe: one connection behind a lock."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._connection = connection
        self._lock = threading.Lock()
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> DeliveryRecord:
        """Open (creating if needed) the record; a path holding anything but a delivery
        record of ours is refused and left as it is (tui.core.state_files)."""
        target = path or record_path()
        try:
            state_files.prepare(target, RECORD, _create_tables)
            connection = sqlite3.connect(target, check_same_thread=False, timeout=10.0,
                                         isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
        except state_files.NotOurs as refused:
            raise RecordError(target, "is not a delivery record of this tool; it was left "
                                      "as it is", refused) from refused
        except sqlite3.DatabaseError as exc:
            raise RecordError(target, "cannot be opened", exc) from exc
        except OSError as exc:
            raise RecordError(target, "cannot be created", exc) from exc
        return cls(connection, target)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def __enter__(self) -> DeliveryRecord:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def delivered(self, account: str, source: str) -> dict[str, Delivered]:
        """Every message of `source` known to be in `account`, by entry."""
        rows = self._read(
            "SELECT entry, folder, uidvalidity, uid, sha256, how FROM delivered"
            " WHERE account = ? AND source = ?", (account, source))
        return {row[0]: Delivered(*row) for row in rows}

    def uids_in(self, account: str, folder: str, uidvalidity: int) -> set[int]:
        """The UIDs this record names in one folder (any source)."""
        rows = self._read(
            "SELECT uid FROM delivered WHERE account = ? AND folder = ? AND uidvalidity = ?"
            " AND uid IS NOT NULL", (account, folder, uidvalidity))
        return {row[0] for row in rows}

    def first_uid(self, account: str, folder: str, uidvalidity: int) -> int | None:
        rows = self._read("SELECT first_uid FROM reach WHERE account = ? AND folder = ?"
                          " AND uidvalidity = ?", (account, folder, uidvalidity))
        return rows[0][0] if rows else None

    def note_reach(self, account: str, folder: str, uidvalidity: int, uid_next: int) -> None:
        """Before the first APPEND to a folder: the UID from which this tool may write."""
        self._write("INSERT INTO reach VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
                    (account, folder, uidvalidity, uid_next))

    def note_delivered(self, account: str, source: str, messages: list[Delivered]) -> None:
        """Messages the server holds now, in one transaction."""
        at = datetime.now(timezone.utc).isoformat()
        try:
            with self._lock, self._connection:
                self._connection.execute("BEGIN")
                self._connection.executemany(
                    "INSERT INTO delivered VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                    [(account, source, item.entry, item.folder, item.uidvalidity, item.uid,
                      item.sha256, item.how, at) for item in messages])
        except sqlite3.DatabaseError as exc:
            raise RecordError(self.path, "cannot be written", exc) from exc

    def _read(self, sql: str, parameters: Iterable[object]) -> list[tuple[Any, ...]]:
        try:
            with self._lock:
                return list(self._connection.execute(sql, tuple(parameters)))
        except sqlite3.DatabaseError as exc:
            raise RecordError(self.path, "cannot be read", exc) from exc

    def _write(self, sql: str, parameters: Iterable[object]) -> None:
        try:
            with self._lock:
                self._connection.execute(sql, tuple(parameters))
        except sqlite3.DatabaseError as exc:
            raise RecordError(self.path, "cannot be written", exc) from exc
