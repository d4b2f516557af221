"""Endpoint URLs shown without their credentials: the one function every place that shows an
endpoint (an error message, the equivalent AWS CLI command, a refused flag) uses.

An endpoint given as `http://user:password@proxy:8080` keeps working for the calls, but
wherever it is written for a person (or a log, or a JSON document) it reads
`http://***@proxy:8080`.
"""

from __future__ import annotations

import re

# scheme://userinfo@ — userinfo runs to the last @ before the host (a password may hold an
# unescaped @), never past the first /, ?, # or whitespace.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s@]*(?:@[^/?#\s@]*)*@")


def masked_url(text: str) -> str:
    """`text` with the user name and password of every URL in it written as `***`."""
    return _USERINFO.sub(r"\g<scheme>***@", text)
