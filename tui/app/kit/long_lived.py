"""Keeps the garbage collector's full passes off the UI thread's critical moments.

A full (generation 2) pass walks every object the collector tracks, holding the GIL. Once
Textual, the screens, botocore and its service models are loaded that is about 200,000 objects,
and a pass took 90-150 ms: the longest UI stalls of the wizard (benchmarks/bench_ui.py,
measured with gc.callbacks). `gc.freeze()` moves every object alive now into a permanent
generation that later passes skip, so they walk only what was made since.

Freezing also keeps whatever cyclic garbage exists at that moment until the process ends,
so it happens at a few moments of each app only: when each step is first shown (what the
steps so far loaded) and, around the connection, with collections paused while botocore is
imported and every service's client made, right before collections resume (a pass then
would walk the hundred thousand objects just made). Measured with bench_ui: longest stall
118 ms -> 16 ms; peak memory 87 -> 112 MiB, mostly the import's garbage kept (collecting it
instead is a 30-70 ms pause while the connection is checked).
"""

from __future__ import annotations

import contextlib
import gc
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

_frozen: weakref.WeakKeyDictionary[object, set[str]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_pauses = 0  # collections_paused blocks running now
_resume = False  # whether collection was enabled when the first of them began


def freeze_once(app: object, moment: str) -> bool:
    """Freeze what is alive now, the first time `moment` happens in this app (a process runs
    one; tests and benchmarks run several in turn); True when it froze."""
    with _lock:
        moments = _frozen.setdefault(app, set())
        if moment in moments:
            return False
        moments.add(moment)
    gc.freeze()
    return True


def frozen_moments(app: object) -> set[str]:
    """The moments `app` has frozen at."""
    with _lock:
        return set(_frozen.get(app, ()))


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """No automatic collection while loading a lot at once (boto3's import and models make
    tens of thousands of objects: a full pass in the middle of it is what stalls). Workers
    may pause at once; collection resumes when the last one is done."""
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


def load_then_freeze(app: object, moment: str, load: Callable[[], T]) -> T:
    """Run `load` (in a worker) with collection paused, and freeze what it loaded before
    collection resumes: resuming first would make one long pass over all it just made."""
    with collections_paused():
        loaded = load()
        freeze_once(app, moment)
        return loaded
