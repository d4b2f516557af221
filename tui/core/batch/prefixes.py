"""The per-mailbox S3 prefix scheme: one folder per mailbox, reversibly encoded.

S3Prefix allows only `A-Z a-z 0-9 ! _ . * ' ( ) / -`. An email such as
`ana+news@example.com` has to become a folder name made of those characters, and it must be
possible to get the email back from the folder. Every character other than letters, digits
and `_ . * ' ( ) -` is written as `!` followed by two upper-case hex digits per UTF-8 byte,
so `@` becomes `!40`, `+` becomes `!2B`, `/` becomes `!2F` and `!` itself becomes `!21`.
"""

from __future__ import annotations

import re
import string

ESCAPE = "!"
_KEPT = frozenset(string.ascii_letters + string.digits + "_.*'()-")
_ESCAPED_BYTE = re.compile(r"!([0-9A-F]{2})")


def encode(text: str) -> str:
    """`text` as a single folder name of S3Prefix-safe characters (reversible with decode)."""
    out: list[str] = []
    for char in text:
        if char in _KEPT:
            out.append(char)
        else:
            out.extend(f"{ESCAPE}{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def decode(folder: str) -> str:
    """The text that `encode` turned into `folder`; raises ValueError on a malformed escape."""
    raw = bytearray()
    position = 0
    while position < len(folder):
        char = folder[position]
        if char != ESCAPE:
            if char not in _KEPT:
                raise ValueError(f"{char!r} at position {position} is not part of an encoded name")
            raw.extend(char.encode("ascii"))
            position += 1
            continue
        match = _ESCAPED_BYTE.match(folder, position)
        if not match:
            raise ValueError(f"'!' at position {position} is not followed by two hex digits")
        raw.append(int(match.group(1), 16))
        position = match.end()
    return raw.decode("utf-8")


def normalize_base(base_prefix: str) -> str:
    """The base prefix with exactly one trailing '/', or '' for no base."""
    base = base_prefix.strip().strip("/")
    return f"{base}/" if base else ""


def mailbox_prefix(base_prefix: str, mailbox_label: str) -> str:
    """The S3 prefix of one mailbox's export: `<base>/<encoded label>/`."""
    return f"{normalize_base(base_prefix)}{encode(mailbox_label)}/"


def mailbox_label_of(prefix: str, base_prefix: str) -> str:
    """The mailbox label (usually the email) encoded in a prefix made by `mailbox_prefix`."""
    base = normalize_base(base_prefix)
    if not prefix.startswith(base):
        raise ValueError(f"{prefix!r} does not start with the base prefix {base!r}")
    return decode(prefix[len(base):].rstrip("/"))
