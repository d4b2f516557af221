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

Messages bound for the same folder go in batches (at most `DeliveryOptions.batch_messages`
messages; at most
BATCH_BYTES bytes wait in all): one MULTIAPPEND (RFC 3502) when the server offers it, so
the server commits the batch at once (one fsync instead of one per message), and one record
transaction for the batch. A MULTIAPPEND is all or nothing; when the server refuses one,
the batch's messages are appended one by one so only the refused message fails.

Messages are sent as `wire_bytes` makes them: CRLF line ends (IMAP requires them; an
export's bare LF lines are rewritten) and no NUL byte; the record's SHA-256 is of those
bytes. A dropped connection or a server asking to slow down is retried after a growing
pause, on a new session, up to `DeliveryOptions.retries` times in a row; then the delivery
stops with a DeliveryError, and running it again resumes.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

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
BATCH_BYTES = 8 * 1024 * 1024

Opener = Callable[[ImapTarget, str], IMAPClient]
T = TypeVar("T")


def wire_bytes(data: bytes) -> bytes:
    """`data` as IMAP carries it: every line ending CRLF, and a NUL byte (which an IMAP
    literal may not hold) written as 0x80, the byte Dovecot stores in its place, so what is
    sent is what the server keeps and can be found again by its SHA-256."""
    return _LINE_END.sub(b"\r\n", data).replace(b"\x00", b"\x80")


NUL_NOTE = "NUL bytes sent as 0x80 (IMAP cannot carry NUL)"


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


class DeliveryStopped(Exception):
    """`stop` was set: the delivery ended between two batches (what was sent is recorded;
    running it again goes on). `report` counts what was handled before."""

    def __init__(self, report: DeliveryReport) -> None:
        super().__init__("stopped")
        self.report = report


@dataclass
class _Folder:
    """What this session knows of one destination folder."""

    name: str
    uidvalidity: int
    candidates: dict[int, list[int]] = field(default_factory=dict)  # size -> UIDs
    claimed: set[int] = field(default_factory=set)  # UIDs found by Message-ID


@dataclass(frozen=True)
class _Item:
    """A message on its way: its bytes as sent (CRLF), their SHA-256, its folder there."""

    message: SourceMessage
    data: bytes
    digest: str
    folder: str
    note: str = ""  # what was changed beyond line ends


class Delivery:
    """One account's delivery session; `run` delivers one export into it."""

    def __init__(self, target: ImapTarget, secret: str, record: DeliveryRecord,
                 options: DeliveryOptions | None = None,
                 on_event: Callable[[DeliveryEvent], None] | None = None,
                 open_session: Opener = connection.open_session,
                 sleep: Callable[[float], None] = time.sleep,
                 stop: threading.Event | None = None) -> None:
        self.target = target
        self._secret = secret
        self.record = record
        self.options = options or DeliveryOptions()
        self._on_event = on_event or (lambda event: None)
        self._open_session = open_session
        self._sleep = sleep
        self._stop = stop or threading.Event()
        self._client: IMAPClient | None = None
        self._server = ServerFolders()
        self._limit: int | None = None
        self._multiappend = False
        self._folders: dict[str, _Folder] = {}
        self._selected: str | None = None

    # -- the run ---------------------------------------------------------------------------

    def run(self, messages: Iterable[SourceMessage], source: str,
            expected: int | None = None) -> DeliveryReport:
        """Deliver `messages` of the export `source` (its JobId, or the zip's name); the
        report counts every message by outcome."""
        report = DeliveryReport(self.target.account, source, expected=expected)
        done = self.record.delivered(self.target.account, source)

        def tell(event: DeliveryEvent) -> None:
            report.add(event)
            self._on_event(event)

        try:
            self._retrying(self._connect)
            for batch in self._batches(messages, done, tell):
                if self._stop.is_set():
                    raise DeliveryStopped(report)
                for event in self._send(batch, source):
                    tell(event)
        finally:
            self.close()
        return report

    def close(self) -> None:
        if self._client is not None:
            connection._close(self._client)
            self._client = None

    def _batches(self, messages: Iterable[SourceMessage], done: dict[str, Delivered],
                 tell: Callable[[DeliveryEvent], None]) -> Iterator[list[_Item]]:
        """The messages to send, in batches for one folder each (messages of several folders
        may come interleaved; at most BATCH_BYTES wait in all); the others (delivered
        before, too large, a dry run's) are told at once."""
        waiting: dict[str, list[_Item]] = {}
        size = 0
        for message in messages:
            raw = message.read()
            data = wire_bytes(raw)
            folder = destination(message.folder, self._server, self.options.folder_map)
            event = self._settled(message, data, folder, done)
            if event is not None:
                tell(event)
                continue
            batch = waiting.setdefault(folder, [])
            batch.append(_Item(message, data, hashlib.sha256(data).hexdigest(), folder,
                               NUL_NOTE if b"\x00" in raw else ""))
            size += len(data)
            full = len(batch) >= self.options.batch_messages
            if full or size > BATCH_BYTES:
                fullest = max(waiting, key=lambda name: sum(len(i.data) for i in waiting[name]))
                ready = batch if full else waiting[fullest]
                del waiting[ready[0].folder]
                size -= sum(len(item.data) for item in ready)
                yield ready
        yield from waiting.values()

    def _settled(self, message: SourceMessage, data: bytes, folder: str,
                 done: dict[str, Delivered]) -> DeliveryEvent | None:
        """The outcome of a message that is not to be sent now, or None."""
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
        return None

    def _deliver(self, batch: list[_Item], source: str) -> list[DeliveryEvent]:
        """One folder's batch: found again, already present, or appended; recorded in one
        transaction before the events are told."""
        state = self._folder(batch[0].folder)
        outcomes: dict[int, tuple[Outcome, int | None]] = {}
        to_send: list[int] = []
        for index, item in enumerate(batch):
            uid = self._recover(state, item)
            if uid is not None:
                outcomes[index] = (Outcome.RECOVERED, uid)
                continue
            uid = self._present(state, item) if self.options.check_message_id else None
            if uid is not None:
                outcomes[index] = (Outcome.ALREADY_PRESENT, uid)
            else:
                to_send.append(index)
        refused: dict[int, DeliveryEvent] = {}
        sent = self._append(state, [batch[index] for index in to_send])
        for index, uid_or_refusal in zip(to_send, sent, strict=True):
            if isinstance(uid_or_refusal, DeliveryEvent):
                refused[index] = uid_or_refusal
            else:
                outcomes[index] = (Outcome.APPENDED, uid_or_refusal)
        self.record.note_delivered(self.target.account, source, [
            Delivered(batch[index].message.key, state.name, state.uidvalidity, uid,
                      batch[index].digest, outcome.value)
            for index, (outcome, uid) in sorted(outcomes.items())])
        return [refused[index] if index in refused else
                DeliveryEvent(item.message.key, state.name, outcomes[index][0], item.note,
                              size=len(item.data))
                for index, item in enumerate(batch)]

    # -- sessions and folders --------------------------------------------------------------

    def _connect(self) -> None:
        self.close()
        self._client = self._open_session(self.target, self._secret)
        self._server = connection.read_folders(self._client)
        self._limit = connection.append_limit(self._client)
        self._multiappend = bool(self._client.has_capability("MULTIAPPEND"))
        self._folders.clear()  # read again: an APPEND may have landed before the drop
        self._selected = None

    def _session(self) -> IMAPClient:
        if self._client is None:
            self._connect()
        assert self._client is not None
        return self._client

    def _select(self, name: str) -> IMAPClient:
        client = self._session()
        if self._selected != name:
            client.select_folder(name)
            self._selected = name
        return client

    def _folder(self, name: str) -> _Folder:
        """The folder's state, created on the server when missing; on the first APPEND
        there, the record notes the UID from which this tool may write."""
        if name in self._folders:
            return self._folders[name]
        client = self._session()
        if name not in self._server.existing:
            self._create(client, name)
        status = client.folder_status(name, [b"UIDVALIDITY", b"UIDNEXT"])
        uidvalidity, uid_next = int(status[b"UIDVALIDITY"]), int(status[b"UIDNEXT"])
        first = self.record.first_uid(self.target.account, name, uidvalidity)
        state = _Folder(name, uidvalidity)
        if first is None:
            self.record.note_reach(self.target.account, name, uidvalidity, uid_next)
        elif first < uid_next:
            state.candidates = self._candidates(name, uidvalidity, first)
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

    def _candidates(self, name: str, uidvalidity: int, first: int) -> dict[int, list[int]]:
        """UIDs at or above `first` that the record does not name, by size."""
        client = self._select(name)
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

    def _recover(self, state: _Folder, item: _Item) -> int | None:
        """A candidate UID holding exactly these bytes, taken out of the candidates."""
        uids = state.candidates.get(len(item.data))
        if not uids:
            return None
        answer = self._select(state.name).fetch(uids, [b"BODY.PEEK[]"])
        for uid in uids:
            body = answer.get(uid, {}).get(b"BODY[]")
            if body is not None and hashlib.sha256(body).hexdigest() == item.digest:
                uids.remove(uid)
                return uid
        return None

    def _present(self, state: _Folder, item: _Item) -> int | None:
        """A UID of this folder whose Message-ID is this message's and that no other
        message of this export already claimed (nor this tool appended)."""
        mid = message_id(item.data)
        if mid is None:
            return None
        ours = self.record.uids_in(self.target.account, state.name, state.uidvalidity)
        hits = self._select(state.name).search(["HEADER", "Message-ID", mid])
        free = sorted(uid for uid in hits if uid not in ours and uid not in state.claimed)
        if not free:
            return None
        state.claimed.add(free[0])
        return int(free[0])

    def _append(self, state: _Folder, items: list[_Item]
                ) -> list[int | DeliveryEvent | None]:
        """Send `items`: their UIDs (None where the server has no UIDPLUS), or the event
        of a message the server refused."""
        if not items:
            return []
        client = self._session()
        if self._multiappend and len(items) > 1:
            try:
                answer = client.multiappend(state.name, [
                    {"msg": item.data, "flags": self._flags(item),
                     **({"date": moment} if (moment := self._date(item)) else {})}
                    for item in items])
            except IMAPClientError as exc:
                if connection.is_transient(exc):
                    raise
                return [self._append_one(state, item) for item in items]
            uids = _appended_uids(answer)
            return list(uids) if len(uids) == len(items) else [None] * len(items)
        return [self._append_one(state, item) for item in items]

    def _append_one(self, state: _Folder, item: _Item) -> int | DeliveryEvent | None:
        try:
            answer = self._session().append(state.name, item.data, flags=self._flags(item),
                                            msg_time=self._date(item))
        except IMAPClientError as exc:
            if connection.is_transient(exc):
                raise
            return self._refused(item, exc)
        uids = _appended_uids(answer)
        return uids[0] if len(uids) == 1 else None

    def _flags(self, item: _Item) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*item.message.flags, *self.options.flags)))

    @staticmethod
    def _date(item: _Item) -> datetime | None:
        return item.message.date or message_date(item.data)

    def _refused(self, item: _Item, exc: BaseException) -> DeliveryEvent:
        text = connection._text(exc)
        if "[OVERQUOTA]" in text.upper():
            raise DeliveryError(
                "ImapOverQuota", f"The account {self.target.user} is full ({text}).",
                "Raise its quota or free space, then run the delivery again: it resumes.")
        outcome = Outcome.TOO_LARGE if "[TOOBIG]" in text.upper() else Outcome.FAILED
        return DeliveryEvent(item.message.key, item.folder, outcome,
                             f"the server said: {text}", len(item.data))

    # -- retries ---------------------------------------------------------------------------

    def _send(self, batch: list[_Item], source: str) -> list[DeliveryEvent]:
        """`_deliver(batch)`, again on a new session after a pause when the connection
        drops or the server asks to slow down; a batch that failed so is sent in halves, so a
        connection that keeps dropping still carries small batches."""
        failures = 0
        while True:
            try:
                return self._deliver(batch, source)
            except Exception as exc:
                self._pause(exc, failures)
                failures += 1
                if len(batch) > 1:
                    half = len(batch) // 2
                    return self._send(batch[:half], source) + self._send(batch[half:], source)

    def _retrying(self, work: Callable[[], T]) -> T:
        """`work()`, again on a new session after a pause when the connection drops or the
        server asks to slow down."""
        failures = 0
        while True:
            try:
                return work()
            except Exception as exc:
                self._pause(exc, failures)
                failures += 1

    def _pause(self, exc: Exception, failures: int) -> None:
        """After a failure: re-raise it unless a new session may help; a DeliveryError once
        `options.retries` tries in a row failed; else close the session and wait."""
        if not connection.is_transient(exc):
            raise exc
        if failures >= self.options.retries:
            raise DeliveryError(
                "ImapConnectionLost",
                f"The session with {self.target.host}:{self.target.port} failed "
                f"{failures + 1} times in a row ({exc}).",
                "Check the server and the network, then run the same command again: it "
                "resumes where it stopped.") from exc
        self.close()
        self._sleep(_BACKOFF_SECONDS[min(failures, len(_BACKOFF_SECONDS) - 1)])


def _appended_uids(answer: Any) -> list[int]:
    """The UIDs of an APPENDUID response code ("[APPENDUID 38505 3955:3957]")."""
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
    match = re.search(r"\[APPENDUID \d+ ([\d:,]+)\]", text, re.IGNORECASE)
    if not match:
        return []
    uids: list[int] = []
    for part in match.group(1).split(","):
        low, _, high = part.partition(":")
        uids.extend(range(int(low), int(high or low) + 1))
    return uids
