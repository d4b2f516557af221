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

WIDTH = 24
REDRAW_EVERY = 0.1


def counted(count: int, singular: str, plural: str = "") -> str:
    """`1 message`, `3 messages`, `1,024 entries`."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def size_text(count: int) -> str:
    """Bytes as a person reads them: 512 B, 3.4 KiB, 12.0 MiB, 1.20 GiB."""
    if count < 1024:
        return f"{count} B"
    for unit, power in (("KiB", 1), ("MiB", 2), ("GiB", 3), ("TiB", 4)):
        value = count / 1024 ** power
        if value < 1024 or unit == "TiB":
            return f"{value:.2f} {unit}" if unit in ("GiB", "TiB") else f"{value:.1f} {unit}"
    return f"{count} B"


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
