"""kill -9 at any moment of a delivery, then a re-run: every message is on the server
exactly once (counted on the server, by content)."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from deliver_child import generated
from dovecot_server import DovecotServer
from mailstore import as_imap_keeps, stored

ALICE = "alice@new.example"
CHILD = Path(__file__).with_name("deliver_child.py")
ROOT = Path(__file__).resolve().parents[2]


def child(server: DovecotServer, record: Path, count: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), server.host, str(server.imaps_port), str(server.ca_file),
         ALICE, str(record), str(count), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "DELIVER_PASSWORD": server.accounts[ALICE]})


def exactly_once(server: DovecotServer, count: int) -> None:
    expected = Counter(hashlib.sha256(as_imap_keeps(m.read())).hexdigest()
                       for m in generated(count))
    held = Counter(hashlib.sha256(item.body).hexdigest() for item in stored(server, ALICE))
    assert held == expected, (f"missing {sum((expected - held).values())}, "
                              f"duplicated {sum((held - expected).values())}")


def test_a_kill_between_append_and_record_does_not_duplicate(
        dovecot: DovecotServer, tmp_path: Path) -> None:
    record = tmp_path / "deliveries.sqlite3"
    first = child(dovecot, record, 12, "--die-after-append", "5")
    out, err = first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL, err
    recorded, on_server = len(out.splitlines()), len(stored(dovecot, ALICE))
    assert on_server >= 5 > recorded  # the kill hit the window: taken, not recorded

    second = child(dovecot, record, 12)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    outcomes = Counter(line.split()[0] for line in out.splitlines())
    assert outcomes == {"delivered": recorded, "recovered": on_server - recorded,
                        "appended": 12 - on_server}
    exactly_once(dovecot, 12)


def test_random_kills_then_a_rerun_leave_every_message_once(
        dovecot: DovecotServer, tmp_path: Path) -> None:
    """Each run is killed after a random number of new messages (read from its output, so
    the kill lands mid-run whatever the machine's speed), at a random moment of the next."""
    record, count, rng = tmp_path / "deliveries.sqlite3", 300, random.Random(20261130)
    kills = 0
    for _ in range(10):  # at most ~25 new messages a round: every round is cut short
        process = child(dovecot, record, count, "--batch", "5")
        assert process.stdout is not None
        new = rng.randint(1, 12)  # messages handled in this run before the kill
        while new:
            line = process.stdout.readline()
            if not line:
                break
            new -= not line.startswith("delivered")
        time.sleep(rng.uniform(0, 0.01))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.communicate(timeout=60)
    final = child(dovecot, record, count)
    _out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    assert kills == 10
    exactly_once(dovecot, count)
