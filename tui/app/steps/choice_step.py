"""A step that lists choices from one discovery call and checks the one chosen (organization,
role, key, destination). Unusable rows say why when pointed at and refuse when chosen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.widgets import Input

from tui.app.kit.choice_table import ChoiceRow, ChoiceTable
from tui.app.kit.safe_markup import markup_safe
from tui.app.steps.step_screen import StepScreen
from tui.core.model import Field, Finding, Level
from tui.wizard import calls
from tui.wizard import state as wz


class ChoiceStepScreen(StepScreen):
    """Subclasses set COLUMNS, turn items into rows, and say what choosing a row does."""

    COLUMNS: ClassVar[tuple[str, ...]]
    TYPED_LABEL: ClassVar[str] = ""  # set to offer an Input for a typed value
    items: list[object] = []

    def compose_body(self) -> ComposeResult:
        yield ChoiceTable(self.COLUMNS, id="choices")
        if self.TYPED_LABEL:
            yield Input(value=self.typed_value(), placeholder=self.TYPED_LABEL, id="typed",
                        compact=True)
        yield from self.compose_extra()

    def empty_note(self) -> str:
        return "Nothing to choose from."

    def typed_value(self) -> str:
        """What the typed-value Input starts with (a value not in the list, kept)."""
        return ""

    def pick_typed(self, text: str) -> None:
        """Enter in the typed-value Input."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "typed" and event.value.strip():
            event.stop()
            self.pick_typed(event.value.strip())

    def look_up(self, field: Field, text: str, chosen: Callable[[str], wz.WizardState]) -> None:
        """A typed role name, key id or alias that no listed row has: ask AWS what it names,
        then choose `chosen(arn)`; one that names nothing is said on the status line."""
        aws = self.wizard.aws
        if aws is None:
            return

        def found(result: tuple[str, Finding]) -> None:
            arn, finding = result
            if finding.level is not Level.OK:
                self.status.problem(finding.message)
                return
            self.notify(markup_safe(finding.message))  # names what was typed: not markup
            self.choose(chosen(arn))

        self.call_aws(lambda: calls.resolve_reference(aws, field, text), found,
                      message=f"Looking up {text}…", group="check")

    def compose_extra(self) -> ComposeResult:
        yield from ()

    @property
    def table(self) -> ChoiceTable:
        return self.query_one("#choices", ChoiceTable)

    def load(self) -> None:
        self.table.focus()
        discover, aws, request = self.spec.discover, self.wizard.aws, self.state.request
        if discover is None or aws is None:
            return
        self.call_aws(lambda: discover(aws, request), self._listed, message=self.spec.loading,
                      busy=self.table)

    def _listed(self, items: Sequence[object]) -> None:
        self.items = list(items)
        rows = self.rows(items)
        self.table.show(rows, self.selected_key())
        if not rows:
            self.status.note(self.empty_note())
        self.after_listing()

    def after_listing(self) -> None:
        """Hook for steps that do more once their choices are shown."""

    def rows(self, items: Sequence[object]) -> list[ChoiceRow]:
        raise NotImplementedError

    def selected_key(self) -> str:
        """The key of the row chosen before (kept when coming back)."""
        return ""

    def on_choice_table_pointed(self, event: ChoiceTable.Pointed) -> None:
        if event.row.why_not:
            self.status.warning(event.row.why_not)
        elif not self.loading_anything and not self.status.has_class("problem"):
            self.status.clear()

    def on_choice_table_chosen(self, event: ChoiceTable.Chosen) -> None:
        if self.loading_anything and self.status.has_class("busy"):
            return
        if event.row.why_not:
            self.status.problem(f"Not usable: {event.row.why_not}")
            return
        self.pick(event.row.item)

    def pick(self, item: object) -> None:
        raise NotImplementedError
