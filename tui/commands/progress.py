"""Progress of a long command: a bar redrawn in place on a terminal, plain lines elsewhere.

On a terminal: `[########------------]  41%  123.4 of 301.2 MiB  42.1 MiB/s` rewritten with
a carriage return at most ten times a second. Off a terminal (a pipe, a log file, --json with
progress on stderr): one plain line each time another tenth is done, so a log shows progress
without a flood of lines.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from tui.wizard.retrieve import counted, size_text

__all__ = ["ProgressOut", "counted", "size_text"]

WIDTH = 24
REDRAW_EVERY = 0.1


class ProgressOut:
    """Shows one task's progress (`update`, then `finish`); safe to call from any thread."""

    def __init__(self, label: str, stream: TextIO | None = None, unit: str = "bytes") -> None:
        self.label = label
        self.stream = stream or sys.stdout
        self.unit = unit
        self.live = self.stream.isatty()
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._drawn = 0.0
        self._tenth = -1
        self._width = 0

    def _amount(self, done: int, total: int) -> str:
        if self.unit == "bytes":
            return f"{size_text(done)} of {size_text(total)}"
        return f"{done:,} of {total:,} {self.unit}"

    def update(self, done: int, total: int, first: int = 0) -> None:
        """`done` of `total`; `first` was already there when this run began (not counted
        in the speed)."""
        with self._lock:
            share = done / total if total else 1.0
            now = time.monotonic()
            if self.live:
                if now - self._drawn < REDRAW_EVERY and done < total:
                    return
                self._drawn = now
                filled = int(WIDTH * share)
                elapsed = max(now - self._started, 1e-6)
                speed = (f"  {size_text(int((done - first) / elapsed))}/s"
                         if self.unit == "bytes" and done > first else "")
                line = (f"{self.label}  [{'#' * filled}{'-' * (WIDTH - filled)}] "
                        f"{share:4.0%}  {self._amount(done, total)}{speed}")
                padding = " " * max(0, self._width - len(line))
                self._width = len(line)
                self.stream.write("\r" + line + padding)
                self.stream.flush()
                return
            tenth = int(share * 10)
            if tenth > self._tenth:
                self._tenth = tenth
                print(f"{time.strftime('%H:%M:%S')}  {self.label}  {share:4.0%}  "
                      f"{self._amount(done, total)}", file=self.stream, flush=True)

    def finish(self) -> None:
        """End the live line (a newline), so what follows starts on a line of its own."""
        with self._lock:
            if self.live and self._width:
                self.stream.write("\n")
                self.stream.flush()
                self._width = 0
