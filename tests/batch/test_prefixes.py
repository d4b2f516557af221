"""The per-mailbox prefix scheme and the run's deterministic tokens."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tui.core.batch.prefixes import encode, mailbox_prefix
from tui.core.batch.tokens import client_token, parse_tag, tagged_description
from tui.core.fields import check_field
from tui.core.model import Field

EMAILS = st.emails()
ANY_TEXT = st.text(min_size=1, max_size=120)


def decode(folder: str) -> str:
    """How a person reads a folder back: each `!XX` is one UTF-8 byte, anything else itself."""
    raw = re.sub(rb"!([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]),
                 folder.encode("ascii"))
    return raw.decode("utf-8")


@given(st.one_of(EMAILS, ANY_TEXT))
def test_encoding_round_trips_and_is_always_an_allowed_prefix(text: str) -> None:
    folder = encode(text)
    assert decode(folder) == text
    assert re.fullmatch(r"(?:[A-Za-z0-9_.*'()-]|![0-9A-F]{2})*", folder)
    assert check_field(Field.PREFIX, folder) is None
    assert "/" not in folder  # one folder per mailbox, whatever the name holds
    prefix = mailbox_prefix("exports", text)
    assert check_field(Field.PREFIX, prefix) is None
    assert prefix == f"exports/{folder}/"


@given(st.lists(st.one_of(EMAILS, ANY_TEXT), min_size=2, max_size=5, unique=True))
def test_different_names_never_share_a_folder(names: list[str]) -> None:
    assert len({encode(name) for name in names}) == len(names)


def test_an_email_becomes_a_readable_folder() -> None:
    assert encode("ana+news@example.com") == "ana!2Bnews!40example.com"
    assert encode("wow!") == "wow!21"
    assert encode("café") == "caf!C3!A9"
    assert mailbox_prefix("/exports/2027/", "bob@example.com") == \
        "exports/2027/bob!40example.com/"
    assert mailbox_prefix("", "bob@example.com") == "bob!40example.com/"


def test_client_token_is_deterministic_printable_and_short() -> None:
    long_id = "S-1-1-11-" + "9" * 240
    token = client_token("r0123456789ab", long_id, 3)
    assert token == client_token("r0123456789ab", long_id, 3)
    assert token != client_token("r0123456789ab", long_id, 2)
    assert token != client_token("r0123456789ac", long_id, 3)
    assert len(token) <= 128 and re.fullmatch(r"[\x21-\x7e]+", token)


def test_description_tag_names_run_and_attempt_and_fits() -> None:
    text = tagged_description("x" * 2000, "rabc123", 2)
    assert len(text) <= 1023
    assert parse_tag(text) == ("rabc123", 2)
    assert parse_tag("end-of-support export") is None
    assert tagged_description("", "rabc123", 1) == "[wmx-batch rabc123#1]"
