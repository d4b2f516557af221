"""`batch` off a terminal (a log file, a pipe, JSON lines): every event, and a progress line
only when the counts or the run's state change, or every few minutes of the run's clock; the
pace and time left alone move at every poll and are no reason for a line."""

from __future__ import annotations

import io
import json

from tui.commands.batch import QUIET_REPEAT_SECONDS, Printer
from tui.core.batch.model import BatchEvent, BatchProgress, RowState, RunStatus


def poll(now: float, running: int, completed: int = 0, eta: float = 600.0,
         events: tuple[BatchEvent, ...] = ()) -> BatchProgress:
    totals = {RowState.RUNNING: running, RowState.COMPLETED: completed}
    return BatchProgress(run_id="r1", status=RunStatus.ACTIVE, rows=(), totals=totals,
                         now=now, throughput_per_hour=12.0 + now / 100, eta_seconds=eta - now,
                         slots=10, events=events)


def three_minutes_of_polls(printer: Printer) -> None:
    """74 polls in 180 s (as seen in a log), the time left moving at each; one job ends."""
    for tick in range(74):
        now = tick * 180 / 73
        ended = (BatchEvent(now, "completed (exports/a.zip)", "a@example.com"),) \
            if tick == 40 else ()
        printer.progress(poll(now, running=10 if tick < 40 else 9,
                              completed=0 if tick < 40 else 1, events=ended))


def test_a_log_gets_a_line_when_something_changed_not_at_every_poll() -> None:
    out = io.StringIO()
    three_minutes_of_polls(Printer(as_json=False, out=out))
    lines = out.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith("[r1 running] 0/0 done · 10 running · ")
    assert lines[1] == "  a@example.com: completed (exports/a.zip)"
    assert lines[2].startswith("[r1 running] 0/0 done · 1 exported · 9 running · ")


def test_json_lines_follow_the_same_rule_and_repeat_after_a_quiet_while() -> None:
    out = io.StringIO()
    printer = Printer(as_json=True, out=out)
    three_minutes_of_polls(printer)
    printer.progress(poll(180 + QUIET_REPEAT_SECONDS, running=9, completed=1))
    kinds = [json.loads(line)["type"] for line in out.getvalue().splitlines()]
    assert kinds == ["progress", "event", "progress", "progress"]
