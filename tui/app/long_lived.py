"""Keeps the garbage collector's full passes off the UI thread's critical moments.

A full (generation 2) pass walks every object the collector tracks, holding the GIL. Once
Textual, the screens, boto3 and its service models are loaded that is about 200,000 objects,
and a pass took 90-150 ms: the longest UI stalls of the wizard (benchmarks/bench_ui.py,
measured with gc.callbacks). `gc.freeze()` moves every object alive now into a permanent
generation that later passes skip, so they walk only what was made since.

Freezing also keeps whatever cyclic garbage exists at that moment until the process ends
(the screens already left, mostly), so it happens at two moments only: the first step shown
(Textual and the screens loaded) and, once connected, after the clients of every service
are created (boto3's models loaded). Freezing after each step's first answer as well cut the
stalls a little more but kept 24 MiB of left screens alive; these two keep 9 MiB.
"""

from __future__ import annotations

import gc
import threading

_frozen: set[str] = set()
_lock = threading.Lock()


def freeze_once(moment: str) -> bool:
    """Freeze what is alive now, the first time `moment` happens in this process; True
    when it froze."""
    with _lock:
        if moment in _frozen:
            return False
        _frozen.add(moment)
    gc.freeze()
    return True
