"""A delivery in a process of its own, for the kill -9 tests: delivers COUNT generated
messages into one account and prints a line per message. With --die-after-append K it
SIGKILLs itself right after the server answered the APPEND (or MULTIAPPEND) that took the
K-th message, before the record holds it: the one moment a naive delivery would duplicate
messages."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from messages import eml, source

from tui.core.deliver.engine import Delivery
from tui.core.deliver.model import DeliveryOptions, ImapTarget
from tui.core.deliver.record import DeliveryRecord


def generated(count: int) -> list:
    folders = [("Inbox",), ("Inbox", "Projects"), ("Sent Items",), ("Ärchiv",)]
    return [source(f"{n:05d}.eml", folders[n % len(folders)],
                   eml(n, body=(f"line {n}\r\n" * (n % 50 + 1)).encode()))
            for n in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("host", "port", "ca_file", "user", "record"):
        parser.add_argument(name)
    parser.add_argument("count", type=int)
    parser.add_argument("--die-after-append", type=int, default=0)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    password = os.environ["DELIVER_PASSWORD"]
    target = ImapTarget(host=args.host, port=int(args.port), user=args.user,
                        ca_file=args.ca_file, timeout=10.0)
    with DeliveryRecord.open(Path(args.record)) as record:
        delivery = Delivery(target, password, record, DeliveryOptions(batch_messages=args.batch),
                            sleep=lambda seconds: None,
                            on_event=lambda e: print(e.outcome.value, e.key, flush=True))
        if args.die_after_append:
            appended = 0
            real_append = delivery._append

            def append_then_die(state: object, items: list) -> object:
                nonlocal appended
                uids = real_append(state, items)  # type: ignore[arg-type]
                appended += len(items)
                if appended >= args.die_after_append:
                    os.kill(os.getpid(), signal.SIGKILL)
                return uids

            delivery._append = append_then_die  # type: ignore[method-assign]
        delivery.run(generated(args.count), "job-crash")


if __name__ == "__main__":
    main()
