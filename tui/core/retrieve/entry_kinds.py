"""What a zip entry is, judged from its first bytes: a mail message, a calendar item or other.

Nothing public says how WorkMail names the entries of an export, so names are never trusted:
an entry is a MESSAGE when it starts with an RFC 5322 header block (an optional mbox
"From " line, then `Name: value` fields with folded continuation lines) that holds at least
one field every mail carries (From, Date, Subject, Message-ID, Received, ...); a CALENDAR
item when it is an iCalendar file (BEGIN:VCALENDAR); OTHER otherwise, with the reason.
ASSUMPTION: this rule is the product's; a message is also flagged `calendar` when its
top-level Content-Type is text/calendar (an invitation in MIME form).

The date (for an mbox "From " line, a Maildir file's time, an IMAP internal date) is the
Date field, else the newest Received field's date, else None. The envelope sender is the
Return-Path, else the From address, else MAILER-DAEMON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parseaddr, parsedate_to_datetime

from tui.core.retrieve.model import ItemKind

HEAD_BYTES = 64 * 1024  # enough for any header block a reader needs
MAIL_FIELDS = frozenset((b"from", b"date", b"subject", b"message-id", b"received",
                         b"return-path", b"to", b"mime-version", b"sender", b"reply-to",
                         b"delivered-to", b"cc"))
_FIELD = re.compile(rb"([!-9;-~]+)[ \t]*:")  # a field name: printable ASCII but ":"
_SAFE_SENDER = re.compile(r"^[!-~]+$")
NO_SENDER = "MAILER-DAEMON"


@dataclass(frozen=True)
class HeadFacts:
    """What the head of an entry says."""

    kind: ItemKind
    reason: str = ""  # why it is not a message
    calendar: bool = False
    date: datetime | None = None
    sender: str = NO_SENDER


def header_fields(head: bytes) -> list[tuple[bytes, bytes]] | None:
    """The header fields at the start of `head` as (lower-case name, unfolded value), or None
    when it does not start with a header block."""
    lines = head.split(b"\n")
    if lines and lines[0].startswith(b"From "):
        lines = lines[1:]  # an mbox From_ line some writers put first
    fields: list[tuple[bytes, bytes]] = []
    for raw in lines:
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            if not fields:
                return None
            name, value = fields[-1]
            fields[-1] = (name, value + b" " + line.strip())
            continue
        match = _FIELD.match(line)
        if match is None:
            break  # not a field: the header block ended without an empty line
        fields.append((match.group(1).lower(), line[match.end():].strip()))
    return fields or None


def classify(head: bytes) -> HeadFacts:
    """The kind of an entry whose first bytes (up to HEAD_BYTES) are `head`."""
    if not head:
        return HeadFacts(ItemKind.OTHER, "empty")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper() == b"BEGIN:VCALENDAR":
        return HeadFacts(ItemKind.CALENDAR)
    fields = header_fields(head)
    if fields is None:
        return HeadFacts(ItemKind.OTHER, "no mail header block at its start")
    if not any(name in MAIL_FIELDS for name, _ in fields):
        return HeadFacts(ItemKind.OTHER, "its header fields are not a mail message's")
    values: dict[bytes, str] = {}
    for name, value in fields:
        values.setdefault(name, value.decode("latin-1"))
    content_type = values.get(b"content-type", "").split(";")[0].strip().lower()
    return HeadFacts(ItemKind.MESSAGE, calendar=content_type == "text/calendar",
                     date=message_date(fields), sender=envelope_sender(values))


def message_date(fields: list[tuple[bytes, bytes]]) -> datetime | None:
    """The Date field (UTC), else the date of the first (newest) Received field."""
    dates = [value for name, value in fields if name == b"date"]
    received = [value.rpartition(b";")[2] for name, value in fields if name == b"received"]
    for text in (*dates[:1], *received[:1]):
        moment = _parse_date(text.decode("latin-1"))
        if moment is not None:
            return moment
    return None


def _parse_date(text: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else \
        moment.astimezone(timezone.utc)


def envelope_sender(values: dict[bytes, str]) -> str:
    for name in (b"return-path", b"from"):
        address = parseaddr(values.get(name, ""))[1].strip()
        if address and _SAFE_SENDER.match(address):
            return address
    return NO_SENDER
