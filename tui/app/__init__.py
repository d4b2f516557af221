"""The Textual face of the export wizard. `run()` is what `workmail-export` opens.

Only Textual is imported here up front; botocore and the core are imported by the workers of
each step, so the first step paints before any AWS work starts.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.model import ConnectionSettings, ExportRequest


def run(settings: ConnectionSettings, prefill: ExportRequest, demo: bool = False) -> int:
    """Run the wizard until the person quits; the exit status of README's table
    (`WizardApp.exit_status`). A bulk run left paused is named on stderr afterwards, with
    the command that resumes it.

    With `demo`, a simulated AWS (the demo world, real-time clock) in a child process serves
    every call on a loopback port while the app runs, so the whole walk can be tried without
    an AWS account; the child stops when the app does.
    """
    from tui.app.wizard_app import WizardApp

    if not demo:
        app = WizardApp(settings, prefill)
        code = app.run() or 0
        say_runs_to_resume(app.runs_to_resume(), demo=False)
        return code
    from tui.app.demo_simulator import demo_simulator

    with demo_simulator() as simulator:
        app = WizardApp(replace(settings, endpoint_url=simulator.url), prefill)
        code = app.run() or 0
    say_runs_to_resume(app.runs_to_resume(), demo=True)
    problem = simulator.problem()
    if problem:
        print(problem, file=sys.stderr)
        return code or 1
    return code


def say_runs_to_resume(run_ids: list[str], *, demo: bool) -> None:
    """After the app has closed: each bulk run left with mailboxes to do, and how to go on."""
    if not run_ids:
        return
    from tui.wizard.bulk import resume_command

    for run_id in run_ids:
        if demo:
            print(f"workmail-export: bulk run {run_id} paused. It ran on the demo's simulated "
                  "AWS, which is gone now, so it cannot be resumed.", file=sys.stderr)
        else:
            print(f"workmail-export: bulk run {run_id} paused; jobs already running go on at "
                  f"WorkMail. Resume it with: {resume_command(run_id)} (or u at the bulk "
                  "mailbox step of the wizard).", file=sys.stderr)
