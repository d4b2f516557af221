"""What a simulated mailbox export holds: its entries, made one at a time from a seed.

`export_items(mailbox, seed, target_bytes, layout, now)` yields `Item`s (folder, name, bytes,
kind, date) lazily, so an export of hundreds of MB is never in memory at once. Every export
has the same hand-made entries that make life hard for a reader (non-ASCII and
file-system-hostile folder names, nested and empty folders, an attachment, a calendar item,
a message with odd headers and mixed CRLF/LF line ends, "From " lines in bodies, a message
without a final line break, entries that are not messages); then ordinary messages fill the
export up to `target_bytes`.

ASSUMPTION (unverified): nothing public describes the inside of WorkMail's export .zip. The
two layouts here (`LAYOUTS`) are the simulator's guesses, different on purpose, so the
product is tested against more than one.
"""

from __future__ import annotations

import base64
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from .assumptions import DEFAULT
from .worlds import FIRST_NAMES, LAST_NAMES

MESSAGE = "message"
CALENDAR = "calendar"
OTHER = "other"


@dataclass(frozen=True)
class Layout:
    """One guess at how WorkMail lays an export out (inside the zip and beside it in S3)."""

    name: str
    directory_entries: bool  # an entry "Folder/" for every folder, empty ones included
    message_suffix: str  # ".eml", or "" (messages named by number only)
    calendar_as_message: bool  # calendar items as MIME messages (text/calendar), else .ics
    utf8_flag: bool  # non-ASCII names flagged UTF-8 (bit 11), else raw UTF-8 without the flag
    filler_compression: int  # how the ordinary (filler) messages are stored
    log_name: str  # the log's key: {prefix}{log_name.format(job_id=...)}
    log_strings: bool  # the log's numbers as strings ("12"), else as JSON numbers
    log_hash: str  # "hex" or "base64" sha384
    log_millis: bool  # start/end time in epoch milliseconds, else seconds


LAYOUTS: dict[str, Layout] = {
    # ASSUMPTION (unverified): layout and log of a WorkMail export, guess one.
    "folders": Layout(name="folders", directory_entries=True, message_suffix=".eml",
                      calendar_as_message=False, utf8_flag=True,
                      filler_compression=zipfile.ZIP_DEFLATED,
                      log_name="{job_id}-log.json", log_strings=True, log_hash="hex",
                      log_millis=True),
    # ASSUMPTION (unverified): guess two, as unlike guess one as a real exporter might be.
    "nested": Layout(name="nested", directory_entries=False, message_suffix="",
                     calendar_as_message=True, utf8_flag=False,
                     filler_compression=zipfile.ZIP_STORED,
                     log_name="logs/{job_id}", log_strings=False, log_hash="base64",
                     log_millis=False),
}
DEFAULT_LAYOUT = DEFAULT.export_layout  # the simulator's Assumptions.export_layout


@dataclass(frozen=True)
class Item:
    """One zip entry: its folder (path components), file name, bytes and what it is."""

    folder: tuple[str, ...]
    name: str
    body: bytes
    kind: str  # MESSAGE, CALENDAR or OTHER
    date: datetime
    compression: int = zipfile.ZIP_DEFLATED
    calendar: bool = False  # a calendar item (an .ics entry, or a MIME message holding one)

    @property
    def path(self) -> str:
        return "/".join((*self.folder, self.name))


# Folders every export has. Empty ones appear only in layouts with directory entries.
INBOX = ("Inbox",)
PROJECTS = ("Inbox", "Projects", "2026")
SENT = ("Sent Items",)
DRAFTS = ("Drafts",)
DELETED = ("Deleted Items",)  # always empty
ARCHIVE_DE = ("Archiv", "Überweisungen 2025")
RUSSIAN = ("Входящие", "Работа")
JAPANESE = ("受信トレイ",)
HOSTILE = ("Re: Q1? <plans> | *final*",)  # characters Windows refuses in file names
TRAILING_DOT = ("Notes.",)
RESERVED = ("CON",)  # a reserved device name on Windows
PERCENT = ("100% done",)
CALENDAR_FOLDER = ("Calendar",)
FILLER_FOLDERS = (INBOX, SENT, ("Inbox", "Projects"), PROJECTS, ("Archiv",), RUSSIAN)
EMPTY_FOLDERS = (DELETED,)


def _name(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return f"{first.title()} {last.title()}", f"{first}.{last}@example.net"


def _lines(text: str, ending: bytes = b"\n") -> bytes:
    return b"".join(line.encode() + ending for line in text.split("\n"))


class _Maker:
    """Makes the messages of one export from one seeded random generator."""

    def __init__(self, mailbox: str, seed: int, layout: Layout, now: datetime) -> None:
        self.mailbox = mailbox
        self.rng = random.Random(seed)
        self.layout = layout
        self.now = now
        self.number = 0

    def file_name(self, suffix: str | None = None) -> str:
        self.number += 1
        return f"{self.number:06d}{self.layout.message_suffix if suffix is None else suffix}"

    def date(self) -> datetime:
        return self.now - timedelta(seconds=self.rng.randrange(3600, 2 * 365 * 86400))

    def headers(self, subject: str, date: datetime, sent: bool = False) -> str:
        display, address = _name(self.rng)
        sender, recipient = (self.mailbox, f"{display} <{address}>") if sent else \
            (f"{display} <{address}>", self.mailbox)
        return (f"Return-Path: <{address if not sent else self.mailbox}>\n"
                f"Received: from mail.example.net by inbound-smtp.us-east-1.amazonaws.com;"
                f" {format_datetime(date)}\n"
                f"From: {sender}\nTo: {recipient}\nSubject: {subject}\n"
                f"Date: {format_datetime(date)}\n"
                f"Message-ID: <{self.rng.getrandbits(64):016x}@example.net>\n"
                "MIME-Version: 1.0\n")

    def text_message(self, folder: tuple[str, ...], subject: str, body: str,
                     ending: bytes = b"\n", sent: bool = False) -> Item:
        date = self.date()
        text = self.headers(subject, date, sent) + \
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body
        return Item(folder, self.file_name(), _lines(text, ending), MESSAGE, date)

    def filler(self, folder: tuple[str, ...], size: int, compression: int) -> Item:
        """An ordinary message of about `size` bytes: some text, and beyond 4 KB a base64
        attachment of random bytes (incompressible, like the photos and PDFs of real mail)."""
        date = self.date()
        words = " ".join(self.rng.choice(FIRST_NAMES) for _ in range(60))
        head = self.headers(f"Status update {self.number + 1}", date, sent=folder == SENT)
        if size <= 4096:
            text = head + "Content-Type: text/plain; charset=utf-8\n\n" + (words + "\n") * max(
                1, size // 400)
            return Item(folder, self.file_name(), text.encode(), MESSAGE, date, compression)
        boundary = f"=_part_{self.rng.getrandbits(32):08x}"
        attachment = base64.encodebytes(self.rng.randbytes(size * 3 // 4))
        body = (head + f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'
                f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n{words}\n\n"
                f"--{boundary}\nContent-Type: application/octet-stream\n"
                f'Content-Disposition: attachment; filename="scan-{self.number + 1}.bin"\n'
                "Content-Transfer-Encoding: base64\n\n").encode() + attachment + \
            f"--{boundary}--\n".encode()
        return Item(folder, self.file_name(), body, MESSAGE, date, compression)


def _odd_headers(make: _Maker) -> Item:
    """Folded and encoded headers, a header without a space, raw UTF-8 in a header, a very
    long line, CRLF and LF mixed, and body lines that an mbox must quote."""
    date = make.date()
    long_value = "x" * 1200
    lines = [
        (b"Return-Path: <odd@example.net>", b"\r\n"),
        (b"Received: from a.example.net by b.example.net; " + format_datetime(date).encode(),
         b"\r\n"),
        (b"Received: from c.example.net", b"\n"),
        (b"\tby a.example.net; " + format_datetime(date).encode(), b"\r\n"),
        (b"From: =?UTF-8?B?" + base64.b64encode("Jürgen Ödegaard".encode()) +
         b"?= <jurgen@example.net>", b"\n"),
        (b"To: " + make.mailbox.encode(), b"\r\n"),
        (b"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=", b"\n"),
        (b"  =?ISO-8859-1?Q?und_Wien?=", b"\r\n"),
        (b"Date: " + format_datetime(date).encode(), b"\n"),
        (b"Message-ID: <odd.headers@example.net>", b"\n"),
        (b"X-Odd:no-space-after-colon", b"\r\n"),
        ("X-Raw-UTF8: Grüße, 東京".encode(), b"\n"),
        (b"X-Long: " + long_value.encode(), b"\r\n"),
        (b"MIME-Version: 1.0", b"\n"),
        (b"Content-Type: text/plain; charset=utf-8", b"\r\n"),
        (b"", b"\r\n"),
        (b"From the desk of the CFO: this line starts with From.", b"\n"),
        (b">From an already quoted line.", b"\r\n"),
        (b">>From a doubly quoted line.", b"\n"),
        (b"From: not a header, a body line", b"\n"),
        (b"", b"\n"),
        (b"From ", b"\r\n"),
        (b"Last line with a tab\tand a NUL \x00 byte.", b"\n"),
    ]
    body = b"".join(text + ending for text, ending in lines)
    return Item(INBOX, make.file_name(), body, MESSAGE, date)


def _attachment(make: _Maker) -> Item:
    date = make.date()
    pdf = b"%PDF-1.4\n" + make.rng.randbytes(6000) + b"\n%%EOF\n"
    text = (make.headers("Signed contract (2026)", date) +
            'Content-Type: multipart/mixed; boundary="outer"\n\n'
            "--outer\nContent-Type: text/plain; charset=utf-8\n\nThe contract is attached.\n\n"
            "--outer\nContent-Type: application/pdf\n"
            "Content-Disposition: attachment; filename*=UTF-8''Vertr%C3%A4ge%202026.pdf\n"
            "Content-Transfer-Encoding: base64\n\n")
    body = text.encode() + base64.encodebytes(pdf) + b"--outer--\n"
    return Item(PROJECTS, make.file_name(), body, MESSAGE, date)


def _calendar(make: _Maker) -> Item:
    date = make.date()
    start = date + timedelta(days=7)
    event = (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Amazon WorkMail//Export//EN\r\n"
             f"METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:{make.rng.getrandbits(64):016x}"
             f"@example-corp\r\nDTSTAMP:{date:%Y%m%dT%H%M%SZ}\r\n"
             f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}"
             f"\r\nSUMMARY:Quarterly review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    if not make.layout.calendar_as_message:
        return Item(CALENDAR_FOLDER, make.file_name(".ics"), event.encode(), CALENDAR, date,
                    calendar=True)
    text = (make.headers("Invitation: Quarterly review", date).replace("\n", "\r\n") +
            'Content-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n')
    return Item(CALENDAR_FOLDER, make.file_name(), text.encode() + event.encode(), MESSAGE, date,
                calendar=True)


def _not_messages(make: _Maker) -> list[Item]:
    """Entries a reader must leave out: they are not RFC 5322 messages."""
    date = make.now
    if make.layout.name == "folders":
        return [
            Item((), "export-manifest.txt", b"This export was made for " +
                 make.mailbox.encode() + b".\nIt is an example of an entry that is no mail.\n",
                 OTHER, date),
            Item(INBOX, "Thumbs.db", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" +
                 make.rng.randbytes(500), OTHER, date),
            Item(SENT, "empty.eml", b"", OTHER, date),
        ]
    return [
        Item((), ".DS_Store", b"\x00\x00\x00\x01Bud1" + make.rng.randbytes(300), OTHER, date),
        Item(INBOX, "desktop.ini", b"[.ShellClassInfo]\r\nIconResource=mail.ico,0\r\n",
             OTHER, date),
        Item(DRAFTS, "broken", make.rng.randbytes(200), OTHER, date),
    ]


def _special_items(make: _Maker) -> Iterator[Item]:
    """The hand-made entries every export has."""
    yield make.text_message(INBOX, "Welcome to example-corp", "Hello and welcome.\n")
    yield make.text_message(INBOX, "CRLF line ends", "Every line of this message\n"
                            "ends with CR LF.\n", ending=b"\r\n")
    yield _odd_headers(make)
    yield _attachment(make)
    yield make.text_message(SENT, "Re: Budget", "Sounds good.\n\n> Can we meet?\n", sent=True)
    draft = b"From: " + make.mailbox.encode() + b"\nSubject: Unfinished draft\n\nNo date, no id."
    yield Item(DRAFTS, make.file_name(), draft, MESSAGE, make.now)  # no final line break
    yield make.text_message(ARCHIVE_DE, "Überweisung März", "Betrag: 1.234,56 €\n")
    yield make.text_message(RUSSIAN, "Отчёт за квартал", "Добрый день!\n")
    yield make.text_message(JAPANESE, "会議の議事録", "よろしくお願いします。\n")
    yield make.text_message(HOSTILE, "Plans?", "A folder name Windows would refuse.\n")
    yield make.text_message(TRAILING_DOT, "Note to self", "Trailing dot folder.\n")
    yield make.text_message(RESERVED, "Device name", "A folder called CON.\n")
    yield make.text_message(PERCENT, "Escapes", "A folder with a percent sign.\n")
    yield _calendar(make)
    yield from _not_messages(make)


def export_items(mailbox: str, seed: int, target_bytes: int, layout: Layout,
                 now: datetime) -> Iterator[Item]:
    """Every entry of one export, the hand-made ones first, then filler messages until about
    `target_bytes` of message bytes (at most 2 MB each, sizes drawn from the seed)."""
    make = _Maker(mailbox, seed, layout, now.astimezone(timezone.utc))
    written = 0
    for item in _special_items(make):
        written += len(item.body)
        yield item
    while written < target_bytes:
        size = min(target_bytes - written, int(make.rng.choice(
            (800, 2000, 6000, 40_000, 300_000, 2_000_000))))
        folder = FILLER_FOLDERS[make.rng.randrange(len(FILLER_FOLDERS))]
        compression = layout.filler_compression if size > 4096 else zipfile.ZIP_DEFLATED
        item = make.filler(folder, max(size, 200), compression)
        written += len(item.body)
        yield item


def folders_of(items_folders: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Every folder a set of entry folders implies: each one and all its parents."""
    every: set[tuple[str, ...]] = set()
    for folder in items_folders:
        for depth in range(1, len(folder) + 1):
            every.add(folder[:depth])
    return every
