"""Putting an export's messages into one IMAP account, each exactly once.

For each message, in the export's order:
1. In the record for this account and export already: skipped (a re-run appends only what
   is missing).
2. Its folder is mapped (folders.py), created when missing (parents first) and selected.
3. A message the server took without its answer reaching the record (a kill -9, a dropped
   connection) is found again before appending: the folder's UIDs from the record's `reach`
   on that no record row names are candidates, compared by size (FETCH RFC822.SIZE), then by
   SHA-256 of their bytes. A match is recorded as recovered, not appended again.
4. With `check_message_id`, a Message-ID already in the folder (from another tool) is
   recorded as already present, once per message found.
5. Too large for the server's APPENDLIMIT or `max_size`: listed, never silently dropped.
6. APPEND with the message's Date as the internal date; the UIDPLUS answer (APPENDUID) is
   recorded right after.

Messages are sent with CRLF line ends (IMAP requires them; an export's bare LF lines are
rewritten), and the record's SHA-256 is of those bytes. A dropped connection or a server
asking to slow down is retried after a growing pause, on a new session, up to
`DeliveryOptions.retries` times in a row; then the delivery stops with a DeliveryError, and
running it again resumes.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from tui.core.deliver import connection
from tui.core.deliver.folders import ServerFolders, destination, parents
from tui.core.deliver.model import (
    DeliveryError,
    DeliveryEvent,
    DeliveryOptions,
    DeliveryReport,
    ImapTarget,
    Outcome,
    SourceMessage,
)
from tui.core.deliver.record import Delivered, DeliveryRecord

_LINE_END = re.compile(rb"\r\n|\r|\n")
_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]*>)", re.IGNORECASE | re.MULTILINE)
_HEADER_END = re.compile(rb"\r\n\r\n")
_BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
_FETCH_BATCH = 200

Opener = Callable[[ImapTarget, str], IMAPClient]


def crlf(data: bytes) -> bytes:
    """`data` with every line ending written as CRLF."""
    return _LINE_END.sub(b"\r\n", data)


def message_id(data: bytes) -> str | None:
    """The Message-ID of a message (header section only), or None."""
    end = _HEADER_END.search(data)
    match = _MESSAGE_ID.search(data[: end.start() if end else len(data)])
    return match.group(1).decode("ascii", errors="replace") if match else None


def message_date(data: bytes) -> datetime | None:
    """The message's Date header as an aware datetime, when it parses."""
    end = _HEADER_END.search(data)
    head = data[: end.start() if end else len(data)]
    match = re.search(rb"^Date:[ \t]*([^\r\n]+(?:\r\n[ \t][^\r\n]*)*)", head,
                      re.IGNORECASE | re.MULTILINE)
    if not match:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(
            match.group(1).decode("ascii", errors="replace").replace("\r\n", ""))
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass
class _Folder:
    """What this session knows of one destination folder."""

    name: str
    uidvalidity: int
    first_uid: int | None
    candidates: dict[int, list[int]] = field(default_factory=dict)  # size -> UIDs
    claimed: set[int] = field(default_factory=set)  # UIDs found by Message-ID


class Delivery:
    """One account's delivery session; `run` delivers one export into it."""

    def __init__(self, target: ImapTarget, secret: str, record: DeliveryRecord,
                 options: DeliveryOptions | None = None,
                 on_event: Callable[[DeliveryEvent], None] | None = None,
                 open_session: Opener = connection.open_session,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.target = target
        self._secret = secret
        self.record = record
        self.options = options or DeliveryOptions()
        self._on_event = on_event or (lambda event: None)
        self._open_session = open_session
        self._sleep = sleep
        self._client: IMAPClient | None = None
        self._server = ServerFolders()
        self._limit: int | None = None
        self._folders: dict[str, _Folder] = {}
        self._selected: str | None = None

    # -- the run ---------------------------------------------------------------------------

    def run(self, messages: Iterable[SourceMessage], source: str,
            expected: int | None = None) -> DeliveryReport:
        """Deliver `messages` of the export `source` (its JobId, or the zip's name); the
        report counts every message by outcome."""
        report = DeliveryReport(self.target.account, source, expected=expected)
        done = self.record.delivered(self.target.account, source)
        try:
            self._retrying(self._connect)
            for message in messages:
                event = self._one(message, source, done)
                report.add(event)
                self._on_event(event)
        finally:
            self.close()
        return report

    def close(self) -> None:
        if self._client is not None:
            connection._close(self._client)
            self._client = None

    def _one(self, message: SourceMessage, source: str,
             done: dict[str, Delivered]) -> DeliveryEvent:
        data = crlf(message.read())
        folder = destination(message.folder, self._server, self.options.folder_map)
        if message.key in done:
            return DeliveryEvent(message.key, done[message.key].folder,
                                 Outcome.DELIVERED_BEFORE, size=len(data))
        limit = min(filter(None, (self._limit, self.options.max_size)), default=None)
        if limit is not None and len(data) > limit:
            return DeliveryEvent(message.key, folder, Outcome.TOO_LARGE,
                                 f"{len(data):,} bytes; the server takes at most {limit:,}",
                                 len(data))
        if self.options.dry_run:
            return DeliveryEvent(message.key, folder, Outcome.WOULD_APPEND, size=len(data))
        digest = hashlib.sha256(data).hexdigest()
        return self._retrying(lambda: self._deliver(message, data, digest, folder, source))

    def _deliver(self, message: SourceMessage, data: bytes, digest: str, folder: str,
                 source: str) -> DeliveryEvent:
        state = self._folder(folder)
        uid = self._recover(state, data, digest)
        outcome = Outcome.RECOVERED
        if uid is None and self.options.check_message_id:
            uid = self._present(state, data)
            outcome = Outcome.ALREADY_PRESENT
        if uid is None:
            try:
                uid = self._append(state, message, data)
            except IMAPClientError as exc:
                if connection.is_transient(exc):
                    raise
                return self._refused(message, folder, data, exc)
            outcome = Outcome.APPENDED
        self.record.note_delivered(self.target.account, source, Delivered(
            message.key, folder, state.uidvalidity, uid, digest, outcome.value))
        return DeliveryEvent(message.key, folder, outcome, size=len(data))

    def _refused(self, message: SourceMessage, folder: str, data: bytes,
                 exc: BaseException) -> DeliveryEvent:
        text = connection._text(exc)
        if "[OVERQUOTA]" in text.upper():
            raise DeliveryError(
                "ImapOverQuota", f"The account {self.target.user} is full ({text}).",
                "Raise its quota or free space, then run the delivery again: it resumes.")
        outcome = Outcome.TOO_LARGE if "[TOOBIG]" in text.upper() else Outcome.FAILED
        return DeliveryEvent(message.key, folder, outcome, f"the server said: {text}",
                             len(data))

    # -- sessions and folders --------------------------------------------------------------

    def _connect(self) -> None:
        self.close()
        self._client = self._open_session(self.target, self._secret)
        self._server = connection.read_folders(self._client)
        self._limit = connection.append_limit(self._client)
        self._folders.clear()  # re-read: an APPEND may have landed before the drop
        self._selected = None

    def _session(self) -> IMAPClient:
        if self._client is None:
            self._connect()
        assert self._client is not None
        return self._client

    def _folder(self, name: str) -> _Folder:
        client = self._session()
        if name in self._folders:
            if self._selected != name:
                client.select_folder(name)
                self._selected = name
            return self._folders[name]
        if name not in self._server.existing:
            self._create(client, name)
        selected = client.select_folder(name)
        self._selected = name
        uidvalidity, uid_next = int(selected[b"UIDVALIDITY"]), int(selected[b"UIDNEXT"])
        first = self.record.first_uid(self.target.account, name, uidvalidity)
        if first is None:
            self.record.note_reach(self.target.account, name, uidvalidity, uid_next)
            state = _Folder(name, uidvalidity, uid_next)
        else:
            state = _Folder(name, uidvalidity, first,
                            self._candidates(client, name, uidvalidity, first))
        self._folders[name] = state
        return state

    def _create(self, client: IMAPClient, name: str) -> None:
        delimiter = self._server.delimiter
        for folder in [*parents(name, delimiter), name]:
            if folder in self._server.existing or folder.upper() == "INBOX":
                continue
            try:
                client.create_folder(folder)
            except IMAPClientError as exc:
                if "ALREADYEXISTS" not in connection._text(exc).upper().replace(" ", ""):
                    raise
            with contextlib.suppress(IMAPClientError):  # unsubscribed, it is still there
                client.subscribe_folder(folder)
            self._server = ServerFolders(self._server.delimiter, self._server.prefix,
                                         self._server.special,
                                         self._server.existing | {folder})

    def _candidates(self, client: IMAPClient, name: str, uidvalidity: int,
                    first: int) -> dict[int, list[int]]:
        """UIDs at or above `first` that the record does not name, by size."""
        ours = self.record.uids_in(self.target.account, name, uidvalidity)
        found = [uid for uid in client.search(["UID", f"{first}:*"])
                 if uid >= first and uid not in ours]
        by_size: dict[int, list[int]] = {}
        for start in range(0, len(found), _FETCH_BATCH):
            answer = client.fetch(found[start:start + _FETCH_BATCH], [b"RFC822.SIZE"])
            for uid, data in answer.items():
                by_size.setdefault(int(data[b"RFC822.SIZE"]), []).append(uid)
        return by_size

    # -- one message -----------------------------------------------------------------------

    def _recover(self, state: _Folder, data: bytes, digest: str) -> int | None:
        """A candidate UID holding exactly these bytes, taken out of the candidates."""
        uids = state.candidates.get(len(data))
        if not uids:
            return None
        answer = self._session().fetch(uids, [b"BODY.PEEK[]"])
        for uid in uids:
            body = answer.get(uid, {}).get(b"BODY[]")
            if body is not None and hashlib.sha256(body).hexdigest() == digest:
                uids.remove(uid)
                return uid
        return None

    def _present(self, state: _Folder, data: bytes) -> int | None:
        """A UID of this folder whose Message-ID is this message's and that no other
        message of this export already claimed (nor this tool appended)."""
        mid = message_id(data)
        if mid is None:
            return None
        ours = self.record.uids_in(self.target.account, state.name, state.uidvalidity)
        hits = self._session().search(["HEADER", "Message-ID", mid])
        free = sorted(uid for uid in hits if uid not in ours and uid not in state.claimed)
        if not free:
            return None
        state.claimed.add(free[0])
        return int(free[0])

    def _append(self, state: _Folder, message: SourceMessage, data: bytes) -> int | None:
        moment = message.date or message_date(data)
        answer: Any = self._session().append(state.name, data, flags=message.flags,
                                             msg_time=moment)
        text = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
        match = re.search(r"\[APPENDUID (\d+) (\d+)\]", text, re.IGNORECASE)
        return int(match.group(2)) if match else None

    # -- retries ---------------------------------------------------------------------------

    def _retrying(self, work: Callable[[], Any]) -> Any:
        """`work()`, again on a new session after a pause when the connection drops or the
        server asks to slow down; a DeliveryError after `options.retries` tries in a row."""
        for attempt in range(self.options.retries + 1):
            try:
                return work()
            except Exception as exc:
                if not connection.is_transient(exc):
                    raise
                if attempt == self.options.retries:
                    raise DeliveryError(
                        "ImapConnectionLost",
                        f"The session with {self.target.host}:{self.target.port} failed "
                        f"{attempt + 1} times in a row ({exc}).",
                        "Check the server and the network, then run the same command "
                        "again: it resumes where it stopped.") from exc
                self.close()
                self._sleep(_BACKOFF_SECONDS[min(attempt, len(_BACKOFF_SECONDS) - 1)])
        raise AssertionError("unreachable")
