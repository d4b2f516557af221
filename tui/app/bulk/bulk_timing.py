"""What the bulk screens run with: the engine's clock and tuning, the pace of the size
reads, and where manifests go.

The app holds one `BulkTiming` (`WizardApp.bulk_timing`); tests swap in a clock that reads
the simulator's ManualClock and sleeps briefly, so rows move when the test advances it, and
an unpaced size reader for the simulator in the same process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.batch.clock import Clock
    from tui.core.batch.rate import Pace
    from tui.core.batch.scheduler import Tuning


@dataclass(frozen=True)
class BulkTiming:
    clock: Clock | None = None  # None: the system clock
    tuning: Tuning | None = None  # None: the engine's defaults (15 s between polls)
    report_dir: Path | None = None  # None: reports/ in the state directory
    pace: Pace | None = None  # None: the size reads' default pace (rate.Pace)

    def now(self) -> float:
        return self.clock.now() if self.clock is not None else time.time()

    def reports(self) -> Path:
        from tui.wizard.bulk import reports_dir

        return self.report_dir or reports_dir()
