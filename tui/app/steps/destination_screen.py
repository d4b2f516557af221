"""Step 6: the S3 bucket (same Region as the organization), the prefix (checked as you type),
an optional description, and a preview of where the export lands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Static

from tui.app.kit.choice_table import ChoiceRow, fit_style
from tui.app.kit.safe_markup import literal
from tui.app.setup.step_actions import SetupActions
from tui.app.steps.choice_step import ChoiceStepScreen
from tui.core.model import BucketChoice, Field, Level
from tui.wizard import calls
from tui.wizard import state as wz
from tui.wizard.choices import landing_preview
from tui.wizard.present import choice_note
from tui.wizard.stages import Stage

TYPED = "typed values"  # what the status line's "Fix the value marked ✗" is about


def field_problem(field: Field, value: str) -> str | None:
    """The core's rule for one field (imported when first typed, not at startup), on the
    value as it will be taken: spaces pasted around a prefix are dropped, not an error."""
    from tui.core.fields import check_field, tidy

    return check_field(field, tidy(field, value))


class DestinationScreen(SetupActions, ChoiceStepScreen):
    STAGE = Stage.DESTINATION
    CSS_PATH = "destination_screen.tcss"
    COLUMNS = ("Bucket", "Region", "Note")
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("c", "setup_create", "Create a bucket"),
        Binding("f", "setup_fix", "Fix"),
    ]

    def __init__(self) -> None:
        super().__init__()
        request = self.state.request
        self.bucket_name = request.bucket
        self.bucket_choice: BucketChoice | None = self.state.bucket
        self.suggested_prefix = ""  # the last prefix filled in for the person, not typed

    def empty_note(self) -> str:
        return ("No S3 bucket found. Press c to create one in the organization's Region (you "
                "see the plan first).")

    def new_values(self) -> tuple[str, str]:
        return self.bucket_name, self.prefix_input.value.strip()

    def after_setup(self, new: wz.WizardState) -> None:
        """The bucket (and prefix) the plan made are this step's values now."""
        self.bucket_name, self.bucket_choice = new.request.bucket, None
        self.prefix_input.value = new.request.prefix
        self.description_input.value = new.request.description
        self._update_preview()
        super().after_setup(new)

    def compose_extra(self) -> ComposeResult:
        request = self.state.request
        with Horizontal(classes="form-row"):
            yield Static("Prefix", classes="form-label")
            yield Input(value=request.prefix, id="prefix", compact=True,
                        placeholder="filled in from the role's policy once a bucket is chosen")
        yield Static(id="prefix-message", classes="field-message")
        with Horizontal(classes="form-row"):
            yield Static("Description", classes="form-label")
            yield Input(value=request.description, id="description", compact=True,
                        placeholder="optional · Enter here checks and goes on")
        yield Static(id="description-message", classes="field-message")
        yield Static(id="preview")

    def on_mount(self) -> None:
        # (Textual also runs StepScreen.on_mount, which starts the bucket listing.)
        self._validate(Field.PREFIX, self.prefix_input.value, quiet_when_empty=True)
        self._update_preview()
        if self.bucket_name:
            self._suggest_prefix()

    @property
    def prefix_input(self) -> Input:
        return self.query_one("#prefix", Input)

    @property
    def description_input(self) -> Input:
        return self.query_one("#description", Input)

    # ---- the bucket list -------------------------------------------------------------
    def rows(self, items: Sequence[object]) -> list[ChoiceRow]:
        buckets = [b for b in items if isinstance(b, BucketChoice)]
        return [ChoiceRow(b.name, b, (b.name, b.region, choice_note(b)), b.why_not,
                          style=fit_style(b)) for b in buckets]

    def selected_key(self) -> str:
        return self.bucket_name

    def after_listing(self) -> None:
        listed = {row.key: row.item for row in self.table.rows_shown}
        chosen = listed.get(self.bucket_name)
        if isinstance(chosen, BucketChoice):
            self.bucket_choice = chosen
            if self.state.request.bucket == chosen.name and self.state.bucket != chosen:
                # (a bucket set by setup, listed now): the state shows it as listed too
                self.wizard.state = replace(self.state, bucket=chosen)

    def pick(self, item: object) -> None:
        assert isinstance(item, BucketChoice)
        self.bucket_name, self.bucket_choice = item.name, item
        self._update_preview()
        self.set_focus(self.prefix_input)  # at once: typing may follow this Enter directly
        self._suggest_prefix()

    def after_check(self) -> None:
        self._mark_refused_bucket()
        super().after_check()

    def _mark_refused_bucket(self) -> None:
        """A bucket the check refused (public, say) shows why in the list from now on."""
        refused = [f for f in wz.findings_of(self.state, self.STAGE)
                   if f.field is Field.BUCKET and f.level is Level.ERROR]
        listed = {row.key: row.item for row in self.table.rows_shown}
        chosen = listed.get(self.bucket_name)
        if not refused or not isinstance(chosen, BucketChoice) or not chosen.usable:
            return
        marked = replace(chosen, why_not=refused[0].message)
        items = [marked if row.key == marked.name else row.item for row in self.table.rows_shown]
        self.table.show(self.rows(items), marked.name)

    # ---- the prefix the role allows ---------------------------------------------------------
    def _suggest_prefix(self) -> None:
        """Ask the core for a prefix inside the role's encryption-context condition for this
        bucket; it replaces the prefix only while the person has not typed one."""
        aws = self.wizard.aws
        if aws is None or not self._prefix_is_ours():
            return
        request = self.state.request.with_changes(bucket=self.bucket_name)
        mailbox = self.state.mailbox
        name = mailbox.name if mailbox else ""
        self.call_aws(lambda: calls.suggest_prefix(aws, request, name), self._prefix_suggested,
                      message="Reading the prefix the role allows…", group="suggest")

    def _prefix_is_ours(self) -> bool:
        return self.prefix_input.value in ("", self.suggested_prefix)

    def _prefix_suggested(self, prefix: str | None) -> None:
        if not prefix or not self._prefix_is_ours():
            return
        self.suggested_prefix = prefix
        self.prefix_input.value = prefix
        self.prefix_input.cursor_position = len(prefix)

    # ---- prefix and description ----------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "prefix":
            self._validate(Field.PREFIX, event.value)
            self._update_preview()
        elif event.input.id == "description":
            self._validate(Field.DESCRIPTION, event.value)
        if not self.query(".field-message.-shown"):
            self.status.clear(about=TYPED)  # no value is marked ✗ any longer

    def _validate(self, field: Field, value: str, quiet_when_empty: bool = False) -> bool:
        problem = None if quiet_when_empty and not value else field_problem(field, value)
        message = self.query_one(f"#{field.value}-message", Static)
        message.update(literal(f"✗ {problem}") if problem else "")
        message.display = bool(problem)
        message.set_class(bool(problem), "-shown")
        self.query_one(f"#{field.value}", Input).set_class(bool(problem), "-invalid")
        return problem is None

    def _update_preview(self) -> None:
        preview = landing_preview(self.bucket_name, self.prefix_input.value)
        text = Text("Lands at  ", style="dim")
        text.append(preview or "(Enter on a bucket above)", style="bold" if preview else "dim")
        self.query_one("#preview", Static).update(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # not the typed-value handler of ChoiceStepScreen
        if event.input.id == "prefix":
            self.description_input.focus()
        elif event.input.id == "description":
            self.submit_destination()

    # ---- leaving -------------------------------------------------------------------------
    def _with_values(self) -> wz.WizardState:
        return wz.choose_destination(self.state, self.bucket_name, self.prefix_input.value.strip(),
                                     self.description_input.value, self.bucket_choice)

    def submit_destination(self) -> None:
        """Check the typed values locally, then the bucket and prefix against AWS."""
        if not self.bucket_name:
            self.status.problem("Choose a bucket in the list first (Enter on a row).")
            self.table.focus()
            return
        prefix_ok = self._validate(Field.PREFIX, self.prefix_input.value.strip())
        description_ok = self._validate(Field.DESCRIPTION, self.description_input.value)
        if not (prefix_ok and description_ok):
            self.status.problem("Fix the value marked ✗ above.", about=TYPED)
            (self.prefix_input if not prefix_ok else self.description_input).focus()
            return
        self.choose(self._with_values())

    def action_next(self) -> None:
        if self._with_values() != self.state or not wz.can_advance(self.state):
            self.submit_destination()
        else:
            super().action_next()

    def keep_values(self) -> None:
        self.wizard.state = self._with_values()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return True
        return super().check_action(action, parameters)
