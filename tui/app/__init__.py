"""The Textual face of the export wizard. `run()` is what `workmail-export` opens.

Only Textual is imported here up front; boto3 and the core are imported by the workers of
each step, so the first step paints before any AWS work starts.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.model import ConnectionSettings, ExportRequest


def run(settings: ConnectionSettings, prefill: ExportRequest, demo: bool = False) -> int:
    """Run the wizard until the person quits; 0 unless the last submit failed.

    With `demo`, a simulated AWS (the demo world, real-time clock) in a child process serves
    every call on a loopback port while the app runs, so the whole walk can be tried without
    an AWS account; the child stops when the app does.
    """
    from tui.app.wizard_app import WizardApp

    if not demo:
        return WizardApp(settings, prefill).run() or 0
    from tui.app.demo_simulator import demo_simulator

    with demo_simulator() as simulator:
        code = WizardApp(replace(settings, endpoint_url=simulator.url), prefill).run() or 0
    problem = simulator.problem()
    if problem:
        print(problem, file=sys.stderr)
        return code or 1
    return code
