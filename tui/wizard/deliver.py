"""What every face of the IMAP delivery shares: reading the folder map and the accounts
file, finding a run's downloaded exports, delivering one zip with the record opened, and
the words a person reads for each outcome."""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.core.deliver.engine import Delivery
from tui.core.deliver.model import (
    DeliveryEvent,
    DeliveryOptions,
    DeliveryReport,
    ImapTarget,
    Outcome,
)
from tui.core.deliver.record import DeliveryRecord
from tui.core.deliver.zip_source import ZipSource
from tui.core.safe_text import shown

OUTCOME_WORDS = {
    Outcome.APPENDED: "appended",
    Outcome.DELIVERED_BEFORE: "delivered before",
    Outcome.RECOVERED: "found again after an interruption",
    Outcome.ALREADY_PRESENT: "already there (same Message-ID)",
    Outcome.TOO_LARGE: "too large",
    Outcome.FAILED: "refused by the server",
    Outcome.WOULD_APPEND: "would be appended",
}
MAX_MAP_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Account:
    """One line of an accounts file: which mailbox of a run goes to which IMAP user, and
    the environment variable holding that user's password or token ("" = the command's)."""

    mailbox: str
    user: str
    secret_env: str = ""


def read_folder_map(path: Path) -> dict[str, str]:
    """A folder map: a JSON object of export folder -> server folder, "/" between levels.
    ValueError with a sentence when it is not one."""
    try:
        text = path.read_bytes()[:MAX_MAP_BYTES + 1]
        if len(text) > MAX_MAP_BYTES:
            raise ValueError(f"the folder map {shown(path)} is larger than 1 MiB")
        document = json.loads(text)
    except OSError as exc:
        raise ValueError(f"the folder map {shown(path)} cannot be read ({exc.strerror})") \
            from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"the folder map {shown(path)} is not JSON (line {exc.lineno}: "
                         f"{exc.msg})") from exc
    if not isinstance(document, dict) or not all(
            isinstance(key, str) and isinstance(value, str) and key.strip() and value.strip()
            for key, value in document.items()):
        raise ValueError(f"the folder map {shown(path)} must be one JSON object of export "
                         'folder -> server folder, e.g. {"Inbox/Old": "Archive/Old"}')
    return {key.strip().strip("/"): value.strip().strip("/") for key, value in document.items()}


def read_accounts(path: Path) -> list[Account]:
    """An accounts file: CSV lines `mailbox,imap_user[,secret_env]` (a header line naming
    the columns is allowed). ValueError with a sentence naming the bad line."""
    try:
        with path.open(newline="", encoding="utf-8") as stream:
            rows = list(csv.reader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"the accounts file {shown(path)} cannot be read ({exc})") from exc
    accounts: list[Account] = []
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() == "mailbox":
            continue
        if len(cells) not in (2, 3) or not cells[0] or not cells[1]:
            raise ValueError(f"line {number} of {shown(path)} is not "
                             f"'mailbox,imap_user[,secret_env]': {shown(','.join(row))}")
        accounts.append(Account(cells[0], cells[1], cells[2] if len(cells) == 3 else ""))
    if not accounts:
        raise ValueError(f"the accounts file {shown(path)} names no account")
    return accounts


def deliver_zip(target: ImapTarget, secret: str, zip_path: str | Path,
                options: DeliveryOptions,
                on_event: Callable[[DeliveryEvent], None] | None = None,
                on_start: Callable[[ZipSource], None] | None = None,
                stop: threading.Event | None = None
                ) -> tuple[DeliveryReport, list[tuple[str, str]]]:
    """Deliver one export zip into `target`: the report, and the entries that are not mail
    (each with why). `on_start` sees the opened source first (its expected count); `stop`
    ends the delivery between two batches (DeliveryStopped)."""
    with ZipSource.open(zip_path) as source, DeliveryRecord.open() as record:
        if on_start is not None:
            on_start(source)
        delivery = Delivery(target, secret, record, options, on_event, stop=stop)
        report = delivery.run(source.messages(), source.source_id, source.expected)
        return report, list(source.not_mail)
