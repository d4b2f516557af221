"""Properties that hold for any input: mboxrd quoting round-trips whatever the chunking and
reads back through Python's `mailbox`; any bytes as a zip entry (any name too) never crash
inspect or convert, and nothing is written outside the target; folder names made safe are
safe and come back unchanged."""

from __future__ import annotations

import io
import mailbox
import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.retrieve.convert import FORMATS, convert_zip
from tui.core.retrieve.folder_names import (
    MAX_NAME_BYTES,
    decode_mutf7,
    encode_mutf7,
    maildir_folder,
    maildir_path,
    original_name,
    safe_name,
)
from tui.core.retrieve.inspect import inspect_zip
from tui.core.retrieve.mbox_writer import MboxrdQuoter, MboxWriter, unquote_mboxrd
from tui.core.retrieve.model import ItemKind
from tui.core.retrieve.zip_reader import ExportEntry

# Bytes rich in what matters to mbox: line ends, '>' runs and "From ".
mail_bytes = st.lists(st.sampled_from([b"From ", b">", b">>From ", b"\n", b"\r\n", b"From",
                                       b"x", b" ", b"F", b"rom "]) | st.binary(max_size=8),
                      max_size=40).map(b"".join)


# Messages: a header block with arbitrary values (Date, Return-Path, Content-Type...) and
# arbitrary bytes after it.
header_values = st.binary(max_size=40).map(lambda raw: raw.replace(b"\n", b" "))
messages = st.builds(
    lambda date, sender, kind, body: (b"Return-Path: " + sender + b"\r\nFrom: " + sender +
                                      b"\nDate: " + date + b"\nContent-Type: " + kind +
                                      b"\n\n" + body),
    header_values, header_values, header_values, mail_bytes | st.binary(max_size=200))


def quoted_at_once(data: bytes) -> bytes:
    return re.sub(rb"^(>*From )", rb">\1", data, flags=re.MULTILINE)


@given(mail_bytes, st.lists(st.integers(min_value=1, max_value=7), max_size=20))
def test_mboxrd_quoting_is_the_same_in_any_chunks_and_round_trips(data: bytes,
                                                                  cuts: list[int]) -> None:
    quoter = MboxrdQuoter()
    out, position = [], 0
    for cut in cuts:
        out.append(quoter.feed(data[position:position + cut]))
        position += cut
    out.append(quoter.feed(data[position:]))
    out.append(quoter.finish())
    quoted = b"".join(out)
    assert quoted == quoted_at_once(data)
    assert unquote_mboxrd(quoted) == data
    assert not re.search(rb"(^|\n)From ", quoted)  # no line of it starts a new message


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(mail_bytes | messages, min_size=1, max_size=5))
def test_mbox_messages_read_back_through_pythons_mailbox(messages: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        writer = MboxWriter(Path(directory))
        writer.folder(("Inbox",))
        for number, message in enumerate(messages):
            entry = ExportEntry(f"Inbox/{number}", ("Inbox",), str(number), len(message),
                                ItemKind.MESSAGE)
            writer.add(entry, io.BytesIO(message))
        box = mailbox.mbox(Path(directory) / "Inbox.mbox", create=False)
        got = [unquote_mboxrd(box.get_bytes(key)) for key in box.iterkeys()]
        box.close()
    assert got == [m if m.endswith(b"\n") else m + b"\n" for m in messages]


# Any name zipfile can write (it cuts a name at NUL, and cannot write an empty one).
entry_names = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                             blacklist_characters="\x00"),
                      min_size=1, max_size=30)


@pytest.mark.filterwarnings("ignore:Duplicate name")  # a zip may repeat a name
@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(entry_names, messages | st.binary(max_size=300) | mail_bytes),
                min_size=1, max_size=6))
def test_any_entries_never_crash_inspect_or_convert(entries: list[tuple[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        raw = io.BytesIO()
        with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, body in entries:
                archive.writestr(name, body)
        path = root / "any.zip"
        path.write_bytes(raw.getvalue())
        inspection = inspect_zip(path)
        for format in FORMATS:
            target = root / "out" / format
            summary = convert_zip(path, target, format)
            assert summary.messages == inspection.messages
        outside = {p.relative_to(root).parts[0] for p in root.rglob("*")}
        assert outside == {"any.zip", "out"}  # nothing escaped the target


@given(st.text(max_size=80))
def test_safe_names_are_safe_and_reversible(name: str) -> None:
    safe = safe_name(name)
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert safe not in (".", "..", "")
    assert not re.search(r'[:*?"<>|]', safe)
    assert len(safe.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES
    assert not safe.endswith((".", " "))
    if len(name.encode("utf-8", "surrogatepass")) * 3 <= MAX_NAME_BYTES:
        assert original_name(safe) == name


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_modified_utf7_round_trips_in_printable_ascii(text: str) -> None:
    encoded = encode_mutf7(text)
    assert all(" " <= char <= "~" for char in encoded)
    assert decode_mutf7(encoded) == text


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1,
                        max_size=12), min_size=1, max_size=4))
def test_maildir_folder_names_round_trip(path: list[str]) -> None:
    if path[0].lower() == "inbox":
        path[0] = "x" + path[0]
    name = maildir_folder(tuple(path))
    assert name.startswith(".") and "/" not in name
    assert maildir_path(name) == tuple(path)
