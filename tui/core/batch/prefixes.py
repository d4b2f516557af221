"""The per-mailbox S3 prefix scheme: one folder per mailbox, reversibly encoded.

S3Prefix allows only `A-Z a-z 0-9 ! _ . * ' ( ) / -`. An email such as
`ana+news@example.com` has to become a folder name made of those characters, and a person
must be able to read the email back from the folder (two mailboxes never share one). Every
character other than letters, digits and `_ . * ' ( ) -` is written as `!` followed by two
upper-case hex digits per UTF-8 byte, so `@` becomes `!40`, `+` becomes `!2B`, `/` becomes
`!2F` and `!` itself becomes `!21`. (The tests decode it back.)
"""

from __future__ import annotations

import string

ESCAPE = "!"
_KEPT = frozenset(string.ascii_letters + string.digits + "_.*'()-")


def encode(text: str) -> str:
    """`text` as a single folder name of S3Prefix-safe characters (reversibly: `!XX` bytes)."""
    out: list[str] = []
    for char in text:
        if char in _KEPT:
            out.append(char)
        else:
            out.extend(f"{ESCAPE}{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def normalize_base(base_prefix: str) -> str:
    """The base prefix with exactly one trailing '/', or '' for no base."""
    base = base_prefix.strip().strip("/")
    return f"{base}/" if base else ""


def mailbox_prefix(base_prefix: str, mailbox_label: str) -> str:
    """The S3 prefix of one mailbox's export: `<base>/<encoded label>/`."""
    return f"{normalize_base(base_prefix)}{encode(mailbox_label)}/"
