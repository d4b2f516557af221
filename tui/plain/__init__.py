"""The plain face: the export wizard asked one question at a time (questionary), for
terminals where a full-screen app does not work. `run()` is what `--plain` opens.

Same steps, discovery, checks and review as the Textual face: it drives the wizard model
(`tui.wizard`) and its core calls. Ctrl-C or a closed stdin ends it with one line and a
non-zero status (see `tui.commands.exit_codes`).
"""

from __future__ import annotations

import contextvars
import sys
from typing import TYPE_CHECKING

from tui.commands import exit_codes

if TYPE_CHECKING:
    from tui.core.model import ConnectionSettings, ExportRequest

INTERRUPTED = "workmail-export: interrupted; nothing was submitted."
INTERRUPTED_IN_SUBMIT = ("workmail-export: interrupted while submitting; the job may have "
                         "started: run `workmail-export jobs` before submitting again.")
NO_INPUT = ("workmail-export: no more input (stdin is closed); nothing was submitted. "
            "Scripts use the commands instead: workmail-export check / start.")


def run(settings: ConnectionSettings, prefill: ExportRequest, demo: bool = False) -> int:
    """Walk the wizard until a JobId, a failure or an interruption; the exit status.

    With `demo`, a simulated AWS (the demo world, real-time clock) serves every call on a
    loopback endpoint, as in the full-screen demo: the endpoint is part of the connection
    settings, so the AWS CLI command the review shows reaches the same simulated account.
    """
    if not demo:
        return walk(settings, prefill)
    from dataclasses import replace

    from tui.app.demo_simulator import demo_simulator

    with demo_simulator() as simulator:
        code = walk(replace(settings, endpoint_url=simulator.url), prefill, demo=True)
    problem = simulator.problem()
    if problem:
        print(problem, file=sys.stderr)
        return code or exit_codes.AWS_ERROR
    return code


def walk(settings: ConnectionSettings, prefill: ExportRequest, demo: bool = False) -> int:
    """The walk on `settings`; `demo` says the account is the demo's throw-away one."""
    from tui.core import waiting
    from tui.plain.plain_wizard import PlainWizard
    from tui.plain.terminal import say_while_waiting

    _quiet_about_piped_input()
    _say_journal_notice()
    wizard = PlainWizard.start(settings, prefill, demo=demo)
    context = contextvars.copy_context()  # the watcher's lines go to this terminal session
    try:
        with waiting.report_slow_calls(lambda line: context.run(say_while_waiting, line)):
            return wizard.walk()
    except KeyboardInterrupt:
        print(INTERRUPTED_IN_SUBMIT if wizard.submitting else INTERRUPTED, file=sys.stderr)
    except EOFError:
        print(INTERRUPTED_IN_SUBMIT if wizard.submitting else NO_INPUT, file=sys.stderr)
    return exit_codes.INTERRUPTED


def _say_journal_notice() -> None:
    """A damaged journal moved aside is said before the first question, with where it went
    (the submit later finds the fresh journal and says nothing more)."""
    from tui.plain.terminal import say
    from tui.wizard.calls import journal_notice

    notice = journal_notice("plain")
    if notice:
        say(f"⚠ {notice}", style="fg:ansiyellow")


def _quiet_about_piped_input() -> None:
    """prompt_toolkit warns on stderr when stdin is not a terminal; answers piped in still
    work, and when they run out our own line says so, so its warning is left out. (It keeps
    the file descriptors it warned about in a class set; nothing breaks if that goes away.)"""
    try:
        if sys.stdin is None or sys.stdin.isatty():
            return
        from prompt_toolkit.input.vt100 import Vt100Input

        warned = getattr(Vt100Input, "_fds_not_a_terminal", None)
        if isinstance(warned, set):
            warned.add(sys.stdin.fileno())
    except (ImportError, OSError, ValueError):
        return
