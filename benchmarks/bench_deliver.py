"""Messages per second into a real Dovecot on loopback: our IMAP delivery against mbsync
(Debian's isync) pushing the same messages from a Maildir to the same server, in the same
run; and the delivery's peak memory for a small and a large mailbox.

    python benchmarks/bench_deliver.py [--messages 2000] [--runs 3]

Each run starts a fresh Dovecot (tests/deliver/dovecot_server.py) so both tools write into
an empty account. Needs dovecot-imapd and isync (`apt-get install dovecot-imapd isync`).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "deliver"))

from dovecot_server import DovecotServer, start_dovecot  # noqa: E402
from messages import eml, source  # noqa: E402

from tui.core.deliver.engine import Delivery  # noqa: E402
from tui.core.deliver.model import ImapTarget, SourceMessage  # noqa: E402
from tui.core.deliver.record import DeliveryRecord  # noqa: E402

FOLDERS = (("Inbox",), ("Inbox", "Projects"), ("Sent Items",), ("Archive 2024",))
USER = "alice@new.example"
# Where mbsync finds each folder, so it writes the folders our delivery writes.
MAILDIR_NAMES = {("Inbox",): "INBOX", ("Inbox", "Projects"): "INBOX/Projects",
                 ("Sent Items",): "Sent", ("Archive 2024",): "Archive 2024"}


def corpus(count: int, seed: int = 7) -> list[SourceMessage]:
    """`count` messages of a mailbox-like size spread (median ~8 KB, a few of ~300 KB)."""
    rng = random.Random(seed)
    messages = []
    for number in range(count):
        size = int(min(rng.lognormvariate(9.0, 1.0), 300_000))
        body = (b"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n"
                * (size // 58 + 1))
        messages.append(source(f"{number:06d}.eml", FOLDERS[number % len(FOLDERS)],
                               eml(number, body=body)))
    return messages


def ours(server: DovecotServer, messages: list[SourceMessage], work: Path) -> float:
    target = ImapTarget(host=server.host, port=server.imaps_port, user=USER,
                        ca_file=str(server.ca_file))
    with DeliveryRecord.open(work / "deliveries.sqlite3") as record:
        began = time.perf_counter()
        report = Delivery(target, server.accounts[USER], record).run(messages, "bench")
        elapsed = time.perf_counter() - began
    assert report.complete, report.not_delivered[:3]
    return elapsed


def maildir(messages: list[SourceMessage], path: Path) -> None:
    """The same messages as a Maildir++ tree mbsync reads (folders as mbsync maps them)."""
    for number, message in enumerate(messages):
        folder = path / MAILDIR_NAMES[message.folder]
        for part in ("cur", "new", "tmp"):
            (folder / part).mkdir(parents=True, exist_ok=True)
        (folder / "cur" / f"{number}.bench:2,").write_bytes(message.read())


def mbsync(server: DovecotServer, messages: list[SourceMessage], work: Path) -> float:
    store = work / "maildir"
    maildir(messages, store)
    config = work / "mbsyncrc"
    config.write_text(f"""\
IMAPAccount dest
Host localhost
Port {server.imaps_port}
User {USER}
Pass {server.accounts[USER]}
SSLType IMAPS
CertificateFile {server.ca_file}

IMAPStore dest-remote
Account dest

MaildirStore local
Path {store}/
Inbox {store}/INBOX
SubFolders Verbatim

Channel push
Far :dest-remote:
Near :local:
Patterns *
Create Both
Sync Push
SyncState *
""")
    began = time.perf_counter()
    done = subprocess.run(["mbsync", "-q", "-c", str(config), "push"], capture_output=True,
                          text=True, cwd=work)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"mbsync failed: {done.stderr}")
    return elapsed


def peak_memory_mib(count: int) -> float:
    """Peak RSS of a fresh process delivering `count` messages generated one at a time."""
    code = f"""
import resource, sys
sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'tests' / 'deliver')!r})
from dovecot_server import start_dovecot
from benchmarks.bench_deliver import lazy_corpus, USER
from tui.core.deliver.engine import Delivery
from tui.core.deliver.model import ImapTarget
from tui.core.deliver.record import DeliveryRecord
import tempfile, pathlib
with start_dovecot() as server, tempfile.TemporaryDirectory() as work:
    target = ImapTarget(host=server.host, port=server.imaps_port, user=USER,
                        ca_file=str(server.ca_file))
    with DeliveryRecord.open(pathlib.Path(work) / "d.sqlite3") as record:
        Delivery(target, server.accounts[USER], record).run(lazy_corpus({count}), "bench")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def lazy_corpus(count: int):  # type: ignore[no-untyped-def]
    """The corpus generated message by message (what a streaming zip reader hands over)."""
    rng = random.Random(7)
    for number in range(count):
        size = int(min(rng.lognormvariate(9.0, 1.0), 300_000))
        body = (b"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n"
                * (size // 58 + 1))
        yield source(f"{number:06d}.eml", FOLDERS[number % len(FOLDERS)],
                     eml(number, body=body))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("mbsync"):
        sys.exit("mbsync is not installed: apt-get install isync")
    messages = corpus(args.messages)
    total = sum(message.size for message in messages)
    print(f"{args.messages} messages, {total / 1e6:.1f} MB, {args.runs} runs each, "
          f"fresh Dovecot per run")
    timings: dict[str, list[float]] = {"workmail-export": [], "mbsync": []}
    for _run in range(args.runs):
        for name, tool in (("workmail-export", ours), ("mbsync", mbsync)):
            with start_dovecot() as server, tempfile.TemporaryDirectory() as work:
                timings[name].append(tool(server, messages, Path(work)))
    rates = {name: args.messages / statistics.median(values)
             for name, values in timings.items()}
    for name, rate in rates.items():
        print(f"{name:16} median {statistics.median(timings[name]):6.2f} s  "
              f"{rate:7.0f} messages/s  (runs: "
              + ", ".join(f"{value:.2f}" for value in timings[name]) + ")")
    print(f"ratio workmail-export / mbsync: {rates['workmail-export'] / rates['mbsync']:.2f}"
          " (goal >= 1.0)")
    small, large = peak_memory_mib(500), peak_memory_mib(5000)
    print(f"peak RSS delivering 500 messages: {small:.0f} MiB; 5000 messages: {large:.0f} MiB")


if __name__ == "__main__":
    main()
