"""Text from outside the program, made safe to show: the one escaping function.

Anything that came from AWS (a job's Description, an error message, a tag), a file (a list
of mailboxes, a zip entry's name) or the user may hold control characters: ESC starts
terminal sequences that retitle the window, clear the screen or move the cursor; CR lets a
line overwrite what was printed before it; BEL rings. `shown(text)` writes each such
character as a visible escape (`\\x1b`, `\\r`, `\\u202e`), so the person sees the data and the
terminal obeys none of it. Printable text, including every non-ASCII letter, is unchanged.

Faces call it for every string from outside before it reaches a terminal; the Textual face
also escapes markup on top (`tui.app.kit.safe_markup`). `--json` output needs neither: JSON
escapes control characters itself.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls; the Unicode bidirectional overrides and isolates, which
# reorder what the eye reads (a "Trojan Source" filename); line and paragraph separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object) -> str:
    """`text` as one line a terminal prints literally: every control character (newline and
    tab too) written as a visible escape."""
    return _UNSAFE.sub(_escape, str(text))


def shown_lines(text: object) -> str:
    """Like `shown`, but newlines are kept (for multi-line text such as an error message or
    a policy document); every other control character, CR included, is escaped."""
    return "\n".join(shown(line) for line in str(text).split("\n"))


def is_shown_safely(text: str) -> bool:
    """Whether `text` holds no character that `shown` would escape."""
    return _UNSAFE.search(text) is None
