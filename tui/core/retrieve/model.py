"""The plain values of "after the export": where an export lies, what its log says, what a
verification, a download, an inspection and a conversion found.

Faces receive these and nothing else from tui.core.retrieve. Text in them that came from
outside (S3 keys, zip entry names, log values) is raw: faces pass it through
`tui.core.safe_text.shown` before a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


class VerifyState(str, Enum):
    """What a verification of one job's export found.

    Only VERIFIED is a pass. NO_LOG means the object is there but nothing it could be
    compared with was found; NOT_CHECKABLE that AWS refused (the permission is named) or
    failed a call, so nothing is claimed either way.
    """

    VERIFIED = "verified"
    NO_LOG = "no log"
    MISSING = "object missing"
    SIZE_MISMATCH = "size mismatch"
    NOT_CHECKABLE = "not checkable"
    NOT_COMPLETED = "not completed"

    @property
    def passed(self) -> bool:
        return self is VerifyState.VERIFIED


class DownloadState(str, Enum):
    """How a download ended. HASH_MISMATCH keeps the file under a name that says so."""

    MATCHED = "sha384 matches the log"
    NO_LOG = "no log to compare"
    HASH_MISMATCH = "sha384 mismatch"


@dataclass(frozen=True)
class ExportLocation:
    """Where a job's export lies: its bucket and key, and the job's prefix (where its output
    log is looked for)."""

    bucket: str
    key: str
    prefix: str
    job_id: str = ""
    kms_key_arn: str = ""

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class ExportObject:
    """What HeadObject says of the export object."""

    bucket: str
    key: str
    size: int
    etag: str
    last_modified: datetime | None
    encryption: str  # "aws:kms", "AES256" or "" (none reported)
    kms_key_id: str  # the key's ARN (or id) when encryption is aws:kms


@dataclass(frozen=True)
class ExportLog:
    """The output log of an export (the counts AWS's admin guide shows). Numbers are None
    when the log leaves them out or they are not numbers; `sha384` is lower-case hex."""

    key: str
    total_messages: int | None
    total_bytes: int | None
    total_folders: int | None
    total_non_exportable: int | None
    sha384: str
    start_time: datetime | None
    end_time: datetime | None
    document: str = ""  # the log as it was read (a download keeps a copy beside the zip)


@dataclass(frozen=True)
class Verification:
    """The verdict on one job's export, with everything it was based on.

    `sentence` says it for a person; `permission` names the missing IAM action (and its
    resource) when AWS refused; `notes` are remarks that do not change the state (another
    KMS key than the job's, no encryption reported, the log's own location).
    """

    job_id: str
    state: VerifyState
    sentence: str
    location: ExportLocation | None = None
    object: ExportObject | None = None
    log: ExportLog | None = None
    permission: str = ""
    notes: tuple[str, ...] = ()
    checked_at: datetime | None = None


@dataclass(frozen=True)
class DownloadProgress:
    """A snapshot of a download for a progress bar."""

    done_bytes: int
    total_bytes: int
    parts_done: int
    parts_total: int
    reused_bytes: int = 0  # already on disk from an earlier, interrupted run


@dataclass(frozen=True)
class DownloadResult:
    """A finished download: the file, its size and sha384, and how it compares with the log.

    `fetched_parts` counts the parts read from S3 this time, `reused_parts` those kept from
    an interrupted run; `already_there` means the file was complete before this run.
    """

    path: str
    size: int
    sha384: str
    state: DownloadState
    log_path: str = ""
    fetched_parts: int = 0
    reused_parts: int = 0
    already_there: bool = False
    log: ExportLog | None = None


class ItemKind(str, Enum):
    """What a zip entry is, by its content (never by its name)."""

    MESSAGE = "message"  # parses as an RFC 5322 message
    CALENDAR = "calendar item"  # an iCalendar file (BEGIN:VCALENDAR)
    OTHER = "not a message"
    FOLDER = "folder"  # a directory entry


@dataclass(frozen=True)
class FolderSummary:
    """One folder of an export: its path, its messages and their uncompressed bytes."""

    path: tuple[str, ...]
    messages: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class SkippedEntry:
    """An entry that is not a message (or could not be read), and why."""

    name: str
    reason: str
    size: int = 0


@dataclass(frozen=True)
class LogComparison:
    """One count of the zip against the log's."""

    name: str  # "totalMessages", "totalFolders", "totalBytes"
    found: int
    logged: int | None

    @property
    def matches(self) -> bool:
        return self.logged is not None and self.found == self.logged


@dataclass(frozen=True)
class Inspection:
    """What an export zip holds, read without unpacking it."""

    path: str
    size: int
    folders: tuple[FolderSummary, ...]
    messages: int
    message_bytes: int
    calendar_items: tuple[str, ...]  # entry names: iCalendar files and MIME invitations
    others: tuple[SkippedEntry, ...]
    log: ExportLog | None = None
    comparisons: tuple[LogComparison, ...] = ()

    @property
    def matches_log(self) -> bool | None:
        """True when every count equals the log's, False when one differs, None: no log."""
        if self.log is None:
            return None
        return all(comparison.matches for comparison in self.comparisons)


@dataclass(frozen=True)
class ConvertSummary:
    """What a conversion wrote and what it left out, and why."""

    source: str
    target: str
    format: str
    messages: int = 0
    folders: tuple[str, ...] = ()  # what each folder became on disk, "path -> name"
    calendar_files: int = 0
    final_newlines_added: int = 0  # mbox: messages that lacked a final line break
    skipped: tuple[SkippedEntry, ...] = ()
    log_messages: int | None = None
    written: tuple[str, ...] = field(default_factory=tuple)  # files and folders made

    @property
    def matches_log(self) -> bool | None:
        return None if self.log_messages is None else self.messages == self.log_messages
