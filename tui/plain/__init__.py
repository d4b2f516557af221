"""The plain face: the export wizard asked one question at a time (questionary), for
terminals where a full-screen app does not work. `run()` is what `--plain` opens.

Same steps, discovery, checks and review as the Textual face: it drives the wizard model
(`tui.wizard`) and its core calls. Ctrl-C or a closed stdin ends it with one line and a
non-zero status (see `tui.commands.exit_codes`).
"""

from __future__ import annotations

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

    With `demo`, a simulated AWS (the demo world, real-time clock) serves every call.
    """
    if not demo:
        return walk(settings, prefill)
    from tui.sim import RealClock, SimulatedAws

    with SimulatedAws(world="demo", clock=RealClock()):
        return walk(settings, prefill)


def walk(settings: ConnectionSettings, prefill: ExportRequest) -> int:
    from tui.plain.plain_wizard import PlainWizard

    wizard = PlainWizard.start(settings, prefill)
    try:
        return wizard.walk()
    except KeyboardInterrupt:
        print(INTERRUPTED_IN_SUBMIT if wizard.submitting else INTERRUPTED, file=sys.stderr)
    except EOFError:
        print(INTERRUPTED_IN_SUBMIT if wizard.submitting else NO_INPUT, file=sys.stderr)
    return exit_codes.INTERRUPTED
