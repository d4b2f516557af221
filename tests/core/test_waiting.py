"""Slow calls are told: which operations are waiting, how long so far, how long at most."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tui.core import waiting
from tui.core.model import ConnectionSettings
from tui.core.session import connect


def _hold_until(released: threading.Event, client: Any) -> None:
    """Every call of `client` waits (as for a slow AWS) until `released`, then fails."""

    def hold(**_: Any) -> None:
        released.wait(timeout=30)
        raise RuntimeError("released")

    client.meta.events.register("before-send", hold)


def test_a_call_open_longer_than_a_moment_is_told_with_its_operation() -> None:
    aws = connect(ConnectionSettings(region="us-east-1", timeout=5.0))
    iam = aws.client("iam")
    told: list[str] = []
    released = threading.Event()
    _hold_until(released, iam)

    def say(sentence: str) -> None:
        told.append(sentence)
        released.set()  # the call ends once it has been told

    with waiting.report_slow_calls(say, slow_after=0.01), pytest.raises(RuntimeError):
        iam.get_role(RoleName="WorkMailExportRole")
    assert len(told) == 1
    assert told[0].startswith("waiting for AWS to answer iam:GetRole (")
    assert "giving up in at most about" in told[0]
    assert told[0].endswith("--timeout changes how long)…")
    assert waiting.open_calls() == []


def test_nothing_is_told_without_a_listener_and_finished_calls_are_forgotten() -> None:
    aws = connect(ConnectionSettings(region="us-east-1"))
    kms = aws.client("kms")
    released = threading.Event()
    _hold_until(released, kms)
    failed: list[BaseException] = []

    def call() -> None:
        try:
            kms.describe_key(KeyId="alias/workmail-export")
        except RuntimeError as exc:
            failed.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    while "kms:DescribeKey" not in waiting.open_calls():
        released.wait(0.01)
    released.set()
    caller.join(timeout=30)
    assert len(failed) == 1
    assert "kms:DescribeKey" not in waiting.open_calls()


def test_the_sentence_names_three_operations_and_counts_the_rest() -> None:
    calls = [waiting._OpenCall(f"iam:Op{n}", since=100.0 + n, gives_up_after=33.0)
             for n in range(5)]
    assert waiting.sentence(calls, now=105.0) == (
        "waiting for AWS to answer iam:Op0, iam:Op1, iam:Op2 and 2 more (5 s so far; giving "
        "up in at most about 32 s; --timeout changes how long)…")
