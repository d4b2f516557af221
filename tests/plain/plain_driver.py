"""Driving the plain face as a person at a terminal: its questions and lines are rendered to a
VT100 screen kept in memory, and a typist thread waits for each question to appear before
typing the answer (keys go through prompt_toolkit's pipe input)."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from tui.core.model import ConnectionSettings, ExportRequest

ENTER, CTRL_C, CTRL_U, DOWN = "\r", "\x03", "\x15", "\x1b[B"
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]")
WAIT_SECONDS = 30.0  # only a failing test waits this long
CLOSE = None  # a script step that closes stdin (EOF) instead of typing


@dataclass
class Terminal:
    """The screen the face writes to, and what the typist did."""

    buffer: io.StringIO = field(default_factory=io.StringIO)
    missed: list[str] = field(default_factory=list)
    columns: int = 200

    @property
    def output(self) -> Vt100_Output:
        return Vt100_Output(self.buffer, lambda: Size(rows=60, columns=self.columns),
                            term="xterm")

    @property
    def text(self) -> str:
        """Everything shown so far, without the escape sequences."""
        return _ESCAPES.sub("", self.buffer.getvalue()).replace("\r", "")


Script = Sequence[tuple[str, "str | None"]]


def _type(terminal: Terminal, pipe: PipeInput, script: Script, done: threading.Event) -> None:
    """For each step: wait until `expected` shows (after the last step's), then type. Steps
    never reached (the face ended, or the text did not show in time) are `missed`."""
    seen = 0
    for step, (expected, keys) in enumerate(script):
        deadline = time.monotonic() + WAIT_SECONDS
        while (found := terminal.text.find(expected, seen)) < 0:
            if done.is_set() or time.monotonic() > deadline:
                terminal.missed.extend(e for e, _ in script[step:])
                pipe.close()
                return
            time.sleep(0.02)
        seen = found + len(expected)
        time.sleep(0.05)  # let the prompt finish drawing before typing
        if keys is CLOSE:
            pipe.close()
            return
        pipe.send_text(keys)


@dataclass
class PlainRun:
    code: int
    screen: str
    missed: list[str]
    raw: str = ""  # what reached the terminal, escape sequences and all


def run_plain(script: Script, prefill: ExportRequest | None = None,
              settings: ConnectionSettings | None = None, *, columns: int = 200,
              demo: bool = False) -> PlainRun:
    """Run the plain face in this thread while the script is typed into it, on a terminal
    `columns` wide; with `demo`, as `--plain --demo` runs it (its own simulated AWS)."""
    from tui.plain import run, walk

    terminal = Terminal(columns=columns)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=terminal.output):
        done = threading.Event()
        typist = threading.Thread(target=_type, args=(terminal, pipe, script, done),
                                  daemon=True)
        typist.start()
        try:
            face = run if demo else walk
            code = face(settings or ConnectionSettings(), prefill or ExportRequest(), demo)
        finally:
            done.set()
            typist.join(timeout=5)
    return PlainRun(code, terminal.text, terminal.missed, terminal.buffer.getvalue())
