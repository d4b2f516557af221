"""Where each export folder goes on the destination server.

The export's folder names are WorkMail's (Exchange-like: "Inbox", "Sent Items", "Deleted
Items", "Junk Email"). ASSUMPTION: WorkMail's export layout is not documented; these names
are the ones WorkMail shows its users, and a folder whose name is not recognised is simply
created under its own name, so a wrong guess costs a folder name, never a message.

Rules, in order:
1. A folder map (`--folder-map`) wins: the longest mapped export path that the folder starts
   with is replaced by its server path ("Inbox/Old" -> "Archive/Old" also moves
   "Inbox/Old/2019").
2. A well-known top folder goes to the server's folder of that role: INBOX, and the RFC 6154
   special-use folders (\\Sent, \\Drafts, \\Trash, \\Junk, \\Archive) where the server marks
   one; otherwise it keeps its name.
3. Every name is joined with the server's hierarchy delimiter under its personal namespace
   prefix; a delimiter inside a name is written as its full-width twin ("a/b" -> "a\uff0fb"), so
   the name is not split. Non-ASCII names stay text here: imapclient encodes them as
   modified UTF-7 on the wire.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

INBOX = "INBOX"
# Export folder name (lower case) -> the RFC 6154 flag of the server folder it maps to.
WELL_KNOWN: dict[str, str] = {
    "sent items": "\\Sent", "sent": "\\Sent", "sent messages": "\\Sent",
    "drafts": "\\Drafts",
    "deleted items": "\\Trash", "trash": "\\Trash", "deleted messages": "\\Trash",
    "junk email": "\\Junk", "junk e-mail": "\\Junk", "junk": "\\Junk", "spam": "\\Junk",
    "archive": "\\Archive",
}
_FULL_WIDTH = {"/": "\uff0f", ".": "\uff0e", "\\": "\uff3c"}
UNNAMED = "(no name)"


@dataclass(frozen=True)
class ServerFolders:
    """What the server said about its folders: the hierarchy delimiter, the personal
    namespace prefix ("" on most servers, "INBOX." on some), the folder holding each
    special-use flag, and every folder that exists."""

    delimiter: str = "/"
    prefix: str = ""
    special: dict[str, str] = field(default_factory=dict)
    existing: frozenset[str] = frozenset()


def server_folders(listing: Iterable[tuple[Sequence[bytes | str], bytes | str | None, str]],
                   prefix: str = "") -> ServerFolders:
    """ServerFolders from an IMAP LIST answer (flags, delimiter, name), as imapclient gives
    it; the delimiter is the one the server reports most (servers report one)."""
    special: dict[str, str] = {}
    existing: set[str] = set()
    delimiters: dict[str, int] = {}
    for flags, delimiter, name in listing:
        existing.add(name)
        if delimiter:
            text = delimiter.decode() if isinstance(delimiter, bytes) else delimiter
            delimiters[text] = delimiters.get(text, 0) + 1
        for flag in flags:
            flag_text = flag.decode() if isinstance(flag, bytes) else flag
            if flag_text.lower() in {value.lower() for value in WELL_KNOWN.values()}:
                special.setdefault(_canonical_flag(flag_text), name)
    delimiter = max(delimiters, key=lambda key: delimiters[key]) if delimiters else "/"
    return ServerFolders(delimiter, prefix, special, frozenset(existing))


def _canonical_flag(flag: str) -> str:
    return next(value for value in WELL_KNOWN.values() if value.lower() == flag.lower())


def safe_name(name: str, delimiter: str) -> str:
    """One folder name as the server can hold it: the delimiter replaced by its full-width
    twin, no leading or trailing spaces, never empty."""
    name = name.strip()
    if delimiter:
        name = name.replace(delimiter, _FULL_WIDTH.get(delimiter, "_"))
    return name or UNNAMED


def destination(path: Sequence[str], server: ServerFolders,
                folder_map: dict[str, str] | None = None) -> str:
    """The server folder (text, not yet UTF-7) for the export folder `path`. Folder-map
    values are written with "/" between levels, whatever the server's delimiter."""
    safe = [safe_name(name, server.delimiter) for name in path]
    mapped = _mapped(path, folder_map or {})
    if mapped is not None:
        head, length = mapped
        return _under_prefix(_joined([*head, *safe[length:]], server), server)
    if not path:
        return INBOX
    top = path[0].strip().lower()
    if top == "inbox":
        return _joined([INBOX, *safe[1:]], server)
    flag = WELL_KNOWN.get(top)
    if flag and flag in server.special:
        return _joined([server.special[flag], *safe[1:]], server)
    return _under_prefix(_joined(safe, server), server)


def _mapped(path: Sequence[str], folder_map: dict[str, str]) -> tuple[list[str], int] | None:
    """The longest folder-map entry covering `path`: (its server levels, how many export
    levels it replaces)."""
    for length in range(len(path), 0, -1):
        key = "/".join(name.strip() for name in path[:length])
        if key in folder_map:
            return [level for level in folder_map[key].split("/") if level], length
    return None


def _joined(parts: Sequence[str], server: ServerFolders) -> str:
    return (server.delimiter or "_").join(parts) if parts else INBOX


def _under_prefix(folder: str, server: ServerFolders) -> str:
    """`folder` inside the personal namespace (INBOX and names already in it stay)."""
    if not server.prefix or folder == INBOX or folder.startswith(server.prefix):
        return folder
    return server.prefix + folder


def parents(folder: str, delimiter: str) -> list[str]:
    """Every ancestor of `folder`, outermost first ("A/B/C" -> ["A", "A/B"])."""
    if not delimiter:
        return []
    pieces = folder.split(delimiter)
    return [delimiter.join(pieces[:end]) for end in range(1, len(pieces))]
