"""Step 3: the mailbox, found by searching as you type (debounced, stale searches cancelled),
or resolved exactly from a typed id, name or email."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from tui.app.kit.choice_table import ChoiceRow, ChoiceTable
from tui.app.steps.step_screen import StepScreen
from tui.core.model import Mailbox
from tui.wizard import calls
from tui.wizard import state as wz
from tui.wizard.choices import no_exact_mailbox
from tui.wizard.stages import Stage

SEARCH_DEBOUNCE_SECONDS = 0.25


def mailbox_row(mailbox: Mailbox) -> ChoiceRow:
    kind = mailbox.resource_type.title() if mailbox.resource_type else mailbox.kind.title()
    name = mailbox.display_name or mailbox.name
    style = "dim" if not mailbox.exportable else "yellow" if mailbox.state == "DISABLED" else ""
    return ChoiceRow(mailbox.id, mailbox, (name, mailbox.email, kind, mailbox.state.title()),
                     style=style)


class MailboxScreen(StepScreen):
    STAGE = Stage.MAILBOX
    CSS_PATH = "mailbox_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [Binding("down", "focus_results", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self._listed_for: str | None = None  # the search text the table's rows answer

    def compose_body(self) -> ComposeResult:
        mailbox = self.state.mailbox
        typed = mailbox.email or mailbox.name if mailbox else self.state.request.entity_id
        yield Input(value=typed, id="search",
                    placeholder="Start of a name, display name or email · Enter takes the "
                                "only or exact match")
        yield ChoiceTable(("Name", "Email", "Type", "State"), id="choices")

    @property
    def search_input(self) -> Input:
        return self.query_one("#search", Input)

    @property
    def table(self) -> ChoiceTable:
        return self.query_one("#choices", ChoiceTable)

    def load(self) -> None:
        self.search_input.focus()
        entity_id, aws = self.state.request.entity_id, self.wizard.aws
        if entity_id and self.state.mailbox is None and aws is not None:
            org_id = self.state.request.organization_id
            self.call_aws(lambda: calls.resolve_mailbox(aws, org_id, entity_id),
                          self._prefilled_found, message=f"Looking up {entity_id}…",
                          group="resolve")
        else:
            self.search(self.search_input.value)

    def _prefilled_found(self, mailbox: Mailbox | None) -> None:
        if mailbox is not None:
            self.wizard.state = wz.mailbox_known(self.state, mailbox)
            self.search_input.value = mailbox.email or mailbox.name
        self.search(self.search_input.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "search":
            return
        text = event.value
        self.debounce(SEARCH_DEBOUNCE_SECONDS, lambda: self.search(text))

    def search(self, text: str) -> None:
        """One server-side prefix search; a newer one cancels this one."""
        aws, org_id = self.wizard.aws, self.state.request.organization_id
        if aws is None:
            return
        self.call_aws(lambda: calls.search_mailboxes(aws, org_id, text.strip()),
                      lambda found: self._found(text, found), message=self.spec.loading,
                      group="search")

    def _found(self, text: str, mailboxes: Sequence[Mailbox]) -> None:
        self._listed_for = text.strip()
        self.table.show([mailbox_row(m) for m in mailboxes], self.state.request.entity_id)
        if not mailboxes:
            what = f" starting with {text.strip()!r}" if text.strip() else ""
            self.status.note(f"No user or resource{what} in this organization.")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "search":
            return
        event.stop()
        text = event.value.strip()
        pointed = self.table.pointed
        if not text:
            if pointed is not None:
                self.pick(pointed.item)
            return
        listed = pointed.item if pointed is not None else None
        if isinstance(listed, Mailbox) and text in _names_of(listed):
            self.pick(listed)  # already listed: no lookup needed
            return
        rows = self.table.rows_shown
        if self._listed_for == text and len(rows) == 1:
            self.pick(rows[0].item)  # the only mailbox starting with what was typed
            return
        aws, org_id = self.wizard.aws, self.state.request.organization_id
        if aws is None:
            return
        self.call_aws(lambda: calls.resolve_mailbox(aws, org_id, text),
                      lambda found: self._resolved(text, found),
                      message=f"Looking up {text}…", group="resolve")

    def _resolved(self, text: str, mailbox: Mailbox | None) -> None:
        if mailbox is None:
            self.status.problem(no_exact_mailbox(text))
        else:
            self.pick(mailbox)

    def on_choice_table_chosen(self, event: ChoiceTable.Chosen) -> None:
        self.pick(event.row.item)

    def pick(self, item: object) -> None:
        assert isinstance(item, Mailbox)
        self.stop_debounce()
        self.choose(wz.choose_mailbox(self.state, item))

    def action_focus_results(self) -> None:
        if self.search_input.has_focus and self.table.row_count:
            # At once, not deferred like widget.focus(): an Enter read together with this
            # Down must reach the results, not the search box.
            self.set_focus(self.table)


def _names_of(mailbox: Mailbox) -> tuple[str, ...]:
    return (mailbox.id, mailbox.name, mailbox.email)
