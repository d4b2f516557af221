"""The review of a bulk export of several organizations at once: each organization planned
and checked like one (every mailbox, disabled ones first, sizes), a row each with its
mailboxes, size, disabled ones, estimate and checks; the organizations that cannot take part
with why (they never stop the others); the combined estimate (they run side by side) and the
deadline warning; d leaves the disabled mailboxes out, jobs at once applies to each, Save plan
writes each organization's plan, Start (asks first) stores one run per organization as a group
and opens their combined progress."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Input, Static

from tui.app.bulk.plan_review import end_start_question, entered_concurrency
from tui.app.kit.safe_markup import markup_safe
from tui.app.steps.confirm_screen import ConfirmScreen
from tui.app.steps.step_screen import StepScreen
from tui.core.model import AwsProblem, Level
from tui.core.safe_text import shown
from tui.wizard import calls
from tui.wizard.stages import Stage
from tui.wizard.steps import StepSpec

if TYPE_CHECKING:
    from pathlib import Path

    from tui.core.batch.facts import Group
    from tui.core.batch.forecast import Estimate
    from tui.wizard.all_orgs import AccountPlan
    from tui.wizard.bulk import PlanChoices

SPEC = StepSpec(
    Stage.REVIEW, "Review the export of several organizations",
    "Each organization is planned and checked like one, and runs on its own 10 export slots "
    "beside the others; nothing starts before you press Start.",
    loading="Planning and checking each organization…")
COLUMNS = (("Organization", 14), ("Mailboxes", 9), ("Size", 8), ("Disabled", 8),
           ("Estimate", 14), ("Checks", None))


class BulkGroupPlanScreen(StepScreen):
    STAGE = Stage.REVIEW
    CSS_PATH = "bulk_plan_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("s", "start", "Start"),
        Binding("f", "save_plan", "Save plans"),
        Binding("d", "toggle_disabled", "Disabled in/out"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.account: AccountPlan | None = None
        self.estimates: list[Estimate] = []
        self.total: Estimate | None = None
        self.warning: str | None = None  # the deadline warning of `total`, if any
        self.skip_disabled = False
        self.concurrency = 10
        self.starting = False

    @property
    def spec(self) -> StepSpec:
        return SPEC

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="bulk-plan"):
            yield Static(id="bulk-summary")
            yield Static(id="bulk-estimate")
            yield DataTable(cursor_type="row", id="bulk-mailboxes")
            yield Static(id="bulk-left-out")
            yield Static(id="bulk-disabled")
            with Horizontal(id="bulk-concurrency-row"):
                yield Static("Jobs at once", classes="form-label")
                yield Input(value="10", id="bulk-concurrency", compact=True,
                            restrict=r"[0-9]*", max_length=2)
                yield Static("1-10 in each organization (AWS's limit is 10 per organization)",
                             id="bulk-concurrency-note")
            with Horizontal(classes="buttons"):
                yield Button("Start (s)", variant="success", id="bulk-start", disabled=True)
                yield Button("Save plans (f)", id="bulk-save", disabled=True)

    def load(self) -> None:
        table = self.query_one("#bulk-mailboxes", DataTable)
        for label, width in COLUMNS:
            table.add_column(label, key=label.lower(), width=width)
        self._summary()
        aws, state = self.wizard.aws, self.state
        if aws is None:
            return
        from tui.core.batch.organizations import Candidate
        from tui.core.batch.regions import RegionSettings
        from tui.wizard.all_orgs import plan_every_organization

        request = state.request
        settings = RegionSettings(aws.region, request.role_arn, request.kms_key_arn,
                                  request.bucket, request.prefix)
        found = [Candidate(aws.region, o.id, o.alias, settings, o.why_not)
                 for o in state.bulk_organizations]
        now, pace = self.wizard.bulk_timing.now(), self.wizard.bulk_timing.pace
        self.call_aws(lambda: plan_every_organization(lambda _region: aws, found, now,
                                                      calls.preflight,
                                                      description=request.description,
                                                      pace=pace),
                      self._planned, message=SPEC.loading, group="check",
                      busy=self.query_one("#bulk-estimate"))

    def _summary(self) -> None:
        request = self.state.request
        count = len(self.state.bulk_organizations)
        text = Text(f"{count} organizations", style="bold")
        text.append(" → ")
        text.append(f"s3://{shown(request.bucket)}/{shown(request.prefix.strip('/'))}/"
                    "<mailbox>/", style="bold")
        role = self.state.role.name if self.state.role else request.role_arn
        key = self.state.key
        key_text = ", ".join(key.aliases) if key and key.aliases else request.kms_key_arn
        text.append(f"\nRole {shown(role)} · key {shown(key_text)}", style="dim")
        self.query_one("#bulk-summary", Static).update(text)

    def _planned(self, account: AccountPlan) -> None:
        self.account = account
        left = self.query_one("#bulk-left-out", Static)
        left.display = bool(account.left_out)
        text = Text(f"Not taking part ({len(account.left_out)}):", style="bold yellow")
        for organization in account.left_out:
            text.append(f"\n  {shown(organization.label)}: {shown(organization.reason)}")
        left.update(text)
        self.reshape()
        self.query_one("#bulk-start", Button).disabled = not account.parts
        self.query_one("#bulk-save", Button).disabled = not account.parts
        if not account.parts:
            self.status.problem("No organization can take part (see why above); Esc goes "
                                "back.")
        self.refresh_bindings()

    def choices(self) -> PlanChoices:
        from tui.core.batch.model import DisabledPolicy
        from tui.wizard.bulk import PlanChoices

        return PlanChoices(disabled=DisabledPolicy.SKIP if self.skip_disabled
                           else DisabledPolicy.INCLUDE, concurrency=self.concurrency)

    def reshape(self) -> None:
        from tui.core.batch.forecast import END_OF_SUPPORT, deadline_warning
        from tui.wizard.all_orgs import combined, part_estimates, shaped_plan
        from tui.wizard.bulk import duration
        from tui.wizard.plan_text import estimate_line, size_text

        account = self.account
        if account is None:
            return
        choices, now = self.choices(), self.wizard.bulk_timing.now()
        self.estimates = part_estimates(account, choices, now)
        self.total = total = combined(self.estimates, now)
        table = self.query_one("#bulk-mailboxes", DataTable)
        table.clear()
        disabled = 0
        for part, estimate in zip(account.parts, self.estimates, strict=True):
            plan = shaped_plan(part, choices, now)
            count = sum(p.mailbox.state == "DISABLED" for p in plan.mailboxes)
            disabled += count
            checks = [f.message for f in part.checked.findings if f.level is Level.ERROR]
            table.add_row(Text(shown(part.label)), Text(str(len(plan.exported)), justify="right"),
                          Text(size_text(plan.total_mb), justify="right"),
                          Text(f"{count}{' out' if self.skip_disabled and count else ''}",
                               justify="right", style="yellow" if count else "dim"),
                          Text(duration(estimate.seconds)),  # the Estimate column
                          Text("errors: " + " ".join(checks) if checks else "ok",
                               style="red" if checks else "green"),
                          key=part.candidate.organization_id)
        self.warning = warning = None if total is None else \
            deadline_warning(total, END_OF_SUPPORT.timestamp())
        if total is not None:
            text = Text(f"All {len(account.parts)} side by side: ", style="bold")
            text.append(estimate_line(total).removeprefix("Estimated time: "), style="bold")
            text.append(f"\n{total.throughput.describe()}", style="dim")
            if warning:
                text.append(f"\n⚠ {warning}", style="bold yellow")
            self.query_one("#bulk-estimate", Static).update(text)
        note = self.query_one("#bulk-disabled", Static)
        note.display = bool(disabled)
        note.update(Text.assemble(
            (f"{disabled} disabled mailboxes ", "bold yellow"),
            ("(WorkMail removes them 30 days after disabling): ", ""),
            ("left out, named in the manifests" if self.skip_disabled else "exported first",
             "bold"), (" · d switches", "dim")))

    def action_toggle_disabled(self) -> None:
        self.skip_disabled = not self.skip_disabled
        self.reshape()

    def on_input_changed(self, event: Input.Changed) -> None:
        concurrency = entered_concurrency(event, self.status)
        if concurrency is not None:
            self.concurrency = concurrency
            self.status.clear()
            self.reshape()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "bulk-start":
            self.action_start()
        elif event.button.id == "bulk-save":
            self.action_save_plan()

    def action_save_plan(self) -> None:
        from tui.core.batch.forecast import END_OF_SUPPORT, deadline_warning
        from tui.core.batch.order import Order
        from tui.wizard.all_orgs import shaped_plan
        from tui.wizard.plan_file import plan_document, write_plan

        account, timing = self.account, self.wizard.bulk_timing
        if account is None:
            return
        now, directory, choices = timing.now(), timing.reports(), self.choices()
        documents = [plan_document(shaped_plan(part, choices, now), estimate,
                                   bucket=self.state.request.bucket, order=Order.SIZE,
                                   warning=deadline_warning(estimate,
                                                            END_OF_SUPPORT.timestamp()),
                                   now=now)
                     for part, estimate in zip(account.parts, self.estimates, strict=True)]

        def write() -> list[Path]:
            return [path for document in documents
                    for path in write_plan(document, directory, now)]

        self.call_aws(write, lambda paths: self.notify(
            f"{len(documents)} plans saved (nothing was started) in {markup_safe(directory)}",
            timeout=10), message="Saving the plans…", group="save",
            failed=lambda problem: self.status.problem(
                f"The plans were not saved: {problem.sentence()}"))

    def action_start(self) -> None:
        from tui.wizard.plan_text import size_text

        account, total = self.account, self.total
        if account is None or not account.parts or self.starting or total is None:
            return
        question = Text(f"Start exporting {total.mailboxes} mailboxes "
                        f"({size_text(total.total_mb)}) of {len(account.parts)} "
                        "organizations?\n\n", style="bold")
        question.append(f"Up to {self.concurrency} jobs at once in each organization, side by "
                        "side.")
        if account.left_out:
            question.append(f"\n{len(account.left_out)} organization(s) not taking part.")
        end_start_question(question, total, self.warning)
        self.app.push_screen(ConfirmScreen(question, yes="Start", no="Not yet"),
                             lambda yes: self._create_group() if yes else None)

    def _create_group(self) -> None:
        from tui.wizard.all_orgs import group_parts

        account, timing = self.account, self.wizard.bulk_timing
        assert account is not None
        parts = group_parts(account, self.choices(), timing.now(),
                            self.state.request.description)

        def create() -> Group:
            from tui.core.batch.group import create_group
            from tui.core.batch.store import BatchStore

            store = BatchStore.open()
            try:
                return create_group(store, parts, account.left_out, timing.now())
            finally:
                store.close()

        self.starting = True
        self.call_aws(create, self._group_created, message="Storing the runs…", group="start",
                      failed=self._not_created)

    def _group_created(self, group: Group) -> None:
        from tui.app.bulk.group_progress_screen import GroupProgressScreen

        self.starting = False
        aws = self.wizard.aws
        assert aws is not None
        self.app.push_screen(GroupProgressScreen({aws.region: aws}, group.group_id,
                                                 self.wizard.bulk_timing))

    def _not_created(self, problem: AwsProblem) -> None:
        self.starting = False
        self.status.problem(f"The runs were not stored: {problem.sentence()}")

    def show_findings(self) -> None:
        """Each organization's checks are in its row."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("start", "save_plan"):
            return (bool(self.account and self.account.parts) and not self.starting) or None
        if action == "toggle_disabled":
            return self.account is not None
        if action == "next":
            return False
        return super().check_action(action, parameters)
