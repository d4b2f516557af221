"""The one escaping function: no control character from data reaches a terminal, and
printable text (any language) is shown unchanged."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.safe_text import is_shown_safely, shown, shown_lines

ATTACKS = {
    "osc-title": "\x1b]0;pwned\x07",
    "clear-screen": "\x1b[2J\x1b[H",
    "cursor-up": "ok\x1b[1A\x1b[2K",
    "cr-overwrite": "FAILED\rCOMPLETED",
    "c1-csi": "\x9b31m",
    "bidi-override": "invoice\u202egpj.exe",
    "nul-and-bel": "a\x00b\x07",
}


@pytest.mark.parametrize("text", ATTACKS.values(), ids=ATTACKS.keys())
def test_terminal_sequences_are_shown_not_obeyed(text: str) -> None:
    out = shown(text)
    assert not any(unicodedata.category(c) == "Cc" for c in out)
    assert "\x1b" not in out and "\r" not in out and "\u202e" not in out
    assert is_shown_safely(out)


def test_each_escape_names_the_character() -> None:
    assert shown("\x1b]0;t\x07") == "\\x1b]0;t\\x07"
    assert shown("a\rb\nc\td") == "a\\rb\\nc\\td"
    assert shown("x\u202ey") == "x\\u202ey"


def test_lines_keep_newlines_and_escape_the_rest() -> None:
    assert shown_lines("one\r\ntwo\x1b[2J") == "one\\r\ntwo\\x1b[2J"


printable = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf")))


@given(printable)
def test_printable_text_is_unchanged(text: str) -> None:
    assert shown(text) == text


@given(st.text())
def test_no_control_character_survives(text: str) -> None:
    out = shown(text)
    assert not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in out)
    assert is_shown_safely(out)


@given(st.text())
def test_lines_hold_no_control_character_but_newline(text: str) -> None:
    out = shown_lines(text)
    assert not any(unicodedata.category(c) == "Cc" for c in out.replace("\n", ""))
