"""When to try again: exponential backoff with jitter, and which FAILED jobs deserve a retry.

A FAILED job is retried only when its ErrorInfo reads like a passing trouble on AWS's side
(an internal error, throttling, a timeout); a job that failed for access, key, bucket or
other configuration reasons would fail the same way again, so it is never retried.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

_TRANSIENT = re.compile(
    r"internal (server )?error|internal ?failure|throttl|rate exceeded|too many requests|"
    r"time(d)? ?out|temporar|service unavailable|unavailable|try again|slow ?down",
    re.IGNORECASE,
)
_CONFIGURATION = re.compile(
    r"access ?denied|not authori[sz]ed|unauthori[sz]ed|forbidden|permission|assume|"
    r"\bkms\b|key|bucket|policy|not found|does not exist|invalid|public",
    re.IGNORECASE,
)


def looks_transient(error_info: str) -> bool:
    """True when a FAILED job's ErrorInfo suggests that the same request may succeed later."""
    return bool(_TRANSIENT.search(error_info)) and not _CONFIGURATION.search(error_info)


@dataclass
class Backoff:
    """Delays of base * 2**n seconds (capped), each drawn from [half, full] of that value.

    `next_delay()` grows the delay; `reset()` after a success starts again from `base`.
    """

    base: float
    cap: float
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * 2 ** self.failures)
        self.failures += 1
        return self.rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0
