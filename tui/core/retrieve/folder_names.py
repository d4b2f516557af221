"""Folder and file names made safe for a file system, reversibly.

A mailbox folder may be called "Re: Q1? <plans>", "Notes.", "CON", ".." or "Входящие"; none
may become a path that escapes the output directory or that Windows, macOS or Linux refuses.
`safe_name` escapes, as %XX (the UTF-8 bytes), exactly the characters that would be a problem
(/ \\ : * ? " < > | and %, control and bidirectional-override characters, a leading dot, a
trailing dot or space) and the first letter of a Windows device name (CON, NUL, COM1...);
letters of every script stay as they are. `original_name` reverses it.

Maildir++ keeps every folder as one directory named ".A.B.C" under the Maildir, with
Dovecot's conventions: names in modified UTF-7 (RFC 3501), and the characters the layout
cannot hold (. / \\ ~ and the IMAP wildcards * %) written as \\NN, the escapes of Dovecot's
listescape plugin. ASSUMPTION: the export's top folder named "Inbox" (any case) is the
Maildir's INBOX (its root), and its subfolders are INBOX's (".INBOX.Projects").

A name longer than a file system takes (255 bytes) is cut and given a short hash, which is
not reversible by itself: converters write every folder's original path beside the output
(`FOLDER_MAP`), so every name is.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import unquote_to_bytes

FOLDER_MAP = "workmail-export-folders.json"
MAX_NAME_BYTES = 255
_RESERVED = frozenset(("CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
                       *(f"LPT{n}" for n in range(1, 10))))
_HOSTILE = frozenset('/\\:*?"<>|%')
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                        "\u2028\u2029]")
_MAILDIR_HOSTILE = frozenset("./\\~*%")


def _percent(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))


def safe_name(name: str) -> str:
    """A file or directory name for `name` that every common file system takes."""
    if not name:
        return "%"  # a lone % is never produced otherwise (% itself becomes %25)
    last = len(name) - 1
    out = []
    for index, char in enumerate(name):
        if (char in _HOSTILE or _INVISIBLE.match(char) or (index == 0 and char == ".")
                or (index == last and char in ". ")):
            out.append(_percent(char))
        else:
            out.append(char)
    safe = "".join(out)
    if safe.split(".", 1)[0].upper() in _RESERVED:
        safe = _percent(safe[0]) + safe[1:]
    return _fit(safe)


def original_name(safe: str) -> str:
    """The name `safe_name` made `safe` from (for names it did not have to cut)."""
    if safe == "%":
        return ""
    return unquote_to_bytes(safe).decode("utf-8", "surrogatepass")


def _fit(name: str, suffix: str = "") -> str:
    """`name` cut to fit MAX_NAME_BYTES with `suffix` (a short hash marks the cut)."""
    if len((name + suffix).encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES:
        return name
    mark = "~" + hashlib.sha1(name.encode("utf-8", "surrogatepass"),
                              usedforsecurity=False).hexdigest()[:8]
    room = MAX_NAME_BYTES - len((mark + suffix).encode())
    return name.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore") + mark


def fit_file_name(stem: str, suffix: str) -> str:
    """`stem` + `suffix`, the stem cut (with a hash) when the whole is too long."""
    return _fit(stem, suffix) + suffix


# --- Maildir++ -------------------------------------------------------------------------------


def encode_mutf7(text: str) -> str:
    """`text` in IMAP's modified UTF-7 (RFC 3501 5.1.3)."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be", "surrogatepass")
            out.append("&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in text:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def decode_mutf7(text: str) -> str:
    """The text `encode_mutf7` made `text` from."""
    out: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char != "&":
            out.append(char)
            position += 1
            continue
        end = text.index("-", position)
        chunk = text[position + 1:end]
        if not chunk:
            out.append("&")
        else:
            padded = chunk.replace(",", "/") + "=" * (-len(chunk) % 4)
            out.append(base64.b64decode(padded).decode("utf-16-be", "surrogatepass"))
        position = end + 1
    return "".join(out)


def _listescape(text: str, first: bool) -> str:
    return "".join(f"\\{ord(char):02x}" if char in _MAILDIR_HOSTILE and (
        char != "~" or (first and index == 0)) else char for index, char in enumerate(text))


def maildir_folder(path: tuple[str, ...]) -> str:
    """The Maildir++ directory of a folder: "" for the INBOX, else ".A.B" (see above)."""
    parts = list(path)
    if parts and parts[0].lower() == "inbox":
        if len(parts) == 1:
            return ""
        parts[0] = "INBOX"
    if not parts:
        return ""
    name = "." + ".".join(_listescape(encode_mutf7(part), True) for part in parts)
    return _fit(name)


def maildir_path(directory: str) -> tuple[str, ...]:
    """The folder path a Maildir++ directory name stands for (the reverse of
    maildir_folder, for names it did not have to cut; the INBOX is ("Inbox",))."""
    if not directory:
        return ("Inbox",)
    parts = []
    for part in directory[1:].split("."):
        unescaped = re.sub(r"\\([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), part)
        parts.append(decode_mutf7(unescaped))
    return tuple(parts)
