"""The files this tool keeps (the job journal, the batch store, the run manifests) and the rule
that guards them: a path is opened, written, re-moded or moved aside only when the file there
is provably ours. Anything else is refused with a sentence and left byte for byte as it was.

A path given for a state file may hold anything: a text file (`--journal ~/.aws/credentials`
by mistake), a symbolic link, a device node (`/dev/full`), a directory, another program's
SQLite database. `refusal(path, kind)` says why such a path is not opened (None: nothing is
there yet, or a regular file that is our database of that kind). Ours means: an SQLite file
whose header carries the kind's `PRAGMA application_id` (set in every file we create), or, for
files made by versions before the id, a database whose tables are the ones those versions
wrote (or that has no table at all: nothing in it to lose).

New files are built aside (mode 0600, `O_EXCL|O_NOFOLLOW`, schema and id written) and linked
into place only if the path is still free, so a path is never half a database. Modes are
tightened through a descriptor opened with `O_NOFOLLOW` (`make_private`), never through a
link; a damaged file is moved aside only after `refusal` proved it ours (`move_aside`).
Manifests are written the same way (`write_private`): a new 0600 file replaces only a regular
file that is a manifest of ours. Symbolic links in the path's directories are followed (a
state directory may live elsewhere); only the file itself must not be one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
_APPLICATION_ID_AT = 68  # offset of the 4-byte big-endian application id in the header
_HEADER_SIZE = 100
PRIVATE = 0o600
SIDE_FILES = ("-wal", "-shm", "-journal")  # what SQLite keeps beside a database


@dataclass(frozen=True)
class StateKind:
    """One kind of state file: what a person calls it, the application id we write in its
    header, and the tables (with some of their columns) that versions before the id wrote."""

    what: str
    application_id: int
    legacy_tables: Mapping[str, frozenset[str]]


class NotOurs(OSError):
    """A path that holds something this tool did not make; the message is the sentence.
    An OSError, so callers that report a file they cannot write report this one too."""


def refusal(path: Path, kind: StateKind) -> str | None:
    """Why `path` may not be opened as `kind`, as a sentence naming the path; None when
    nothing is there yet (it will be created) or it is a regular file of ours."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:  # a parent that is a file, no permission to look: said on create
        if isinstance(exc, NotADirectoryError):
            return None
        return _refused(path, kind, f"cannot be looked at ({exc.strerror or exc})")
    reason = _not_regular(status.st_mode) or _side_file_problem(path)
    if reason is None:
        reason = _not_our_database(path, kind)
    return _refused(path, kind, reason) if reason else None


def _refused(path: Path, kind: StateKind, reason: str) -> str:
    return (f"{path} {reason}, so it is not a {kind.what} workmail-export made; it was left "
            "untouched.")


def _not_regular(mode: int) -> str | None:
    if stat.S_ISLNK(mode):
        return "is a symbolic link (give the path of a file itself)"
    if stat.S_ISDIR(mode):
        return "is a directory"
    if not stat.S_ISREG(mode):
        return "is not a regular file (a device, pipe or socket)"
    return None


def _side_file_problem(path: Path) -> str | None:
    """SQLite opens `<path>-wal` and friends by name: one that is a link (or a device) would
    be written through."""
    for suffix in SIDE_FILES:
        try:
            mode = os.lstat(f"{path}{suffix}").st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode):
            return f"has a {suffix} file beside it that is not a regular file"
    return None


def _not_our_database(path: Path, kind: StateKind) -> str | None:
    """None when the regular file at `path` is a database of ours of `kind`, else why not."""
    try:
        with open(path, "rb", opener=_no_follow) as file:
            header = file.read(_HEADER_SIZE)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not header:
        return "is an empty file"
    if not header.startswith(SQLITE_HEADER) or len(header) < _HEADER_SIZE:
        return "is not an SQLite database"
    application_id = int.from_bytes(header[_APPLICATION_ID_AT:_APPLICATION_ID_AT + 4], "big")
    if application_id == kind.application_id:
        return None
    if application_id != 0:
        return f"is another program's SQLite database (application id {application_id:#x})"
    return _legacy_problem(path, kind)


def _legacy_problem(path: Path, kind: StateKind) -> str | None:
    """A database without an application id is ours if its tables are those an earlier
    version wrote, or if it has none. Read without writing anything (immutable)."""
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?immutable=1", uri=True)
        try:
            tables = {name: frozenset(column for (column,) in connection.execute(
                          "SELECT name FROM pragma_table_info(?)", (name,)))
                      for (name,) in connection.execute(
                          "SELECT name FROM sqlite_master WHERE type = 'table' "
                          "AND name NOT LIKE 'sqlite_%'").fetchall()}
        finally:
            connection.close()
    except sqlite3.Error as exc:
        return f"is an SQLite database whose tables cannot be read ({exc})"
    if not tables:
        return None
    if all(columns <= tables.get(table, frozenset())
           for table, columns in kind.legacy_tables.items()):
        return None
    return f"is another program's SQLite database (tables: {', '.join(sorted(tables))})"


def _no_follow(name: str, flags: int) -> int:
    return os.open(name, flags | os.O_NOFOLLOW | os.O_NONBLOCK)


def check(path: Path, kind: StateKind) -> None:
    """Raise NotOurs with the sentence of `refusal` when there is one."""
    reason = refusal(path, kind)
    if reason:
        raise NotOurs(reason)


def prepare(path: Path, kind: StateKind,
            initialise: Callable[[sqlite3.Connection], None]) -> None:
    """Make `path` hold a database of ours of `kind`: raise NotOurs for anything else there,
    create a new one (`initialise` writes its schema) when nothing is, and keep it private.
    Raises OSError or sqlite3.Error when it cannot be created."""
    check(path, kind)
    if not os.path.lexists(path) and not create_database(path, kind, initialise):
        check(path, kind)  # made meanwhile by another process (or something else)
    make_private(path)


def create_database(path: Path, kind: StateKind,
                    initialise: Callable[[sqlite3.Connection], None]) -> bool:
    """Make a new database of `kind` at `path` unless something is there already: built
    aside as a private file (header id and `initialise`'s schema written), then linked into
    place. False when another process (or anything else) took the path first; the caller
    then opens what is there, if `refusal` allows. Raises OSError or sqlite3.Error."""
    directory = path.parent
    if not directory.exists():
        with contextlib.suppress(FileExistsError):  # another process may be first
            directory.mkdir(mode=0o700, parents=True)
    building = directory / f".{path.name}.{uuid.uuid4().hex}.new"
    os.close(os.open(building, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE))
    try:
        connection = sqlite3.connect(building, isolation_level=None)
        try:
            connection.execute(f"PRAGMA application_id = {kind.application_id}")
            initialise(connection)
        finally:
            connection.close()
        return _place(building, path)
    finally:
        for leftover in (building, *(Path(f"{building}{s}") for s in SIDE_FILES)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _place(building: Path, path: Path) -> bool:
    """Give the finished file its name, never replacing anything that appeared meanwhile."""
    try:
        os.link(building, path, follow_symlinks=False)
        return True
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: a rename, if the name is still free
        if os.path.lexists(path):
            return False
        os.rename(building, path)
        return True


def mark_ours(connection: sqlite3.Connection, kind: StateKind) -> None:
    """Write the kind's application id into a database proven ours that lacks it (one made
    by an earlier version), so damage to it later can be told apart from someone's file."""
    if connection.execute("PRAGMA application_id").fetchone()[0] != kind.application_id:
        connection.execute(f"PRAGMA application_id = {kind.application_id}")


def make_private(path: Path) -> None:
    """Mode 0600 for a regular file of ours that is readable by others: changed through a
    descriptor opened without following links, so nothing else is ever re-moded."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        status = os.fstat(descriptor)
        if stat.S_ISREG(status.st_mode) and status.st_mode & 0o077:
            os.fchmod(descriptor, PRIVATE)
    finally:
        os.close(descriptor)


def move_aside(path: Path) -> Path:
    """Rename a damaged file of ours (proven by `refusal`) and its side files out of the
    way, as `<name>.corrupt-<UTC time>`; returns the new path. Raises OSError."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    moved = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.rename(path, moved)
    with contextlib.suppress(FileNotFoundError):
        os.rename(f"{path}-wal", f"{moved}-wal")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(f"{path}-shm")
    return moved


def write_private(path: Path, text: str, is_ours: Callable[[str], bool], what: str) -> None:
    """Write `text` as the file `path`, mode 0600 from its creation. An existing file there
    is replaced only if it is a regular file whose text `is_ours` (an earlier `what` of
    ours); anything else raises NotOurs and is left untouched. Raises OSError too."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        pass
    else:
        reason = _not_regular(status.st_mode)
        if reason is None:
            try:
                with open(path, encoding="utf-8", opener=_no_follow) as file:
                    reason = None if is_ours(file.read()) else f"is not a {what} of this run"
            except (OSError, UnicodeDecodeError):
                reason = f"is not a {what} of this run"
        if reason:
            raise NotOurs(f"{path} {reason}; it was left untouched.")
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                         PRIVATE)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def directory_refusal(path: Path) -> str | None:
    """Why `path` cannot be a directory for our files (None: it is one, or can be made)."""
    if path.exists() and not path.is_dir():
        return f"{path} is not a directory; it was left untouched."
    if not path.exists() and os.path.lexists(path):
        return f"{path} is a symbolic link to nothing; it was left untouched."
    return None
