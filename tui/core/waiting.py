"""Which AWS calls are waiting for an answer, so that a face can say what it waits for.

`watch(client, attempt_timeout, gives_up_after)` hooks a boto3 client's events: a call is open
from botocore's `before-call` to its `after-call` or `after-call-error` (every retry of it
included). A face that wants a person told calls `report_slow_calls(say)`: while it is in
force, a watcher thread calls `say(sentence)` once calls have been open for SLOW_AFTER seconds
(or one attempt's timeout, when that is shorter), when another call becomes slow, and every
REPEAT_EVERY seconds while any stays open. The sentence names the operations ("iam:GetRole")
and how long the slowest may still take. Without a listener no thread runs; the hooks only
note times.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

SLOW_AFTER = 2.0  # seconds: "longer than a moment"
REPEAT_EVERY = 10.0
_TICK = 0.25
_NAMED_AT_MOST = 3


@dataclass(frozen=True)
class _OpenCall:
    operation: str  # as IAM names the action: "iam:GetRole"
    since: float  # time.monotonic()
    gives_up_after: float  # seconds from `since`
    attempt_timeout: float = SLOW_AFTER  # a call open this long is slow, if sooner


_open: dict[int, _OpenCall] = {}  # id(the call's context dict) -> the call
_lock = threading.Lock()


def watch(client: Any, attempt_timeout: float, gives_up_after: float) -> None:
    """Note every call `client` makes: when it starts and when it ends. A call is slow after
    SLOW_AFTER seconds, or after `attempt_timeout` when that is shorter."""
    events = client.meta.events
    prefix = client.meta.service_model.endpoint_prefix

    def opened(model: Any, context: dict[str, Any], **_: Any) -> None:
        call = _OpenCall(f"{prefix}:{model.name}", time.monotonic(), gives_up_after,
                         attempt_timeout)
        with _lock:
            _open[id(context)] = call

    def closed(context: dict[str, Any], **_: Any) -> None:
        with _lock:
            _open.pop(id(context), None)

    events.register("before-call", opened)
    events.register("after-call", closed)
    events.register("after-call-error", closed)


def open_calls() -> list[str]:
    """The operations waiting for an answer now, oldest first."""
    with _lock:
        calls = sorted(_open.values(), key=lambda call: call.since)
    return [call.operation for call in calls]


def sentence(calls: list[_OpenCall], now: float) -> str:
    """What is being waited for, how long so far, and at most how much longer."""
    oldest = min(call.since for call in calls)
    names = list(dict.fromkeys(call.operation for call in sorted(calls, key=lambda c: c.since)))
    named = ", ".join(names[:_NAMED_AT_MOST])
    if len(names) > _NAMED_AT_MOST:
        named += f" and {len(names) - _NAMED_AT_MOST} more"
    left = max(call.since + call.gives_up_after for call in calls) - now
    limit = (f"giving up in at most about {left:.0f} s" if left >= 1
             else "giving up any moment")
    return (f"waiting for AWS to answer {named} ({now - oldest:.0f} s so far; {limit}; "
            "--timeout changes how long)…")


@contextlib.contextmanager
def report_slow_calls(say: Callable[[str], None], slow_after: float = SLOW_AFTER
                      ) -> Iterator[None]:
    """While in force, `say` hears (on a watcher thread) about calls open `slow_after`
    seconds or more."""
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_loop, args=(say, slow_after, stop),
                               name="workmail-export-waiting", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join(timeout=2 * _TICK)


def _watch_loop(say: Callable[[str], None], slow_after: float, stop: threading.Event) -> None:
    told: set[int] = set()
    last_said = 0.0
    while not stop.wait(_TICK):
        now = time.monotonic()
        with _lock:
            slow = {key: call for key, call in _open.items()
                    if now - call.since >= min(slow_after, call.attempt_timeout)}
        told &= slow.keys()
        if not slow:
            continue
        if slow.keys() - told or now - last_said >= REPEAT_EVERY:
            say(sentence(list(slow.values()), now))
            told |= slow.keys()
            last_said = now
