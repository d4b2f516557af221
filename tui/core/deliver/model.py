"""The plain values of an IMAP delivery: where to (ImapTarget), what (SourceMessage), how
(DeliveryOptions), and what happened (DeliveryEvent, DeliveryReport)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from tui.core.model import AwsProblem, CoreError

IMAPS_PORT = 993
IMAP_PORT = 143
DEFAULT_TIMEOUT = 30.0  # seconds for a connect or one reply; a 20 MB APPEND fits easily


class Security(str, Enum):
    """How the connection is protected. IMAPS is the default; PLAIN needs an explicit flag."""

    IMAPS = "imaps"
    STARTTLS = "starttls"
    PLAIN = "plain"


class Auth(str, Enum):
    """How to log in: IMAP LOGIN, SASL PLAIN, or SASL XOAUTH2 (Microsoft 365, Google)."""

    LOGIN = "login"
    PLAIN = "plain"
    XOAUTH2 = "xoauth2"


@dataclass(frozen=True)
class ImapTarget:
    """One destination account. The secret (password or token) is never part of it."""

    host: str
    user: str
    port: int = IMAPS_PORT
    security: Security = Security.IMAPS
    auth: Auth = Auth.LOGIN
    ca_file: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @property
    def account(self) -> str:
        """The key of this account in the delivery record."""
        return f"{self.user}@{self.host}:{self.port}"


@dataclass(frozen=True)
class SourceMessage:
    """One message of an export, as the delivery reads it.

    `key` names it within its export (the zip entry's name), `folder` is its folder path in
    the export, `size` its size in bytes, `date` the date to give the server as the
    message's internal date (None: the server's now), `read()` its bytes.
    """

    key: str
    folder: tuple[str, ...]
    size: int
    read: Callable[[], bytes]
    date: datetime | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeliveryOptions:
    """What the admin chose. `check_message_id` looks for each message's Message-ID in the
    destination folder first, so mail another tool already copied is not duplicated;
    `folder_map` overrides where an export folder goes ("Inbox/Old" -> "Archive/Old");
    `max_size` refuses messages larger than this many bytes (besides the server's own
    APPENDLIMIT); `dry_run` plans and counts without changing the server."""

    check_message_id: bool = False
    folder_map: dict[str, str] = field(default_factory=dict)
    max_size: int | None = None
    dry_run: bool = False
    retries: int = 6
    batch_messages: int = 100  # messages sent in one MULTIAPPEND at most
    flags: tuple[str, ...] = ()  # given to every message (e.g. \\Seen with --mark-seen)


class Outcome(str, Enum):
    """What became of one message."""

    APPENDED = "appended"
    DELIVERED_BEFORE = "delivered before"  # in this account's record from an earlier run
    RECOVERED = "recovered"  # appended before a crash or a dropped connection, found again
    ALREADY_PRESENT = "already present"  # its Message-ID was found in the destination
    TOO_LARGE = "too large"
    FAILED = "failed"
    WOULD_APPEND = "would append"  # --dry-run


@dataclass(frozen=True)
class DeliveryEvent:
    """One message handled, for progress displays."""

    key: str
    folder: str
    outcome: Outcome
    detail: str = ""
    size: int = 0


@dataclass
class DeliveryReport:
    """A mailbox's delivery: counts by outcome, the folders written, and every message that
    was not delivered with why. `expected` is the export log's totalMessages when known."""

    account: str
    source: str
    messages: int = 0
    outcomes: dict[Outcome, int] = field(default_factory=dict)
    folders: dict[str, int] = field(default_factory=dict)
    not_delivered: list[DeliveryEvent] = field(default_factory=list)
    changed: list[DeliveryEvent] = field(default_factory=list)  # delivered, bytes altered
    expected: int | None = None

    def count(self, outcome: Outcome) -> int:
        return self.outcomes.get(outcome, 0)

    def add(self, event: DeliveryEvent) -> None:
        self.messages += 1
        self.outcomes[event.outcome] = self.count(event.outcome) + 1
        if event.outcome in (Outcome.TOO_LARGE, Outcome.FAILED):
            self.not_delivered.append(event)
        else:
            self.folders[event.folder] = self.folders.get(event.folder, 0) + 1
            if event.detail:
                self.changed.append(event)

    @property
    def complete(self) -> bool:
        """Every message of the export is in the destination (or would be, in a dry run)."""
        return not self.not_delivered and (self.expected is None or
                                           self.messages == self.expected)


class DeliveryError(CoreError):
    """The delivery cannot go on (no connection, login refused, certificate not trusted,
    quota full); the problem says what happened and what to do."""

    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(AwsProblem(code=code, message=message, hint=hint,
                                    operation="IMAP"))
