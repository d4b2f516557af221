"""Several organizations at once, at the bulk mailbox step: the organizations of the Region,
the current one marked; Space marks others (Active ones only: the others say why), Enter
goes on with the marked ones, Esc keeps things as they were."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from tui.app.kit.safe_markup import markup_safe
from tui.core.model import Organization
from tui.core.safe_text import shown


class BulkOrganizationsScreen(ModalScreen[tuple[Organization, ...] | None]):
    """Dismissed with the marked organizations (Enter), or None (Esc)."""

    CSS_PATH = "bulk_orgs_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("space", "mark", "Mark"),
        Binding("enter", "done", "Go on", priority=True),
        Binding("escape", "cancel", "Back"),
    ]

    def __init__(self, organizations: Sequence[Organization], marked: set[str]) -> None:
        super().__init__()
        self.organizations = list(organizations)
        self.marked = {o.id for o in self.organizations if o.id in marked and o.selectable}

    def compose(self) -> ComposeResult:
        with Vertical(id="orgs-dialog"):
            yield Static(Text.assemble(
                ("Export several organizations at once\n", "bold"),
                ("Each organization runs on its own 10 export slots, side by side, with the "
                 "role, key and bucket you choose next (its trust must name them all). Space "
                 "marks, Enter goes on, Esc goes back.", "dim")), id="orgs-intro")
            yield DataTable(cursor_type="row", id="orgs-table")
            yield Static(id="orgs-count")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("", "mark"), ("Organization", "alias"), ("Id", "id"),
                           ("State", "state")):
            table.add_column(label, key=key)
        for org in self.organizations:
            table.add_row(*self._cells(org), key=org.id)
        table.focus()
        self._count()

    def _cells(self, org: Organization) -> tuple[Text, ...]:
        marked = org.id in self.marked
        style = "" if org.selectable else "dim"
        mark = Text("✓", style="green") if marked else Text("·", style="dim")
        state = Text(org.state if org.selectable else f"{org.state}: cannot take part",
                     style=style)
        return (mark, Text(shown(org.alias), style=style), Text(org.id, style=style), state)

    def _count(self) -> None:
        self.query_one("#orgs-count", Static).update(Text(
            f"{len(self.marked)} of {sum(o.selectable for o in self.organizations)} Active "
            "organizations marked", style="bold"))

    def action_mark(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        org = next((o for o in self.organizations if o.id == key), None)
        if org is None or not org.selectable:
            self.notify(markup_safe(org.why_not if org else ""), severity="warning")
            return
        self.marked ^= {org.id}
        for column, cell in zip(("mark", "alias", "id", "state"), self._cells(org),
                                strict=True):
            table.update_cell(org.id, column, cell)
        self._count()
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_done(self) -> None:
        if not self.marked:
            self.notify("Mark at least one organization (Space).", severity="warning")
            return
        self.dismiss(tuple(o for o in self.organizations if o.id in self.marked))

    def action_cancel(self) -> None:
        self.dismiss(None)
