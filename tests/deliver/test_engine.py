"""The delivery engine against a real Dovecot: folders, bytes, dates, exactly once."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest
from dovecot_server import DovecotServer
from mailstore import as_imap_keeps, folders, session, stored
from messages import eml, mailbox, source

from tui.core.deliver.engine import Delivery, message_date
from tui.core.deliver.model import (
    Auth,
    DeliveryError,
    DeliveryOptions,
    ImapTarget,
    Outcome,
    Security,
)
from tui.core.deliver.record import DeliveryRecord

ALICE = "alice@new.example"


def target(server: DovecotServer, user: str = ALICE, **changes: object) -> ImapTarget:
    values: dict[str, object] = {"host": server.host, "user": user,
                                 "port": server.imaps_port, "ca_file": str(server.ca_file),
                                 "timeout": 10.0}
    values.update(changes)
    return ImapTarget(**values)  # type: ignore[arg-type]


def deliver(server: DovecotServer, messages: list, tmp_path: Path, user: str = ALICE,
            options: DeliveryOptions | None = None, source_id: str = "job-1"):
    with DeliveryRecord.open(tmp_path / "deliveries.sqlite3") as record:
        delivery = Delivery(target(server, user), server.accounts[user], record, options)
        return delivery.run(messages, source_id, expected=len(messages))


def digests(items: list) -> Counter[str]:
    return Counter(hashlib.sha256(item.body).hexdigest() for item in items)


def test_every_message_lands_in_its_folder_with_its_bytes_and_date(
        dovecot: DovecotServer, tmp_path: Path) -> None:
    messages = mailbox()
    report = deliver(dovecot, messages, tmp_path)

    assert report.count(Outcome.APPENDED) == len(messages) and report.complete
    held = stored(dovecot, ALICE)
    by_folder = Counter(item.folder for item in held)
    assert by_folder == {"INBOX": 4, "INBOX/Projects": 2, "Sent": 2, "Trash": 1,
                         "Junk": 1, "Archiv Ünïcödé/Überträge": 2,
                         "Reports 2024\uff0f25": 1}
    assert digests(held) == Counter(hashlib.sha256(as_imap_keeps(m.read())).hexdigest()
                                    for m in messages)
    for item in held:
        assert item.internal_date == message_date(item.body)
    assert b"\\Noselect" not in folders(dovecot, ALICE)["Archiv Ünïcödé/Überträge"]


def test_bare_lf_lines_arrive_as_crlf(dovecot: DovecotServer, tmp_path: Path) -> None:
    data = eml(1, line_end=b"\n")
    deliver(dovecot, [source("lf.eml", ("Inbox",), data)], tmp_path)
    (item,) = stored(dovecot, ALICE)
    assert item.body == data.replace(b"\n", b"\r\n")


def test_a_second_run_appends_nothing(dovecot: DovecotServer, tmp_path: Path) -> None:
    messages = mailbox()
    deliver(dovecot, messages, tmp_path)
    again = deliver(dovecot, messages, tmp_path)

    assert again.count(Outcome.DELIVERED_BEFORE) == len(messages)
    assert again.count(Outcome.APPENDED) == 0
    assert len(stored(dovecot, ALICE)) == len(messages)


def test_an_existing_folder_of_the_same_name_is_used_and_kept(
        dovecot: DovecotServer, tmp_path: Path) -> None:
    client = session(dovecot, ALICE)
    client.create_folder("INBOX/Projects")
    client.append("INBOX/Projects", eml(900, "already there"))
    client.logout()

    deliver(dovecot, [m for m in mailbox() if m.folder == ("Inbox", "Projects")], tmp_path)
    subjects = sorted(item.body.split(b"Subject: ")[1].split(b"\r\n")[0]
                      for item in stored(dovecot, ALICE) if item.folder == "INBOX/Projects")
    assert subjects == [b"already there", b"message 4", b"message 5"]


def test_message_id_check_skips_mail_another_tool_copied(
        dovecot: DovecotServer, tmp_path: Path) -> None:
    client = session(dovecot, ALICE)
    client.append("INBOX", eml(1, "copied by imapsync, headers rewritten"))
    client.logout()
    messages = [source("a.eml", ("Inbox",), eml(1)), source("b.eml", ("Inbox",), eml(2))]

    report = deliver(dovecot, messages, tmp_path,
                     options=DeliveryOptions(check_message_id=True))
    assert report.count(Outcome.ALREADY_PRESENT) == 1
    assert report.count(Outcome.APPENDED) == 1
    assert len(stored(dovecot, ALICE)) == 2


def test_two_messages_sharing_a_message_id_are_both_delivered(
        dovecot: DovecotServer, tmp_path: Path) -> None:
    messages = [source("a.eml", ("Inbox",), eml(1, "first", message_id="<same@x>")),
                source("b.eml", ("Inbox",), eml(2, "second", message_id="<same@x>"))]
    report = deliver(dovecot, messages, tmp_path,
                     options=DeliveryOptions(check_message_id=True))
    assert report.count(Outcome.APPENDED) == 2
    assert len(stored(dovecot, ALICE)) == 2


def test_a_20_mb_message_is_delivered_whole(dovecot: DovecotServer, tmp_path: Path) -> None:
    line = b"x" * 998 + b"\r\n"
    data = eml(1, "large attachment", body=line * (20 * 1024 * 1024 // len(line)))
    deliver(dovecot, [source("big.eml", ("Inbox",), data)], tmp_path)
    (item,) = stored(dovecot, ALICE)
    assert len(item.body) == len(data) and item.body == data


def test_a_message_over_the_limit_is_listed_not_dropped(
        dovecot: DovecotServer, tmp_path: Path) -> None:
    small, large = eml(1), eml(2, body=b"y" * 5000 + b"\r\n")
    report = deliver(dovecot, [source("s.eml", ("Inbox",), small),
                               source("l.eml", ("Inbox",), large)], tmp_path,
                     options=DeliveryOptions(max_size=4000))
    assert [(e.key, e.outcome) for e in report.not_delivered] == [("l.eml", Outcome.TOO_LARGE)]
    assert "at most 4,000" in report.not_delivered[0].detail
    assert not report.complete
    assert len(stored(dovecot, ALICE)) == 1


def test_a_dry_run_changes_nothing(dovecot: DovecotServer, tmp_path: Path) -> None:
    report = deliver(dovecot, mailbox(), tmp_path, options=DeliveryOptions(dry_run=True))
    assert report.count(Outcome.WOULD_APPEND) == len(mailbox())
    assert stored(dovecot, ALICE) == []
    assert "Archiv Ünïcödé" not in folders(dovecot, ALICE)


def test_a_refused_login_is_a_sentence(dovecot: DovecotServer, tmp_path: Path) -> None:
    with DeliveryRecord.open(tmp_path / "d.sqlite3") as record, \
            pytest.raises(DeliveryError) as caught:
        Delivery(target(dovecot), "wrong", record).run(mailbox(), "job-1")
    assert caught.value.problem.code == "ImapLoginRefused"
    assert "refused the login of alice@new.example" in caught.value.problem.message
    assert "app password" in caught.value.problem.hint


def test_an_untrusted_certificate_is_a_sentence(dovecot: DovecotServer,
                                                tmp_path: Path) -> None:
    with DeliveryRecord.open(tmp_path / "d.sqlite3") as record, \
            pytest.raises(DeliveryError) as caught:
        Delivery(target(dovecot, ca_file=None), "x", record).run(mailbox(), "job-1")
    assert caught.value.problem.code == "ImapCertificateNotTrusted"
    assert "--ca-file" in caught.value.problem.hint


def test_starttls_on_the_plain_port(dovecot: DovecotServer, tmp_path: Path) -> None:
    with DeliveryRecord.open(tmp_path / "d.sqlite3") as record:
        report = Delivery(target(dovecot, port=dovecot.imap_port, security=Security.STARTTLS),
                          dovecot.accounts[ALICE], record).run(mailbox()[:2], "job-1")
    assert report.count(Outcome.APPENDED) == 2


def test_dropped_connections_are_resumed_without_duplicates(
        dovecot: DovecotServer, tmp_path: Path) -> None:
    from flaky_proxy import FlakyProxy

    messages = [source(f"{n:03d}.eml", (("Inbox",), ("Sent Items",), ("Ärchiv",))[n % 3],
                       eml(n, body=b"z" * (n * 97 % 6000) + b"\r\n")) for n in range(80)]
    with FlakyProxy((dovecot.host, dovecot.imaps_port), cut_after=(6_000, 40_000)) as proxy, \
            DeliveryRecord.open(tmp_path / "d.sqlite3") as record:
        delivery = Delivery(target(dovecot, port=proxy.port), dovecot.accounts[ALICE], record,
                            DeliveryOptions(retries=30), sleep=lambda seconds: None)
        report = delivery.run(messages, "job-1", expected=len(messages))
    assert proxy.cuts >= 10  # the delivery really went through many dropped sessions
    assert report.complete
    expected = Counter(hashlib.sha256(as_imap_keeps(m.read())).hexdigest() for m in messages)
    assert digests(stored(dovecot, ALICE)) == expected


def test_xoauth2_logs_in_with_an_access_token(tmp_path: Path) -> None:
    from dovecot_server import start_dovecot
    from token_info import TokenInfo

    with TokenInfo({"token-for-alice": ALICE}) as provider, \
            start_dovecot(tokeninfo_url=provider.url) as server, \
            DeliveryRecord.open(tmp_path / "d.sqlite3") as record:
        report = Delivery(target(server, auth=Auth.XOAUTH2), "token-for-alice",
                          record).run(mailbox()[:3], "job-1")
        with pytest.raises(DeliveryError) as refused:
            Delivery(target(server, auth=Auth.XOAUTH2), "stolen-token",
                     record).run(mailbox()[:3], "job-2")
        assert report.count(Outcome.APPENDED) == 3
        assert provider.asked[:1] == ["token-for-alice"]
        assert refused.value.problem.code == "ImapLoginRefused"
        assert "OAuth 2 access token" in refused.value.problem.hint
        assert len(stored(server, ALICE)) == 3


def test_a_record_path_holding_something_else_is_refused_and_left_alone(
        tmp_path: Path) -> None:
    from tui.core.deliver.record import RecordError

    credentials = tmp_path / "credentials"
    credentials.write_text("[default]\naws_access_key_id = AKIA...\n")
    credentials.chmod(0o644)
    with pytest.raises(RecordError) as refused:
        DeliveryRecord.open(credentials)
    assert "not a delivery record" in refused.value.problem.message
    assert credentials.read_text() == "[default]\naws_access_key_id = AKIA...\n"
    assert credentials.stat().st_mode & 0o777 == 0o644


def test_stop_ends_between_batches_and_a_second_run_goes_on(
        dovecot: DovecotServer, tmp_path: Path) -> None:
    import threading

    from tui.core.deliver.engine import DeliveryStopped

    stop = threading.Event()
    messages = mailbox()
    with DeliveryRecord.open(tmp_path / "d.sqlite3") as record:
        first = Delivery(target(dovecot), dovecot.accounts[ALICE], record,
                         DeliveryOptions(batch_messages=1), stop=stop,
                         on_event=lambda event: stop.set())
        with pytest.raises(DeliveryStopped) as stopped:
            first.run(messages, "job-1")
        assert stopped.value.report.count(Outcome.APPENDED) == 1
        again = Delivery(target(dovecot), dovecot.accounts[ALICE], record).run(
            messages, "job-1")
    assert again.count(Outcome.DELIVERED_BEFORE) == 1
    assert again.count(Outcome.APPENDED) == len(messages) - 1
    assert len(stored(dovecot, ALICE)) == len(messages)
