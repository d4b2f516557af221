"""The local job journal: every export job started from this machine, kept in sqlite3.

WorkMail lists only the last seven days of jobs and forgets the role, key and prefix used, so
each submit is written here first (`record_submit`, before the API call) and its JobId right
after the service returns it (`record_started`, before any face shows it); a refusal is noted
too (`record_refused`). A submit with neither is sent-but-unanswered: its answer was lost, so
the job may exist, and `unanswered_token` gives its ClientToken to a new submit of the same
request, which AWS then answers with that job instead of starting a second one. Later polls
keep the last known state (`record_state`). Every face (TUI, plain prompts, CLI, batch runner)
opens the same file, naming itself as the entries' `source`.

Durability and sharing: WAL mode with `synchronous=FULL`, so a commit is on disk when the
call returns, and a process killed right after `record_started` still leaves the JobId
behind; a busy timeout lets several processes write the same file.

Threads: one connection per Journal, opened with `check_same_thread=False` and used only
under the Journal's lock, so worker threads may share one Journal; every call is one short
transaction.

Files that are not ours are never touched (`tui.core.state_files`): the path is opened only
when nothing is there yet or it holds a journal of ours (an SQLite file whose header carries
JOURNAL_ID, or an earlier version's journal); a text file, a link, a device, a directory or
another program's database is refused with JournalError and left as it was. A new journal is
built aside (0600) and linked into place.

A damaged journal of ours never stops the app: `Journal.open` moves it aside as
`journal.sqlite3.corrupt-<timestamp>`, starts a fresh one and says so in `Journal.warning`
(every face shows that sentence, with the moved file's path, once); a row that cannot be read
is skipped (and counted in `Journal.skipped_rows`). A journal that cannot be created or
written raises JournalError, a sentence naming the path and the fix.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import platformdirs

from tui.core import state_files
from tui.core.model import AwsProblem, CoreError, ExportJob, ExportRequest

APP_NAME = "workmail-export"
FILE_NAME = "journal.sqlite3"
JOURNAL_ENV = "WORKMAIL_EXPORT_JOURNAL"
STATE_DIR_ENV = "WORKMAIL_EXPORT_STATE_DIR"
SOURCES = ("tui", "plain", "cli", "batch")
REFUSED = "REFUSED"  # the state of a submit the service answered without a job
SCHEMA_VERSION = 1
_BUSY_TIMEOUT_SECONDS = 10.0
JOURNAL = state_files.StateKind(
    "job journal", application_id=0x574D584A,  # "WMXJ"
    # What versions before the application id wrote: the jobs table of schema 1.
    legacy_tables={"jobs": frozenset({"client_token", "job_id", "organization_id",
                                      "entity_id", "submitted_at", "source"})})

_SCHEMA_V1 = """
CREATE TABLE jobs (
    client_token     TEXT PRIMARY KEY,
    job_id           TEXT UNIQUE,
    organization_id  TEXT NOT NULL,
    region           TEXT NOT NULL,
    entity_id        TEXT NOT NULL,
    entity_name      TEXT NOT NULL DEFAULT '',
    entity_email     TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    role_arn         TEXT NOT NULL,
    kms_key_arn      TEXT NOT NULL,
    bucket           TEXT NOT NULL,
    prefix           TEXT NOT NULL,
    submitted_at     TEXT NOT NULL,
    started_at       TEXT,
    ended_at         TEXT,
    state            TEXT NOT NULL DEFAULT '',
    progress         INTEGER NOT NULL DEFAULT 0,
    s3_path          TEXT NOT NULL DEFAULT '',
    error_info       TEXT NOT NULL DEFAULT '',
    source           TEXT NOT NULL,
    batch_run_id     TEXT
);
CREATE INDEX jobs_by_organization ON jobs (organization_id);
"""


# What `_read` selects, in the order `_entry_from_row` takes them apart.
_TEXT_FIELDS = ("client_token", "organization_id", "region", "entity_id", "role_arn",
                "kms_key_arn", "bucket", "prefix", "source", "job_id", "entity_name",
                "entity_email", "description", "state", "s3_path", "error_info", "batch_run_id")
_TIME_FIELDS = ("submitted_at", "started_at", "ended_at")
_COLUMNS = ", ".join((*_TEXT_FIELDS, *_TIME_FIELDS, "progress"))
_TEXT_TYPES = {str, type(None)}


class JournalError(CoreError):
    """The journal cannot be created, read or written; the message names the path and fix."""

    def __init__(self, path: Path, what: str, cause: BaseException | None = None) -> None:
        reason = f" ({str(cause).rstrip('.')})" if cause else ""
        super().__init__(
            AwsProblem(
                code="JournalError",
                message=f"The job journal at {path} {what}{reason}.",
                hint=(
                    f"Make that location writable, or choose another file with --journal or "
                    f"the {JOURNAL_ENV} environment variable."
                ),
            )
        )
        self.path = path


class JournalRefused(JournalError):
    """The path holds something that is not a journal of ours; it was left untouched."""

    def __init__(self, path: Path, sentence: str) -> None:
        CoreError.__init__(self, AwsProblem(
            code="JournalRefused", message=sentence,
            hint=f"Choose another file with --journal or the {JOURNAL_ENV} environment "
                 "variable (a new path is fine: the journal is created there)."))
        self.path = path


@dataclass(frozen=True)
class JournalEntry:
    """One job as this machine recorded it. `job_id` is empty until the service answered."""

    client_token: str
    organization_id: str
    region: str
    entity_id: str
    role_arn: str
    kms_key_arn: str
    bucket: str
    prefix: str
    submitted_at: datetime
    source: str
    job_id: str = ""
    entity_name: str = ""
    entity_email: str = ""
    description: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    state: str = ""
    progress: int = 0
    s3_path: str = ""
    error_info: str = ""
    batch_run_id: str | None = None

    def as_job(self) -> ExportJob:
        """The last known state of this job, as the service would describe it."""
        return ExportJob(
            job_id=self.job_id,
            organization_id=self.organization_id,
            entity_id=self.entity_id,
            state=self.state,
            progress=self.progress,
            description=self.description,
            role_arn=self.role_arn,
            kms_key_arn=self.kms_key_arn,
            bucket=self.bucket,
            prefix=self.prefix,
            s3_path=self.s3_path,
            error_info=self.error_info,
            start_time=self.started_at or self.submitted_at,
            end_time=self.ended_at,
        )


def journal_path(explicit: Path | None = None) -> Path:
    """Where the journal lives: the explicit path (--journal), else $WORKMAIL_EXPORT_JOURNAL,
    else $WORKMAIL_EXPORT_STATE_DIR/journal.sqlite3, else the platform's user state dir."""
    if explicit is not None:
        return Path(explicit).expanduser()
    if os.environ.get(JOURNAL_ENV):
        return Path(os.environ[JOURNAL_ENV]).expanduser()
    if os.environ.get(STATE_DIR_ENV):
        return Path(os.environ[STATE_DIR_ENV]).expanduser() / FILE_NAME
    return Path(platformdirs.user_state_dir(APP_NAME)) / FILE_NAME


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _to_text(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def _from_text(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Corrupt or not-a-database errors map to the plain DatabaseError class; locks, I/O and
    permissions to OperationalError (which stays a JournalError: moving the file would not
    help)."""
    return type(exc) is sqlite3.DatabaseError


class Journal:
    """The open journal file. Use `Journal.open()`; close it (or use `with`) when done.

    `source` is what this process writes as the origin of its jobs (tui, plain, cli, batch).
    """

    def __init__(self, connection: sqlite3.Connection, path: Path, source: str,
                 warning: str = "") -> None:
        self._connection = connection
        self._lock = threading.Lock()
        self.path = path
        self.source = source
        self.warning = warning
        self.skipped_rows = 0

    @classmethod
    def open(cls, path: Path | None = None, source: str = "tui") -> Journal:
        """Open (creating if needed) the journal; a damaged journal of ours is moved aside
        first. A path holding anything else raises JournalError and is left untouched."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        target = journal_path(path)
        _prepare_location(target)
        warning = ""
        try:
            connection = _connect(target)
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise JournalError(target, "cannot be opened", exc) from exc
            moved = _move_aside(target)
            warning = (
                f"The job journal at {target} was damaged ({exc}); it was moved to {moved} "
                f"and a new journal was started. Jobs recorded before are still listed by "
                f"WorkMail for seven days."
            )
            _prepare_location(target)
            try:
                connection = _connect(target)
            except sqlite3.DatabaseError as again:
                raise JournalError(target, "cannot be created", again) from again
        return cls(connection, target, source, warning)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writing (the recorder protocol of submit.start_export, and the monitor) ----------

    def record_submit(self, request: ExportRequest, region: str, *, entity_name: str = "",
                      entity_email: str = "", batch_run_id: str | None = None) -> bool:
        """Note a request about to be sent; False when its ClientToken was sent from here
        before (a retry, which changes nothing here)."""
        return self._write(
            "INSERT INTO jobs (client_token, organization_id, region, entity_id, entity_name,"
            " entity_email, description, role_arn, kms_key_arn, bucket, prefix, submitted_at,"
            " source, batch_run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (client_token) DO NOTHING",
            (request.client_token, request.organization_id, region, request.entity_id,
             entity_name, entity_email, request.description, request.role_arn,
             request.kms_key_arn, request.bucket, request.prefix, _to_text(_now()),
             self.source, batch_run_id),
        )

    def record_started(self, client_token: str, job_id: str) -> None:
        """Note the JobId the service returned for a submitted request."""
        changed = self._write(
            "UPDATE jobs SET job_id = ?, started_at = COALESCE(started_at, ?),"
            " state = CASE WHEN state IN ('', ?) THEN 'RUNNING' ELSE state END,"
            " error_info = CASE WHEN state = ? THEN '' ELSE error_info END"
            " WHERE client_token = ?",
            (job_id, _to_text(_now()), REFUSED, REFUSED, client_token),
        )
        if not changed:
            raise JournalError(self.path, f"has no submit recorded for ClientToken "
                               f"{client_token} (JobId {job_id})")

    def record_refused(self, client_token: str, problem: AwsProblem) -> None:
        """Note that the service answered a submit without starting a job (or that it was
        never sent), so its ClientToken is not offered again."""
        self._write(
            "UPDATE jobs SET state = ?, error_info = ?"
            " WHERE client_token = ? AND job_id IS NULL AND state = ''",
            (REFUSED, f"{problem.code}: {problem.message}", client_token),
        )

    def unanswered_token(self, request: ExportRequest, region: str) -> str | None:
        """The ClientToken of the newest submit of this very request (every field, the
        Region) whose answer never came: neither a JobId nor a refusal was recorded."""
        with self._lock:
            try:
                row = self._connection.execute(
                    "SELECT client_token FROM jobs WHERE job_id IS NULL AND state = ''"
                    " AND organization_id = ? AND region = ? AND entity_id = ?"
                    " AND role_arn = ? AND kms_key_arn = ? AND bucket = ? AND prefix = ?"
                    " AND description = ? ORDER BY submitted_at DESC, rowid DESC LIMIT 1",
                    (request.organization_id, region, request.entity_id, request.role_arn,
                     request.kms_key_arn, request.bucket, request.prefix,
                     request.description)).fetchone()
            except sqlite3.Error as exc:
                raise JournalError(self.path, "cannot be read", exc) from exc
        return str(row[0]) if row and isinstance(row[0], str) else None

    def record_state(self, job: ExportJob) -> bool:
        """Keep the last known state of a job started here; False if the job is not ours."""
        return self._write(
            "UPDATE jobs SET state = ?, progress = ?, s3_path = ?, error_info = ?,"
            " started_at = COALESCE(?, started_at), ended_at = COALESCE(?, ended_at),"
            " description = CASE WHEN description = '' THEN ? ELSE description END"
            " WHERE job_id = ?",
            (job.state, job.progress, job.s3_path, job.error_info, _to_text(job.start_time),
             _to_text(job.end_time), job.description, job.job_id),
        )

    def _write(self, sql: str, params: tuple[object, ...]) -> bool:
        with self._lock:
            try:
                cursor = self._connection.execute(sql, params)
            except sqlite3.Error as exc:
                raise JournalError(self.path, "cannot be written", exc) from exc
        return cursor.rowcount > 0

    # -- reading ------------------------------------------------------------------------

    def entries(self, org_id: str | None = None) -> list[JournalEntry]:
        """Every readable entry (of one organization, if given), newest first."""
        where, params = ("WHERE organization_id = ?", (org_id,)) if org_id else ("", ())
        return list(self._read(where, params))

    def find(self, job_id: str) -> JournalEntry | None:
        return next(self._read("WHERE job_id = ?", (job_id,)), None)

    def _read(self, where: str, params: tuple[str, ...]) -> Iterator[JournalEntry]:
        with self._lock:
            try:
                rows = self._connection.execute(
                    f"SELECT {_COLUMNS} FROM jobs {where}"
                    " ORDER BY COALESCE(started_at, submitted_at) DESC, rowid DESC",
                    params,
                ).fetchall()
            except sqlite3.Error as exc:
                raise JournalError(self.path, "cannot be read", exc) from exc
            entries = [_entry_from_row(row) for row in rows]
            self.skipped_rows += entries.count(None)
        return (entry for entry in entries if entry is not None)


def _entry_from_row(row: tuple[Any, ...]) -> JournalEntry | None:
    """The entry a row of `_COLUMNS` holds, or None when the row is damaged (wrong types,
    progress out of range, unreadable times)."""
    texts, times, progress = row[:len(_TEXT_FIELDS)], row[len(_TEXT_FIELDS):-1], row[-1]
    if not _TEXT_TYPES.issuperset(map(type, texts)):
        return None
    if type(progress) is not int or not 0 <= progress <= 100:
        return None
    try:
        submitted_at, started_at, ended_at = (_from_text(text) for text in times)
    except (TypeError, ValueError):
        return None
    if submitted_at is None:
        return None
    fields: dict[str, Any] = dict(zip(_TEXT_FIELDS, texts, strict=True))
    fields["job_id"] = fields["job_id"] or ""
    return JournalEntry(**fields, submitted_at=submitted_at, started_at=started_at,
                        ended_at=ended_at, progress=progress)


# -- the file ----------------------------------------------------------------------------


def refusal(path: Path | None = None) -> str | None:
    """Why the journal at `path` (default: where `journal_path` says) may not be opened, as a
    sentence; None when it may (absent, or a journal of ours)."""
    return state_files.refusal(journal_path(path), JOURNAL)


def _prepare_location(target: Path) -> None:
    """Make sure `target` holds a journal of ours: refuse anything else, create a new one
    (0600, in a directory made 0700) when nothing is there, keep an old one private."""
    try:
        state_files.prepare(target, JOURNAL, _migrate)
    except state_files.NotOurs as refused:
        raise JournalRefused(target, str(refused)) from refused
    except (OSError, sqlite3.Error) as exc:
        raise JournalError(target, "cannot be created", exc) from exc


def _connect(target: Path) -> sqlite3.Connection:
    """Connect, check the file is a sound database, and bring its schema up to date.

    The connection is in autocommit mode: each write is one statement, so one transaction.
    """
    connection = sqlite3.connect(target, timeout=_BUSY_TIMEOUT_SECONDS,
                                 check_same_thread=False, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        problems = [r[0] for r in connection.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(str(p) for p in problems[:3]))
        state_files.mark_ours(connection, JOURNAL)
        _migrate(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def _migrate(connection: sqlite3.Connection) -> None:
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise sqlite3.OperationalError(
            f"it was written by a newer workmail-export (schema {version})")
    if version == SCHEMA_VERSION:
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have created the schema while we waited for the lock.
        if connection.execute("PRAGMA user_version").fetchone()[0] == 0:
            for statement in filter(str.strip, _SCHEMA_V1.split(";")):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _move_aside(target: Path) -> Path:
    """Rename a damaged journal (proven ours by `_prepare_location`) and its WAL out of the
    way; returns the new name."""
    try:
        return state_files.move_aside(target)
    except OSError as exc:
        raise JournalError(target, "is damaged and cannot be moved aside", exc) from exc
