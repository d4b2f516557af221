"""Reading back what an IMAP account holds, for the delivery tests' assertions: every
folder with each message's bytes and internal date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dovecot_server import DovecotServer
from imapclient import IMAPClient


def as_imap_keeps(raw: bytes) -> bytes:
    """What a server keeps of `raw` (written here, not taken from the product): CRLF line
    ends, and Dovecot's 0x80 in place of a NUL byte."""
    lines = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    return b"\r\n".join(lines).replace(b"\x00", b"\x80")


@dataclass(frozen=True)
class Stored:
    folder: str
    uid: int
    body: bytes
    internal_date: datetime
    flags: tuple[bytes, ...]


def session(server: DovecotServer, user: str) -> IMAPClient:
    client = IMAPClient(server.host, port=server.imaps_port, ssl=True,
                        ssl_context=server.ssl_context(), timeout=30)
    client.normalise_times = False
    client.login(user, server.accounts[user])
    return client


def stored(server: DovecotServer, user: str) -> list[Stored]:
    """Every message of every selectable folder of `user`."""
    client = session(server, user)
    try:
        found: list[Stored] = []
        for flags, _delimiter, name in client.list_folders():
            if b"\\Noselect" in flags:
                continue
            client.select_folder(name, readonly=True)
            uids = client.search(["ALL"])
            if not uids:
                continue
            for uid, data in client.fetch(uids, [b"BODY.PEEK[]", b"INTERNALDATE",
                                                 b"FLAGS"]).items():
                found.append(Stored(name, uid, data[b"BODY[]"], data[b"INTERNALDATE"],
                                    tuple(data[b"FLAGS"])))
        return found
    finally:
        client.logout()


def folders(server: DovecotServer, user: str) -> dict[str, tuple[bytes, ...]]:
    client = session(server, user)
    try:
        return {name: tuple(flags) for flags, _delimiter, name in client.list_folders()}
    finally:
        client.logout()
