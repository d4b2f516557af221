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
from tui.core.batch.facts import Excluded, Group, GroupMember, LeftOutOrganization, MailboxFacts
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

# What runs know beyond their rows (facts.py): sizes and states, what the plan could not
# export, and groups of runs of several organizations.
_FACTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS mailbox_facts (
    run_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    size_mb REAL,
    state TEXT NOT NULL,
    disabled_at REAL,
    PRIMARY KEY (run_id, entity_id)
);
CREATE TABLE IF NOT EXISTS excluded (
    run_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
);
CREATE TABLE IF NOT EXISTS group_members (
    group_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    run_id TEXT NOT NULL,
    region TEXT NOT NULL,
    label TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (group_id, run_id)
);
CREATE TABLE IF NOT EXISTS group_left_out (
    group_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    region TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    label TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (group_id, position)
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
            connection.executescript(_FACTS_SCHEMA)
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

    # facts and groups (facts.py) -------------------------------------------------------

    def save_facts(self, run_id: str, facts: Iterable[MailboxFacts],
                   excluded: Iterable[Excluded] = ()) -> None:
        """Store what the plan knew of a run's mailboxes, in one transaction (before the
        run itself, so a run never exists without them)."""
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO mailbox_facts (run_id, entity_id, size_mb, state, "
                "disabled_at) VALUES (?, ?, ?, ?, ?)",
                [(run_id, f.entity_id, f.size_mb, f.state, f.disabled_at) for f in facts])
            db.executemany(
                "INSERT OR REPLACE INTO excluded (run_id, position, text, reason) "
                "VALUES (?, ?, ?, ?)",
                [(run_id, i, e.text, e.reason) for i, e in enumerate(excluded)])

    def facts(self, run_id: str) -> dict[str, MailboxFacts]:
        """The stored facts of a run's mailboxes, by entity id (empty for an older run)."""
        found = self._read("SELECT entity_id, size_mb, state, disabled_at FROM mailbox_facts "
                           "WHERE run_id = ?", (run_id,))
        return {row[0]: MailboxFacts(*row) for row in found}

    def excluded(self, run_id: str) -> list[Excluded]:
        found = self._read("SELECT text, reason FROM excluded WHERE run_id = ? ORDER BY position",
                           (run_id,))
        return [Excluded(*row) for row in found]

    def finished_sizes(self) -> list[tuple[str, float, float, float]]:
        """(JobId, size MB, start, end) of every COMPLETED job of every run whose mailbox's
        size was known, times as the service gave them: what the throughput model learns
        from."""
        found = self._read(
            "SELECT j.job_id, f.size_mb, j.started_at, j.ended_at FROM jobs j "
            "JOIN mailbox_facts f ON f.run_id = j.run_id AND f.entity_id = j.entity_id "
            "WHERE j.state = 'COMPLETED' AND f.size_mb IS NOT NULL "
            "AND j.started_at IS NOT NULL AND j.ended_at IS NOT NULL")
        return [(str(a), float(b), float(c), float(d)) for a, b, c, d in found]

    def known_sizes(self) -> dict[str, float]:
        """The last size stored for each mailbox (by entity id), over every run."""
        found = self._read("SELECT f.entity_id, f.size_mb FROM mailbox_facts f JOIN runs r "
                           "ON r.run_id = f.run_id WHERE f.size_mb IS NOT NULL "
                           "ORDER BY r.created")
        return {str(entity): float(size) for entity, size in found}

    def create_group(self, group: Group) -> None:
        """Store which runs form a group and which organizations were left out."""
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO group_members (group_id, position, run_id, region, label, "
                "organization_id, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(group.group_id, i, m.run_id, m.region, m.label, m.organization_id,
                  group.created) for i, m in enumerate(group.members)])
            db.executemany(
                "INSERT INTO group_left_out (group_id, position, region, organization_id, "
                "label, reason) VALUES (?, ?, ?, ?, ?, ?)",
                [(group.group_id, i, o.region, o.organization_id, o.label, o.reason)
                 for i, o in enumerate(group.left_out)])

    def group(self, group_id: str) -> Group | None:
        """The stored group, or None when `group_id` names none."""
        members = self._read(
            "SELECT run_id, region, label, organization_id, created FROM group_members "
            "WHERE group_id = ? ORDER BY position", (group_id,))
        left_out = self._read(
            "SELECT region, organization_id, label, reason FROM group_left_out "
            "WHERE group_id = ? ORDER BY position", (group_id,))
        if not members:
            return None
        return Group(group_id, float(members[0][4]),
                     tuple(GroupMember(*row[:4]) for row in members),
                     tuple(LeftOutOrganization(*row) for row in left_out))

    def group_of(self, run_id: str) -> Group | None:
        """The group a run belongs to, if any."""
        found = next(iter(self._read("SELECT group_id FROM group_members WHERE run_id = ?",
                                     (run_id,))), None)
        return self.group(str(found[0])) if found else None

    def groups(self) -> list[Group]:
        """Every stored group, newest first."""
        ids = self._read("SELECT group_id FROM group_members GROUP BY group_id "
                         "ORDER BY MAX(created) DESC")
        return [g for (group_id,) in ids if (g := self.group(str(group_id))) is not None]

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
    connection.executescript(_FACTS_SCHEMA)


def refusal(path: Path | None = None) -> str | None:
    """Why the store at `path` (default: beside the journal) may not be opened, as a
    sentence; None when it may (absent, or a store of ours)."""
    return state_files.refusal(Path(path) if path is not None else default_store_path(), STORE)
