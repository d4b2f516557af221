"""Messages to deliver in the engine tests, built here so each test knows exactly what the
server must end up holding."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from tui.core.deliver.model import SourceMessage

BASE = datetime(2025, 3, 14, 9, 26, 53, tzinfo=timezone.utc)


def eml(number: int, subject: str = "", message_id: str | None = None,
        line_end: bytes = b"\r\n", body: bytes = b"", date: datetime | None = None) -> bytes:
    moment = date or BASE + timedelta(hours=number)
    mid = message_id if message_id is not None else f"<m{number}@old.example>"
    lines = ["From: Alice <alice@old.example>", "To: bob@old.example",
             f"Subject: {subject or f'message {number}'}",
             f"Date: {format_datetime(moment)}", f"Message-ID: {mid}",
             "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", ""]
    text = line_end.join(line.encode() for line in lines) + line_end
    return text + (body or f"Body of message {number}.".encode() + line_end)


def source(key: str, folder: tuple[str, ...], data: bytes) -> SourceMessage:
    return SourceMessage(key=key, folder=folder, size=len(data), read=lambda: data)


def mailbox() -> list[SourceMessage]:
    """A small export: INBOX and a subfolder, Sent Items, Deleted Items, Junk Email, a
    non-ASCII tree, a name holding the server's delimiter, a message with bare LF ends."""
    layout = [
        (("Inbox",), 3), (("Inbox", "Projects"), 2), (("Sent Items",), 2),
        (("Deleted Items",), 1), (("Junk Email",), 1), (("Archiv Ünïcödé", "Überträge"), 2),
        (("Reports 2024/25",), 1),
    ]
    messages: list[SourceMessage] = []
    number = 0
    for folder, count in layout:
        for _ in range(count):
            number += 1
            key = "/".join(folder) + f"/{number:04d}.eml"
            messages.append(source(key, folder, eml(number)))
    number += 1
    messages.append(source(f"Inbox/{number:04d}-lf.eml", ("Inbox",),
                           eml(number, "bare LF lines", line_end=b"\n")))
    return messages
