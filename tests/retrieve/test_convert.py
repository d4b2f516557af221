"""Inspect and convert the simulator's exports, every layout into every format, and read the
result back with Python's own `mailbox` module: counts equal the log's, and each message's
bytes equal its zip entry's."""

from __future__ import annotations

import io
import json
import mailbox
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from export_kit import Completed

from tui.core.model import CoreError
from tui.core.retrieve.convert import CALENDAR_DIRECTORY, convert_zip
from tui.core.retrieve.folder_names import FOLDER_MAP, maildir_folder
from tui.core.retrieve.inspect import inspect_zip
from tui.core.retrieve.mbox_writer import mbox_file, unquote_mboxrd
from tui.core.retrieve.model import ItemKind
from tui.core.retrieve.transfer import TransferOptions, download
from tui.core.retrieve.verify import verify_job
from tui.core.retrieve.zip_reader import ExportZip
from tui.core.session import Aws
from tui.sim import SimulatedAws

LAYOUTS = ["folders", "nested"]


def downloaded(aws: Aws, completed: Completed, directory: Path, layout: str) -> Path:
    verification = verify_job(aws, completed(layout=layout))
    assert verification.location and verification.object
    result = download(aws, verification.location, verification.object, verification.log,
                      directory / "export.zip", TransferOptions())
    return Path(result.path)


def messages_by_folder(path: Path) -> dict[tuple[str, ...], list[bytes]]:
    """The zip's messages, read with the product's reader (their bytes as zipfile gives)."""
    found: dict[tuple[str, ...], list[bytes]] = {}
    with ExportZip.open(path) as export:
        for entry in export.messages():
            found.setdefault(entry.folder, []).append(export.archive.read(entry.info))
    return found


@pytest.mark.parametrize("layout", LAYOUTS)
def test_inspect_matches_the_log_in_every_layout(sim: SimulatedAws, aws: Aws,
                                                 completed: Completed, tmp_path: Path,
                                                 layout: str) -> None:
    path = downloaded(aws, completed, tmp_path, layout)
    inspection = inspect_zip(path)
    written = next(iter(sim.exports.written.values()))
    assert inspection.log is not None  # the log the download saved beside the zip
    assert inspection.matches_log is True
    assert inspection.messages == written.messages
    assert len(inspection.calendar_items) == 1
    assert len(inspection.others) == 3
    names = {"/".join(folder.path) for folder in inspection.folders}
    assert {"Inbox", "Inbox/Projects/2026", "Входящие/Работа", "受信トレイ",
            "Re: Q1? <plans> | *final*"} <= names
    assert ("Deleted Items" in names) == (layout == "folders")  # empty: only a dir entry shows it


@pytest.mark.parametrize("layout", LAYOUTS)
def test_mbox_reads_back_with_pythons_mailbox_byte_for_byte(
        aws: Aws, completed: Completed, tmp_path: Path, layout: str) -> None:
    path = downloaded(aws, completed, tmp_path, layout)
    summary = convert_zip(path, tmp_path / "mbox", "mbox")
    assert summary.messages == summary.log_messages
    expected = messages_by_folder(path)
    read_back = 0
    for folder, originals in expected.items():
        box = mailbox.mbox(mbox_file(tmp_path / "mbox", folder), create=False)
        got = [unquote_mboxrd(box.get_bytes(key)) for key in box.iterkeys()]
        # mbox ends every message with a line break; one message of the export has none
        assert got == [o if o.endswith(b"\n") else o + b"\n" for o in originals], folder
        read_back += len(got)
    assert read_back == summary.messages
    assert summary.final_newlines_added == 1


def test_mbox_from_lines_carry_the_sender_and_the_messages_date(
        aws: Aws, completed: Completed, tmp_path: Path) -> None:
    path = downloaded(aws, completed, tmp_path, "folders")
    convert_zip(path, tmp_path / "mbox", "mbox")
    box = mailbox.mbox(mbox_file(tmp_path / "mbox", ("Inbox",)), create=False)
    first = box[box.keys()[0]]
    sender, _, date = first.get_from().partition(" ")
    assert sender.endswith("@example.net")
    assert date.endswith(first["Date"].split()[3])  # the year of its Date header


@pytest.mark.parametrize("layout", LAYOUTS)
def test_maildir_reads_back_with_pythons_mailbox(aws: Aws, completed: Completed,
                                                 tmp_path: Path, layout: str) -> None:
    path = downloaded(aws, completed, tmp_path, layout)
    summary = convert_zip(path, tmp_path / "maildir", "maildir")
    assert summary.messages == summary.log_messages
    root = mailbox.Maildir(tmp_path / "maildir", factory=None, create=False)
    for folder, originals in messages_by_folder(path).items():
        name = maildir_folder(folder)
        box = root.get_folder(name[1:]) if name else root
        got = sorted(box.get_bytes(key) for key in box.iterkeys())
        assert got == sorted(originals), folder
    listed = set(root.list_folders())
    assert {"INBOX.Projects.2026", "Sent Items", "Archiv.&ANw-berweisungen 2025"} <= listed


@pytest.mark.parametrize("layout", LAYOUTS)
def test_eml_tree_holds_every_message_as_it_was(aws: Aws, completed: Completed,
                                                tmp_path: Path, layout: str) -> None:
    path = downloaded(aws, completed, tmp_path, layout)
    target = tmp_path / "eml"
    summary = convert_zip(path, target, "eml")
    files = [p for p in target.rglob("*.eml")]
    assert len(files) == summary.messages == summary.log_messages
    written = Counter(p.read_bytes() for p in files)
    originals = Counter(m for ms in messages_by_folder(path).values() for m in ms)
    assert written == originals
    folders = json.loads((target / FOLDER_MAP).read_text(encoding="utf-8"))
    assert ["Re: Q1? <plans> | *final*"] in folders.values()
    # the iCalendar file of one layout is copied; the other's invitation is a message
    assert (target / CALENDAR_DIRECTORY).is_dir() == (layout == "folders")


def test_convert_never_writes_among_other_files(aws: Aws, completed: Completed,
                                                tmp_path: Path) -> None:
    path = downloaded(aws, completed, tmp_path, "folders")
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "mine.txt").write_text("keep me")
    with pytest.raises(CoreError) as refused:
        convert_zip(path, occupied, "mbox")
    assert refused.value.problem.code == "TargetNotEmpty"
    assert [p.name for p in occupied.iterdir()] == ["mine.txt"]


def test_a_damaged_entry_is_skipped_with_its_reason_and_the_rest_converts(
        tmp_path: Path) -> None:
    good = b"From: a@example.net\nSubject: fine\n\nbody\n"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Inbox/1.eml", good)
        archive.writestr("Inbox/2.eml", b"From: b@example.net\nSubject: broken\n\n" + b"x" * 5000)
    data = bytearray(raw.getvalue())
    broken = data.find(b"Inbox/2.eml") + len("Inbox/2.eml") + 10  # inside its compressed data
    data[broken:broken + 40] = bytes(40)
    path = tmp_path / "damaged.zip"
    path.write_bytes(bytes(data))
    summary = convert_zip(path, tmp_path / "out", "mbox")
    assert summary.messages == 1
    assert [s.name for s in summary.skipped] == ["Inbox/2.eml"]
    assert "could not be read" in summary.skipped[0].reason
    box = mailbox.mbox(tmp_path / "out" / "Inbox.mbox", create=False)
    assert [box.get_bytes(k) for k in box.iterkeys()] == [good]


def test_entries_are_judged_by_content_not_by_name(tmp_path: Path) -> None:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        archive.writestr("a/no-extension", b"Received: from x\nFrom: a@b\n\nhi\n")
        archive.writestr("a/letter.eml", b"Dear Sir,\nthis is no message.\n")
        archive.writestr("a/settings.eml", b"Colour: blue\nSize: 12\n\n")
        archive.writestr("a/meeting.txt", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        archive.writestr("../outside/evil.eml", b"From: x@y\n\nescape attempt\n")
    path = tmp_path / "mixed.zip"
    path.write_bytes(raw.getvalue())
    with ExportZip.open(path) as export:
        kinds = {entry.name: entry.kind for entry in export.entries()}
    assert kinds == {"a/no-extension": ItemKind.MESSAGE, "a/letter.eml": ItemKind.OTHER,
                     "a/settings.eml": ItemKind.OTHER, "a/meeting.txt": ItemKind.CALENDAR,
                     "../outside/evil.eml": ItemKind.MESSAGE}
    out = tmp_path / "out"
    convert_zip(path, out, "eml")
    assert not (tmp_path / "outside").exists()  # ".." is a folder name, made safe
    assert (out / "%2E%2E" / "outside" / "evil.eml").is_file()


def test_a_file_that_is_not_a_zip_is_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(b"PK\x03\x04 but then nothing")
    with pytest.raises(CoreError) as refused:
        inspect_zip(path)
    assert refused.value.problem.code == "NotAZip"
    assert "not a zip file or is damaged" in refused.value.problem.message
