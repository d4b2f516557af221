"""The durable record of batch runs: sqlite3 in WAL mode with synchronous=FULL.

One file, `batch.sqlite3`, in the same state directory as the single-job journal (a file of
its own so that the two schemas evolve apart and a long run never holds the journal's lock).
Every state change is committed before the AWS call it announces, so a process killed at any
instant leaves a row that says what may have happened on AWS. A run also keeps the connection
it was started with (profile, Region, endpoint URL), so that a resume needs only its id.

The file is opened only when it is ours (`tui.core.state_files`: an SQLite file carrying
STORE_ID, or an earlier version's store); anything else at the path is refused with
StoreRefused and left untouched. A new store is built aside (0600) and linked into place.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from tui.core import state_files
from tui.core.batch.model import (
    JobRecord,
    MailboxRow,
    RecentPolicy,
    RowState,
    RunInfo,
    RunSettings,
    RunStatus,
)
from tui.core.journal import journal_path
from tui.core.model import ConnectionSettings

STORE_FILE = "batch.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    kms_key_arn TEXT NOT NULL,
    bucket TEXT NOT NULL,
    base_prefix TEXT NOT NULL,
    description TEXT NOT NULL,
    concurrency INTEGER NOT NULL,
    max_retries INTEGER NOT NULL,
    recent_policy TEXT NOT NULL,
    status TEXT NOT NULL,
    cancel_running INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS mailboxes (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    position INTEGER NOT NULL,
    entity_id TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    prefix TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    client_token TEXT NOT NULL,
    job_id TEXT NOT NULL,
    s3_path TEXT NOT NULL,
    error TEXT NOT NULL,
    progress INTEGER NOT NULL,
    not_before REAL NOT NULL,
    started_at REAL,
    ended_at REAL,
    note TEXT NOT NULL,
    PRIMARY KEY (run_id, entity_id)
);
CREATE TABLE IF NOT EXISTS jobs (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    entity_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    job_id TEXT NOT NULL,
    state TEXT NOT NULL,
    started_at REAL,
    ended_at REAL,
    error TEXT NOT NULL,
    PRIMARY KEY (run_id, entity_id, attempt)
);
CREATE TABLE IF NOT EXISTS run_connections (
    run_id TEXT PRIMARY KEY REFERENCES runs(run_id),
    profile TEXT,
    region TEXT,
    endpoint_url TEXT
);
"""

STORE = state_files.StateKind(
    "batch store", application_id=0x574D5842,  # "WMXB"
    # What versions before the application id wrote (a few columns of each table suffice).
    legacy_tables={"runs": frozenset({"run_id", "organization_id", "base_prefix", "status"}),
                   "mailboxes": frozenset({"run_id", "entity_id", "client_token", "state"}),
                   "jobs": frozenset({"run_id", "entity_id", "attempt", "job_id"})})

_ROW_COLUMNS = [f.name for f in fields(MailboxRow)]
_JOB_COLUMNS = [f.name for f in fields(JobRecord)]


def default_store_path() -> Path:
    """Where batch runs are kept: `batch.sqlite3` beside the job journal (in the state
    directory, or beside the file $WORKMAIL_EXPORT_JOURNAL names)."""
    return journal_path().parent / STORE_FILE


class StoreError(Exception):
    """The batch store cannot be opened or written; the message says where and why."""


class StoreRefused(StoreError):
    """The path holds something that is not a batch store of ours; it was left untouched."""


class StoreDamaged(StoreError):
    """The batch store could be opened but a read failed (a damaged page, a file that is not
    a database after all); the message says where, why and what to do."""


class BatchStore:
    """Runs, their mailbox rows and every JobId they obtained. Safe to share between threads
    (one connection behind a lock); each write is its own committed transaction."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self._lock = threading.RLock()
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> BatchStore:
        """Open (creating it, mode 0600) the store at `path` or the default location.
        Raises StoreRefused when something that is not our store is there."""
        target = Path(path) if path is not None else default_store_path()
        try:
            state_files.prepare(target, STORE, _initialise)
            connection = sqlite3.connect(str(target), isolation_level=None,
                                         check_same_thread=False, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            state_files.mark_ours(connection, STORE)
            connection.executescript(_SCHEMA)
        except state_files.NotOurs as refused:
            raise StoreRefused(
                f"{refused} Choose another place with --journal (the store lives beside the "
                "journal) or WORKMAIL_EXPORT_STATE_DIR.") from refused
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"The batch store {target} cannot be opened ({exc}). Check that the directory "
                "is writable, or set WORKMAIL_EXPORT_STATE_DIR to another directory."
            ) from exc
        return cls(connection, target)

    @classmethod
    def open_existing(cls, path: Path | None = None) -> BatchStore | None:
        """Open the store only if it exists (None when no run was ever stored there): for
        reading or resuming runs, which must create nothing."""
        target = Path(path) if path is not None else default_store_path()
        if not os.path.lexists(target):
            return None
        return cls.open(target)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise StoreError(
                    f"The batch store {self.path} could not be written ({exc}). Free disk "
                    "space or fix the file's permissions, then resume the run."
                ) from exc

    # runs -------------------------------------------------------------------------------

    def create_run(self, run_id: str, settings: RunSettings, rows: Iterable[MailboxRow],
                   created: float, connection: ConnectionSettings | None = None) -> RunInfo:
        """Store a new run, all its rows and the connection it is driven with (when given)
        in one transaction."""
        info = RunInfo(run_id, settings, RunStatus.ACTIVE, created)
        values = asdict(settings) | {"recent_policy": settings.recent_policy.value}
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (run_id, organization_id, role_arn, kms_key_arn, bucket, "
                "base_prefix, description, concurrency, max_retries, recent_policy, status, "
                "created) VALUES (:run_id, :organization_id, :role_arn, :kms_key_arn, :bucket, "
                ":base_prefix, :description, :concurrency, :max_retries, :recent_policy, "
                ":status, :created)",
                values | {"run_id": run_id, "status": info.status.value, "created": created},
            )
            for position, row in enumerate(rows):
                self._write_row(db, replace(row, run_id=run_id), position)
            if connection is not None:
                db.execute("INSERT INTO run_connections (run_id, profile, region, endpoint_url)"
                           " VALUES (?, ?, ?, ?)", (run_id, connection.profile,
                                                    connection.region, connection.endpoint_url))
        return info

    def connection(self, run_id: str) -> ConnectionSettings | None:
        """The connection the run was started with (None for a run stored without one)."""
        found = next(iter(self._read(
            "SELECT profile, region, endpoint_url FROM run_connections WHERE run_id = ?",
            (run_id,))), None)
        if found is None:
            return None
        profile, region, endpoint_url = (str(value) if value else None for value in found)
        return ConnectionSettings(profile=profile, region=region, endpoint_url=endpoint_url)

    def run(self, run_id: str) -> RunInfo:
        """The stored run; raises StoreError naming the known runs when there is none."""
        found = next(iter(self._read("SELECT * FROM runs WHERE run_id = ?", (run_id,))), None)
        if found is None:
            known = ", ".join(info.run_id for info in self.runs()) or "none"
            raise StoreError(f"There is no batch run {run_id!r} in {self.path} (runs: {known}).")
        return self._run_from(found)

    def runs(self) -> list[RunInfo]:
        """Every stored run, newest first."""
        found = self._read("SELECT * FROM runs ORDER BY created DESC")
        return [self._run_from(row) for row in found]

    def set_status(self, run_id: str, status: RunStatus, cancel_running: bool | None = None
                   ) -> None:
        with self._transaction() as db:
            db.execute("UPDATE runs SET status = ? WHERE run_id = ?", (status.value, run_id))
            if cancel_running is not None:
                db.execute("UPDATE runs SET cancel_running = ? WHERE run_id = ?",
                           (int(cancel_running), run_id))

    # rows -------------------------------------------------------------------------------

    def rows(self, run_id: str) -> list[MailboxRow]:
        """The run's mailbox rows in plan order."""
        found = self._read(f"SELECT {', '.join(_ROW_COLUMNS)} FROM mailboxes WHERE run_id = ? "
                           "ORDER BY position", (run_id,))
        return [self._row_from(values) for values in found]

    def save_row(self, row: MailboxRow) -> None:
        """Commit one row's new state (durable when this returns)."""
        with self._transaction() as db:
            assignments = ", ".join(f"{name} = ?" for name in _ROW_COLUMNS[2:])
            cursor = db.execute(
                f"UPDATE mailboxes SET {assignments} WHERE run_id = ? AND entity_id = ?",
                [*self._row_values(row)[2:], row.run_id, row.entity_id],
            )
            if cursor.rowcount != 1:
                raise sqlite3.IntegrityError(f"no row {row.entity_id} in run {row.run_id}")

    def save_rows(self, rows: Iterable[MailboxRow]) -> None:
        """Commit several rows' new states in one transaction."""
        with self._transaction() as db:
            assignments = ", ".join(f"{name} = ?" for name in _ROW_COLUMNS[2:])
            for row in rows:
                db.execute(
                    f"UPDATE mailboxes SET {assignments} WHERE run_id = ? AND entity_id = ?",
                    [*self._row_values(row)[2:], row.run_id, row.entity_id],
                )

    # jobs -------------------------------------------------------------------------------

    def save_job(self, job: JobRecord) -> None:
        """Insert or update the record of one JobId (keyed by run, mailbox and attempt)."""
        with self._transaction() as db:
            db.execute(
                f"INSERT OR REPLACE INTO jobs ({', '.join(_JOB_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _JOB_COLUMNS)})",
                [getattr(job, name) for name in _JOB_COLUMNS],
            )

    def jobs(self, run_id: str) -> list[JobRecord]:
        """Every JobId the run obtained, oldest attempt first."""
        found = self._read(f"SELECT {', '.join(_JOB_COLUMNS)} FROM jobs WHERE run_id = ? "
                           "ORDER BY started_at, entity_id, attempt", (run_id,))
        return [JobRecord(*values) for values in found]

    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Every row a query finds; a store that cannot be read raises StoreDamaged."""
        with self._lock:
            try:
                return list(self._db.execute(sql, params).fetchall())
            except sqlite3.Error as exc:
                raise StoreDamaged(
                    f"The batch store {self.path} cannot be read ({exc}). Keep a copy of it "
                    "and move it aside to start afresh; jobs it started go on at AWS "
                    "(`workmail-export jobs` lists them, and the job journal keeps their "
                    "JobIds)."
                ) from exc

    # conversions ------------------------------------------------------------------------

    @staticmethod
    def _row_values(row: MailboxRow) -> list[object]:
        return [getattr(row, name).value if name == "state" else getattr(row, name)
                for name in _ROW_COLUMNS]

    def _write_row(self, db: sqlite3.Connection, row: MailboxRow, position: int) -> None:
        db.execute(
            f"INSERT INTO mailboxes (position, {', '.join(_ROW_COLUMNS)}) "
            f"VALUES (?, {', '.join('?' for _ in _ROW_COLUMNS)})",
            [position, *self._row_values(row)],
        )

    @staticmethod
    def _row_from(values: tuple[object, ...]) -> MailboxRow:
        data = dict(zip(_ROW_COLUMNS, values, strict=True))
        data["state"] = RowState(data["state"])
        return MailboxRow(**data)  # type: ignore[arg-type]

    @staticmethod
    def _run_from(row: tuple[object, ...]) -> RunInfo:
        (run_id, org, role, key, bucket, base, description, concurrency, retries, policy,
         status, cancel_running, created) = row
        settings = RunSettings(
            organization_id=str(org), role_arn=str(role), kms_key_arn=str(key),
            bucket=str(bucket), base_prefix=str(base), description=str(description),
            concurrency=int(concurrency),  # type: ignore[call-overload]
            max_retries=int(retries),  # type: ignore[call-overload]
            recent_policy=RecentPolicy(policy),
        )
        return RunInfo(str(run_id), settings, RunStatus(status), float(created),  # type: ignore[arg-type]
                       bool(cancel_running))


def _initialise(connection: sqlite3.Connection) -> None:
    connection.executescript(_SCHEMA)


def refusal(path: Path | None = None) -> str | None:
    """Why the store at `path` (default: beside the journal) may not be opened, as a
    sentence; None when it may (absent, or a store of ours)."""
    return state_files.refusal(Path(path) if path is not None else default_store_path(), STORE)
