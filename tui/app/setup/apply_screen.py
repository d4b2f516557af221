"""Applying a plan, each step shown as it happens (○ waiting, … running, ✓ done, ✗ failed),
in a thread worker; at the end what was done, or where it stopped with how to finish or
undo. Enter (or Esc) goes back, with what applying did."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker

from tui.app.kit.status_line import StatusLine
from tui.app.steps.aws_calls import AwsCalls
from tui.core.model import AwsProblem
from tui.core.safe_text import shown
from tui.wizard import calls
from tui.wizard.setup_text import applied_lines

if TYPE_CHECKING:
    from tui.app.wizard_app import WizardApp
    from tui.core.setup.apply import Applied, Event
    from tui.core.setup.plan import Plan, Step

MARKS = {"waiting": ("○", "dim"), "started": ("…", "bold"), "done": ("✓", "green"),
         "failed": ("✗", "bold red")}


class ApplyScreen(Screen["Applied | None"]):
    """Runs `plan`; dismissed with the Applied result once it has ended and is read."""

    CSS_PATH = "setup_screens.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("enter", "close", "Continue"),
        Binding("escape", "close", "Back", show=False),
    ]

    def __init__(self, plan: Plan, title: str) -> None:
        super().__init__()
        self.plan = plan
        self.title_text = title
        self.states = ["waiting"] * len(plan.steps)
        self.applied: Applied | None = None
        self.calls = AwsCalls(self)

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Applying: {self.title_text}", style="bold"), id="setup-title")
        yield Static(Text("Each call is made in order; the first that fails stops the rest.",
                          style="dim"), id="setup-explanation")
        with VerticalScroll(id="setup-body"):
            yield Static(id="apply-steps")
            yield Static(id="apply-outcome")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self._show_steps()
        aws = self.wizard.aws
        assert aws is not None
        plan = self.plan
        self.calls.run(lambda: calls.apply_plan(aws, plan, self._progress), self._done,
                       self._failed, message="Applying…", group="apply")

    @property
    def wizard(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.calls.settle(event)
        self.refresh_bindings()

    def _progress(self, index: int, step: Step, event: Event) -> None:
        """Called in the worker's thread for each step."""
        self.app.call_from_thread(self._mark, index, event.value)

    def _mark(self, index: int, state: str) -> None:
        self.states[index] = state
        self._show_steps()

    def _show_steps(self) -> None:
        text = Text()
        for index, (step, state) in enumerate(zip(self.plan.steps, self.states, strict=True)):
            mark, style = MARKS[state]
            if index:
                text.append("\n")
            text.append(f"{mark} ", style=style)
            text.append(f"{index + 1}. {shown(step.summary)}",
                        style="dim" if state == "waiting" else "")
        self.query_one("#apply-steps", Static).update(text)

    def _done(self, applied: Applied) -> None:
        self.applied = applied
        lines = applied_lines(applied, hand_off="w on the plan writes the shell script and "
                                                "the CloudFormation template")
        style = "green" if applied.ok else "red"
        outcome = Text()
        for index, line in enumerate(lines):
            outcome.append(("\n" if index else "") + line, style=style if index == 0 else "")
        self.query_one("#apply-outcome", Static).update(outcome)
        if applied.ok:
            self.status.note("Enter goes back to the step, which checks what was made.")
        else:
            self.status.problem("Enter goes back; nothing more was changed.")

    def _failed(self, problem: AwsProblem) -> None:
        self.status.problem(f"Applying stopped: {problem.sentence()}")

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close":
            return not self.calls.running()
        return True

    def action_close(self) -> None:
        self.dismiss(self.applied)
