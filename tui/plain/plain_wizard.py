"""The plain face's walk: holds the wizard state and the AWS connection, runs the step of the
current stage until one ends the walk with an exit status, and turns an AWS failure in a
step into its details and a Retry/Quit question.

The rules (which step comes next, what is complete, what blocks) are the wizard model's;
this module only asks, calls the step's core functions and sends the answers to the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from questionary import Choice

from tui.commands import exit_codes
from tui.core.model import AwsProblem, ConnectionSettings, ExportRequest, Level
from tui.plain.setup_steps import offer_fix
from tui.plain.terminal import choose, confirm, say
from tui.wizard import state as wz
from tui.wizard.present import FIELD_LABELS, finding_lines, problem_rows
from tui.wizard.problems import problem_of
from tui.wizard.stages import INPUT_STAGES, Stage
from tui.wizard.steps import spec

if TYPE_CHECKING:
    from tui.core.session import Aws

# A step returns None to go on walking, or the exit status that ends the walk.
Step = Callable[["PlainWizard"], "int | None"]
INPUT_STEP_COUNT = len(INPUT_STAGES) + 1  # the input steps and the review


@dataclass
class PlainWizard:
    """One walk from connection to JobId, asked line by line."""

    state: wz.WizardState
    aws: Aws | None = None
    submitting: bool = False
    steps: dict[Stage, Step] = field(default_factory=dict)
    demo: bool = False  # the account is the demo's, gone when this process ends

    @classmethod
    def start(cls, settings: ConnectionSettings, prefill: ExportRequest, *,
              demo: bool = False) -> PlainWizard:
        from tui.plain.steps import STEPS

        return cls(wz.start(settings, prefill), steps=STEPS, demo=demo)

    @property
    def connection(self) -> Aws:
        assert self.aws is not None, "a step after CONNECTION runs only once connected"
        return self.aws

    def walk(self) -> int:
        """Run steps until one ends the walk; its exit status."""
        while True:
            try:
                code = self.steps[self.state.stage](self)
            except EOFError:
                raise
            except Exception as exc:  # an AWS failure (CoreError) or anything botocore raised
                code = self.failed_step(problem_of(exc))
            if code is not None:
                return code

    # ---- what every step shows ---------------------------------------------------------
    def heading(self) -> None:
        stage = self.state.stage
        step = spec(stage)
        number = f"{stage.position + 1}/{INPUT_STEP_COUNT} " if stage is not Stage.RESULT else ""
        say()
        say(f"{number}{step.title}", style="bold")
        say(step.explanation)

    def show_problem(self, problem: AwsProblem) -> None:
        for label, value in problem_rows(problem):
            say(f"  {label:<12} {value}")

    def failed_step(self, problem: AwsProblem) -> int | None:
        """A call of the current step failed: show why, then retry it or quit."""
        say("✗ AWS could not answer.", style="fg:ansired bold")
        self.show_problem(problem)
        if choose("What now?", [Choice("Try again", True), Choice("Quit", False)]):
            return None
        return exit_codes.AWS_ERROR

    # ---- checking a choice -------------------------------------------------------------
    def check_and_advance(self, chosen: wz.WizardState) -> None:
        """Run the current step's check on `chosen`, show the findings, and move on unless
        one is an error (the step is asked again) or a warning the person does not accept."""
        stage = chosen.stage
        step = spec(stage)
        self.state = chosen
        if step.check is not None:
            findings = step.check(self.connection, chosen.request)
            self.state = wz.with_findings(self.state, step.fields, findings)
        found = wz.findings_of(self.state, stage)
        for finding in found:
            for line in finding_lines(finding):
                say(line)
        if wz.has_error(found):
            say("Choose again, or fix what the error says first.", style="fg:ansired")
            offer_fix(self)
            return
        if any(f.level is Level.WARNING for f in found) and not confirm(
                "Continue anyway?", default=False):
            offer_fix(self)
            return
        self.state = wz.next_stage(self.state)

    def findings_by_field(self) -> dict[str, list[str]]:
        """The findings that are not OK, as lines under their field's label."""
        shown: dict[str, list[str]] = {}
        for finding in self.state.findings:
            if finding.level is not Level.OK:
                label = FIELD_LABELS.get(finding.field, finding.field.value)
                shown.setdefault(label, []).extend(finding_lines(finding))
        return shown
