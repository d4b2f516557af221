"""Step 7: every field with its finding and fix, the equivalent AWS CLI command, and Submit
(enabled only when no finding is an error; asks first)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from tui.app.kit.choice_table import ChoiceRow, ChoiceTable
from tui.app.kit.safe_markup import literal
from tui.app.steps.confirm_screen import ConfirmScreen
from tui.app.steps.findings_view import FindingsView
from tui.app.steps.step_screen import StepScreen
from tui.core.model import ExportRequest, Field, Finding, Level, Mailbox, Organization
from tui.wizard import calls
from tui.wizard import state as wz
from tui.wizard.aws_command import aws_cli_command
from tui.wizard.choices import export_object, landing_preview
from tui.wizard.present import FIELD_LABELS, LEVEL_MARKS, field_value, not_verified, worst
from tui.wizard.stages import INPUT_STAGES, Stage, stage_of

LEVEL_STYLES = {Level.OK: "", Level.UNCHECKED: "yellow", Level.WARNING: "yellow",
                Level.ERROR: "red"}


class ReviewScreen(StepScreen):
    STAGE = Stage.REVIEW
    CSS_PATH = "review_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("s", "submit", "Submit"),
        Binding("c", "copy_command", "Copy command"),
        Binding("p", "copy_policy", "Copy policy"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.checked = False

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="review-scroll"):
            yield ChoiceTable(("Field", "Check", "Value"), id="fields")
            yield Static(id="field-details")
            yield Static(Text("Equivalent AWS CLI command (c copies it):", style="dim"))
            yield Static(id="cli-command")
        with Horizontal(classes="buttons"):  # below the scroll: Submit stays on screen
            yield Button("Submit (s)", variant="success", id="submit", disabled=True)

    @property
    def table(self) -> ChoiceTable:
        return self.query_one("#fields", ChoiceTable)

    def load(self) -> None:
        self._render_fields()
        self.query_one("#cli-command", Static).update(literal(self.command(), "cyan",
                                                              lines=True))
        self.table.focus()
        aws, request = self.wizard.aws, self.state.request
        check = self.spec.check
        if aws is None or check is None:
            return
        named = self.state.organization is not None and self.state.mailbox is not None

        def check_and_name() -> tuple[list[Finding], Organization | None, Mailbox | None]:
            names = (None, None) if named else calls.names_of(aws, request)
            return check(aws, request), *names

        self.call_aws(check_and_name, lambda checked: self._preflighted(checked, request),
                      message=self.spec.loading, group="check", busy=self.table)

    def command(self) -> str:
        region = self.wizard.aws.region if self.wizard.aws else None
        return aws_cli_command(self.state.request, self.state.settings, region, multiline=True)

    def _preflighted(self, checked: tuple[list[Finding], Organization | None,
                                          Mailbox | None], request: ExportRequest) -> None:
        findings, organization, mailbox = checked
        named = wz.with_names(self.state, organization, mailbox)
        self.wizard.state = wz.with_findings(named, tuple(FIELD_LABELS), findings,
                                             for_request=request)
        self.checked = True
        self._render_fields(point_at_trouble=True)
        self.refresh_stage_bar()
        errors = [f for f in findings if f.level is Level.ERROR]
        self.query_one("#submit", Button).disabled = bool(errors)
        if errors:
            self.status.problem(f"{len(errors)} error(s) block the submit: Enter on a row "
                                "opens its step to fix it.")
        elif not_verified(findings):
            self.status.warning(f"Not verified: {not_verified(findings)} (rows marked "
                                f"{LEVEL_MARKS[Level.UNCHECKED]}), so the export may still "
                                "fail. Submit only if you know those values are right.")
        self.refresh_bindings()

    def _findings(self, field: Field) -> list[Finding]:
        return [f for f in self.state.findings if f.field is field]

    def _render_fields(self, point_at_trouble: bool = False) -> None:
        rows = []
        for field, label in FIELD_LABELS.items():
            level = worst(self._findings(field))
            if level is None:
                check, style = ("…" if not self.checked else "-"), ""
            else:
                check, style = f"{LEVEL_MARKS[level]} {level.value}", LEVEL_STYLES[level]
            rows.append(ChoiceRow(field.value, field,
                                  (label, check, field_value(self.state, field) or "(none)"),
                                  style=style))
        pointed = self.table.pointed
        trouble = [row.key for row in rows if row.style]
        selected = trouble[0] if point_at_trouble and trouble else pointed.key if pointed else ""
        self.table.show(rows, selected)
        self._show_details()

    def _show_details(self) -> None:
        pointed = self.table.pointed
        findings = self._findings(pointed.item) if pointed else []  # type: ignore[arg-type]
        self.query_one(FindingsView).show(findings)
        details = Text()
        if pointed is not None:
            details.append(f"Enter opens the {stage_of(pointed.item).value} step to change it.",  # type: ignore[arg-type]
                           style="dim")
        request = self.state.request
        if request.bucket:
            details.append("\nThe export lands at ", style="dim")
            details.append(landing_preview(request.bucket, request.prefix), style="bold")
        self.query_one("#field-details", Static).update(details)

    def show_findings(self) -> None:
        """The review shows the findings of the pointed row (see `_show_details`)."""

    def on_choice_table_pointed(self, event: ChoiceTable.Pointed) -> None:
        self._show_details()

    def on_choice_table_chosen(self, event: ChoiceTable.Chosen) -> None:
        if self.wizard.submitting:
            return
        field = event.row.item
        assert isinstance(field, Field)
        self.wizard.go(wz.revisit(self.state, stage_of(field)))

    # ---- actions ---------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            self.action_submit()

    def can_submit(self) -> bool:
        return (self.checked and not wz.has_error(self.state.findings)
                and not self.wizard.submitting
                and all(wz.is_complete(self.state, s) for s in INPUT_STAGES))

    def action_submit(self) -> None:
        if not self.can_submit():
            self.notify("Submit is possible once every check has run and none is an error.",
                        severity="warning")
            return
        request = self.state.request
        question = Text("Start the export job?\n\n", style="bold")
        question.append(f"Mailbox  {field_value(self.state, Field.ENTITY)}\n")
        question.append(f"Lands at {export_object(request.bucket, request.prefix)}")
        unverified = not_verified(self.state.findings)
        if unverified:
            question.append(f"\n\nNot verified: {unverified}.", style="yellow")

        def answered(yes: bool | None) -> None:
            if yes:
                self.query_one("#submit", Button).disabled = True
                self.submit_export()

        self.app.push_screen(ConfirmScreen(question, yes="Submit", no="Cancel"), answered)

    def action_copy_command(self) -> None:
        region = self.wizard.aws.region if self.wizard.aws else None
        self.wizard.copy_text("the aws CLI command", aws_cli_command(
            self.state.request, self.state.settings, region), "aws-command.txt")

    def action_copy_policy(self) -> None:
        pointed = self.table.pointed
        self.copy_policy(self._findings(pointed.item) if pointed else [])  # type: ignore[arg-type]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit":
            return self.can_submit() or None
        if action == "next":
            return False
        if action == "copy_policy":
            pointed = self.table.pointed
            return pointed is not None and any(
                f.policy for f in self._findings(pointed.item))  # type: ignore[arg-type]
        return super().check_action(action, parameters)
