"""The plan of a setup action, shown whole before anything changes: every call with its
documents, what it needs, costs and how it is undone; what no change can fix. `a` asks for
confirmation (naming what will be created or changed), then the apply screen runs it; `w`
writes the hand-off files (shell script, CloudFormation template) for someone else.

The plan is made in a worker when the screen opens (and again when the bucket name of a new
bucket is changed). The screen is dismissed with what applying did (None: nothing applied).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import Worker

from tui.app.kit.safe_markup import literal
from tui.app.kit.status_line import StatusLine
from tui.app.steps.aws_calls import AwsCalls
from tui.app.steps.confirm_screen import ConfirmScreen
from tui.core.model import AwsProblem
from tui.core.setup.plan import calls_text
from tui.wizard.setup_text import plan_lines

if TYPE_CHECKING:
    from tui.core.setup.apply import Applied
    from tui.core.setup.plan import Plan

PlanMaker = Callable[[str], "Plan"]  # the name typed (a new bucket's) -> the plan
NOTHING_YET = "Nothing in your account changes until you apply; the calls below are made in order."


class PlanScreen(Screen["Applied | None"]):
    """One action's plan. `make_plan(name)` runs in a worker; `name` is the value of the name
    field (shown when `name_label` is given, e.g. a new bucket's name), `suggest()` fills it
    first when it is empty."""

    CSS_PATH = "setup_screens.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("a", "apply", "Apply"),
        Binding("w", "write_hand_off", "Write hand-off files"),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self, title: str, make_plan: PlanMaker, *, name_label: str = "",
                 name: str = "", suggest: Callable[[], str] | None = None,
                 plan: Plan | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.make_plan = make_plan
        self.name_label = name_label
        self.typed_name = name
        self.suggest = suggest
        self.plan: Plan | None = plan
        self.calls = AwsCalls(self)

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text, style="bold"), id="setup-title")
        yield Static(Text(NOTHING_YET, style="dim"), id="setup-explanation")
        if self.name_label:
            with Horizontal(classes="form-row"):
                yield Static(self.name_label, classes="form-label")
                yield Input(value=self.typed_name, id="setup-name", compact=True,
                            placeholder="Enter plans again for this name")
        with VerticalScroll(id="setup-body"):
            yield Static(id="plan-text")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#setup-body").focus()
        if self.plan is not None:
            self._planned(self.plan)
        elif self.name_label and not self.typed_name and self.suggest is not None:
            suggest = self.suggest
            self.calls.run(suggest, self._suggested, self._failed,
                           message="Finding a free name…", group="plan")
        else:
            self._make()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.calls.settle(event)

    # ---- planning ----------------------------------------------------------------------
    def _suggested(self, name: str) -> None:
        self.typed_name = name
        self.query_one("#setup-name", Input).value = name
        self._make()

    def _make(self) -> None:
        name, make_plan = self.typed_name, self.make_plan
        self.plan = None
        self.refresh_bindings()
        self.calls.run(lambda: make_plan(name), self._planned, self._failed,
                       message="Reading your account and planning…", group="plan",
                       busy=self.query_one("#setup-body"))

    def _planned(self, plan: Plan) -> None:
        self.plan = plan
        self.query_one("#plan-text", Static).update(plan_text(plan))
        summary = Text.assemble((f"{plan.summary()}.\n", "bold") if plan.steps else "",
                                (NOTHING_YET, "dim"))
        self.query_one("#setup-explanation", Static).update(summary)
        if plan.empty and plan.blockers:
            self.status.problem("No change this tool makes fixes what is listed at the end.")
        elif plan.empty:
            self.status.note("Nothing to do: everything this covers is already in place.")
        elif plan.blockers:
            self.status.warning("a applies the calls above; what is listed at the end stays "
                                "for you to fix.")
        else:
            count = len(plan.steps)
            self.status.note(f"a makes {'this' if count == 1 else 'these'} "
                             f"{calls_text(count)} (you confirm first); w writes them for "
                             "someone else.")
        self.refresh_bindings()

    def _failed(self, problem: AwsProblem) -> None:
        self.status.problem(f"Could not plan: {problem.sentence()}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.typed_name = event.value.strip()
        self._make()

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    # ---- actions -----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return self.plan is not None and not self.plan.empty
        if action == "write_hand_off":
            return self.plan is not None and not self.plan.empty
        return True

    def action_apply(self) -> None:
        plan = self.plan
        if plan is None or plan.empty:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                from tui.app.setup.apply_screen import ApplyScreen

                self.app.push_screen(ApplyScreen(plan, self.title_text), self._applied)

        question = literal(f"{self.title_text}: {plan.confirmation()}")
        self.app.push_screen(ConfirmScreen(question, yes="Apply", no="Not now"), answered)

    def _applied(self, applied: Applied | None) -> None:
        self.dismiss(applied)

    def action_write_hand_off(self) -> None:
        plan = self.plan
        if plan is None:
            return
        from tui.core.setup.hand_off import write_hand_off

        try:
            paths = write_hand_off(plan)
        except OSError as error:
            self.status.problem(f"Could not write the files: {error.strerror or error}")
            return
        self.status.note("Written (for someone allowed to make these calls): "
                         + ", ".join(str(p) for p in paths))

    def action_close(self) -> None:
        self.dismiss(None)


def plan_text(plan: Plan) -> Text:
    """The plan's lines, step headings in bold, blockers in red."""
    text = Text()
    for index, line in enumerate(plan_lines(plan)[1:]):  # (the title is the screen's)
        if index:
            text.append("\n")
        if line[:1].isdigit():
            text.append(line, style="bold")
        elif line.startswith("  ✗ "):
            text.append(line, style="red")
        elif line.startswith("     Cost:") or line.startswith("Note:"):
            text.append(line, style="yellow")
        else:
            text.append(line)
    return text



