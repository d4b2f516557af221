"""State files that are not ours are never touched: the journal and the batch store open a
path only when it is absent or holds a database of ours; a text file (a credentials file
given by mistake), a link, a device, a directory, another program's SQLite database are
refused and left byte for byte, mode for mode, as they were. A damaged file is moved aside
only when it is provably ours. Manifests are private from their creation."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from journal_damage import damaged_journal

from tui.core.batch.model import MailboxRow, RowState, RunInfo, RunSettings, RunStatus
from tui.core.batch.report import write_manifests
from tui.core.batch.store import BatchStore, StoreError
from tui.core.journal import Journal, JournalError

CREDENTIALS = (b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
               b"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")


def open_journal(path: Path) -> None:
    Journal.open(path).close()


def open_store(path: Path) -> None:
    BatchStore.open(path).close()


OPENERS: dict[str, tuple[Callable[[Path], None], type[Exception]]] = {
    "journal": (open_journal, JournalError), "store": (open_store, StoreError)}


def snapshot(directory: Path) -> dict[str, tuple[bytes | str, int]]:
    """Every entry of `directory`: its bytes (a link: where it points) and its mode."""
    seen: dict[str, tuple[bytes | str, int]] = {}
    for entry in sorted(directory.iterdir()):
        status = entry.lstat()
        content: bytes | str = (os.readlink(entry) if entry.is_symlink()
                                else entry.read_bytes() if entry.is_file() else "dir")
        seen[entry.name] = (content, stat.S_IMODE(status.st_mode))
    return seen


def foreign_database(path: Path, application_id: int = 0) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO notes (body) VALUES ('buy milk')")
        if application_id:
            db.execute(f"PRAGMA application_id = {application_id}")
    path.chmod(0o644)


def credentials(path: Path) -> None:
    path.write_bytes(CREDENTIALS)
    path.chmod(0o644)


def link_to_credentials(path: Path) -> None:
    target = path.parent / "credentials"
    credentials(target)
    path.symlink_to(target)


def empty_file(path: Path) -> None:
    path.touch()
    path.chmod(0o644)


def a_directory(path: Path) -> None:
    path.mkdir()
    (path / "inside.txt").write_text("mine")


def wal_link(path: Path) -> None:
    """Our own database, but its -wal name is a link to a credentials file: SQLite would
    write through it."""
    if path.name.startswith("journal"):
        open_journal(path)
    else:
        open_store(path)
    credentials(path.parent / "credentials")
    Path(f"{path}-wal").symlink_to(path.parent / "credentials")


NOT_OURS: dict[str, tuple[Callable[[Path], None], str]] = {
    "credentials text file": (credentials, "is not an SQLite database"),
    "link to a credentials file": (link_to_credentials, "is a symbolic link"),
    "empty file": (empty_file, "is an empty file"),
    "directory": (a_directory, "is a directory"),
    "another program's database": (foreign_database, "another program's SQLite database"),
    "another program's database with its own id": (
        lambda p: foreign_database(p, 0x12345678), "application id 0x12345678"),
    "our database with a linked -wal": (wal_link, "-wal file beside it"),
}


@pytest.mark.parametrize("opener", OPENERS)
@pytest.mark.parametrize("case", NOT_OURS)
def test_a_path_that_is_not_ours_is_refused_and_left_as_it_was(
        tmp_path: Path, opener: str, case: str) -> None:
    name = "journal.sqlite3" if opener == "journal" else "batch.sqlite3"
    path = tmp_path / name
    make, said = NOT_OURS[case]
    make(path)
    before = snapshot(tmp_path)
    open_it, error = OPENERS[opener]
    with pytest.raises(error) as caught:
        open_it(path)
    message = str(caught.value)
    assert said in message and str(path) in message and "left untouched" in message
    assert snapshot(tmp_path) == before


def device_node(path: Path) -> Path:
    """A node like /dev/full (character device 1,7) made at `path`, mode 0666, so that a
    regression changes this node and not the machine's; a FIFO where nodes cannot be made
    (not root). Either is a file that is not a regular file."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except PermissionError:
        os.mkfifo(path, 0o666)
    path.chmod(0o666)
    return path


@pytest.mark.parametrize("opener", OPENERS)
def test_a_device_node_is_refused_and_its_mode_is_kept(tmp_path: Path, opener: str) -> None:
    device = device_node(tmp_path / "full")
    before = os.lstat(device)
    open_it, error = OPENERS[opener]
    with pytest.raises(error, match="is not a regular file"):
        open_it(device)
    after = os.lstat(device)
    assert (after.st_mode, after.st_ctime_ns) == (before.st_mode, before.st_ctime_ns)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_a_new_journal_and_store_carry_our_application_id(tmp_path: Path) -> None:
    from tui.core.batch.store import STORE
    from tui.core.journal import JOURNAL
    from tui.core.state_files import refusal

    open_journal(tmp_path / "journal.sqlite3")
    open_store(tmp_path / "batch.sqlite3")
    for name, kind in (("journal.sqlite3", JOURNAL), ("batch.sqlite3", STORE)):
        header = (tmp_path / name).read_bytes()[:100]
        assert int.from_bytes(header[68:72], "big") == kind.application_id
    # each is refused as the other kind
    assert refusal(tmp_path / "batch.sqlite3", JOURNAL)
    assert refusal(tmp_path / "journal.sqlite3", STORE)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".new", ".tmp"))]


LEGACY_JOURNAL = """
CREATE TABLE jobs (client_token TEXT PRIMARY KEY, job_id TEXT UNIQUE,
  organization_id TEXT NOT NULL, region TEXT NOT NULL, entity_id TEXT NOT NULL,
  entity_name TEXT NOT NULL DEFAULT '', entity_email TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '', role_arn TEXT NOT NULL, kms_key_arn TEXT NOT NULL,
  bucket TEXT NOT NULL, prefix TEXT NOT NULL, submitted_at TEXT NOT NULL, started_at TEXT,
  ended_at TEXT, state TEXT NOT NULL DEFAULT '', progress INTEGER NOT NULL DEFAULT 0,
  s3_path TEXT NOT NULL DEFAULT '', error_info TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL, batch_run_id TEXT);
CREATE INDEX jobs_by_organization ON jobs (organization_id);
INSERT INTO jobs (client_token, job_id, organization_id, region, entity_id, role_arn,
  kms_key_arn, bucket, prefix, submitted_at, source) VALUES ('t-1', 'job-old',
  'm-11111111111111111111111111111111', 'us-east-1', 'alice', 'r', 'k', 'b', 'p/',
  '2026-10-01T09:00:00+00:00', 'cli');
PRAGMA user_version = 1;
"""


def test_a_journal_made_by_an_earlier_version_is_opened_and_marked_ours(tmp_path: Path) -> None:
    from tui.core.journal import JOURNAL

    path = tmp_path / "journal.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(LEGACY_JOURNAL)
    path.chmod(0o644)
    with Journal.open(path) as journal:
        assert [e.job_id for e in journal.entries()] == ["job-old"]
    assert int.from_bytes(path.read_bytes()[68:72], "big") == JOURNAL.application_id
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_store_made_by_an_earlier_version_is_opened(tmp_path: Path) -> None:
    from tui.core.batch.store import _SCHEMA, STORE

    path = tmp_path / "batch.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(_SCHEMA)
    store = BatchStore.open(path)
    try:
        assert store.runs() == []
    finally:
        store.close()
    assert int.from_bytes(path.read_bytes()[68:72], "big") == STORE.application_id


def test_a_damaged_journal_of_ours_is_moved_aside_and_said(tmp_path: Path) -> None:
    path = damaged_journal(tmp_path / "journal.sqlite3")
    with Journal.open(path) as journal:
        [moved] = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
        assert str(moved) in journal.warning
        assert journal.entries() == []


def test_an_empty_sqlite_database_is_made_a_journal(tmp_path: Path) -> None:
    """No table at all: nothing to lose (an earlier version killed before its schema)."""
    path = tmp_path / "journal.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")  # writes the header, and no table
    db.close()
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    with Journal.open(path) as journal:
        assert journal.entries() == []


# --- manifests --------------------------------------------------------------------------------

RUN = RunInfo("r0123456789ab", RunSettings("m-" + "0" * 32, "arn:aws:iam::1:role/R",
                                           "arn:aws:kms:us-east-1:1:key/k", "bucket",
                                           "exports/"), RunStatus.FINISHED, 1_790_000_000.0)
ROWS = [MailboxRow(RUN.run_id, "u-1", "ana@example.com", "ana", "USER",
                   "exports/ana!40example.com/", RowState.COMPLETED)]


def test_manifests_are_private_from_their_creation(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        written = write_manifests(RUN, ROWS, tmp_path / "reports")
        again = write_manifests(RUN, ROWS, tmp_path / "reports")  # replaces its own files
    finally:
        os.umask(old_umask)
    assert written == again
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in written} == {
        "r0123456789ab.csv": 0o600, "r0123456789ab.json": 0o600}
    assert stat.S_IMODE((tmp_path / "reports").stat().st_mode) == 0o700
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        "r0123456789ab.csv", "r0123456789ab.json"]


@pytest.mark.parametrize("planted", ["link", "foreign file"])
def test_a_file_in_the_way_of_a_manifest_is_refused_and_untouched(tmp_path: Path,
                                                                  planted: str) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    credentials(tmp_path / "credentials")
    in_the_way = reports / f"{RUN.run_id}.csv"
    if planted == "link":
        in_the_way.symlink_to(tmp_path / "credentials")
    else:
        in_the_way.write_text("name,notes\nme,private\n")
    before: dict[str, Any] = {**snapshot(reports), **snapshot(tmp_path)}
    with pytest.raises(OSError, match="left untouched"):  # state_files.NotOurs
        write_manifests(RUN, ROWS, reports)
    assert {**snapshot(reports), **snapshot(tmp_path)} == before
