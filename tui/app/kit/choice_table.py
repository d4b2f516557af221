"""A table of choices (organizations, mailboxes, roles, keys, buckets): one row per item,
unusable rows dimmed with why, Enter chooses the highlighted row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable

from tui.core.model import BucketChoice, KeyChoice
from tui.core.safe_text import shown


@dataclass(frozen=True)
class ChoiceRow:
    """One row: a unique key, the item behind it, its cells, and why it cannot be used."""

    key: str
    item: object
    cells: tuple[str, ...]
    why_not: str = ""
    style: str = ""  # defaults to dim for a row with a why_not


LAST_COLUMN_MIN = 24  # narrower, a why-not sentence wraps into too many lines
CUT_COLUMN_MIN = 8  # a cut column keeps this much (a key id's first group)


def fit_style(choice: KeyChoice | BucketChoice) -> str:
    """A usable key or bucket the chosen role may not use is shown as a warning."""
    return "yellow" if choice.usable and choice.role_allows is False else ""


class ChoiceTable(DataTable[Text]):
    """Row-cursor table that posts `Chosen` (Enter/click) and `Pointed` (cursor moved)."""

    class Chosen(Message):
        def __init__(self, row: ChoiceRow) -> None:
            super().__init__()
            self.row = row

    class Pointed(Message):
        def __init__(self, row: ChoiceRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, columns: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", id=id)
        self._columns = tuple(columns)
        self._rows: dict[str, ChoiceRow] = {}
        self._width = 0  # the width the rows were last fitted to

    def on_mount(self) -> None:
        self.add_columns(*self._columns)

    def show(self, rows: Sequence[ChoiceRow], selected: str = "") -> None:
        """Replace the rows; put the cursor on `selected` when it is listed. The last column
        (why not, notes) gets the width left by the others and wraps at word boundaries; when
        that would be under LAST_COLUMN_MIN, the widest other column is cut (ending in …).
        Cells are outside text (names from AWS): shown with their control characters escaped,
        and as rich Text, which Textual does not read as markup."""
        rows = [replace(row, cells=tuple(map(shown, row.cells))) for row in rows]
        self.clear()
        self._rows = {row.key: row for row in rows}
        for column in self.ordered_columns:  # DataTable keeps the widest cell ever shown
            column.content_width = cell_len(column.label.plain)
            column.auto_width, column.width = True, 0
        fit, cut = self._fitted_widths(rows)
        self._width = self.size.width
        if not self._width:  # not laid out yet: fit once it is
            self.call_after_refresh(self._fit_again)
        if fit is not None:
            self.ordered_columns[-1].auto_width = False
            self.ordered_columns[-1].width = fit
        for index, width in cut.items():
            self.ordered_columns[index].auto_width = False
            self.ordered_columns[index].width = width
        for row in rows:
            style = row.style or ("dim" if row.why_not else "")
            wraps = fit is not None and cell_len(row.cells[-1]) > fit
            self.add_row(*(Text(cell, style=style, no_wrap=True, overflow="ellipsis")
                           if index in cut else Text(cell, style=style)
                           for index, cell in enumerate(row.cells)),
                         key=row.key, height=None if wraps else 1)
        if selected in self._rows:
            self.move_cursor(row=self.get_row_index(selected))

    def _fitted_widths(self, rows: Sequence[ChoiceRow]) -> tuple[int | None, dict[int, int]]:
        """The last column's width when its texts do not fit beside the others (None: they
        fit, or the table has no width yet), and the cut widths of other columns."""
        available = self.size.width - 2  # room for a vertical scrollbar
        if available <= 0 or not rows:
            return None, {}
        padding = 2 * self.cell_padding
        widths = [max(cell_len(str(column.label)), *(cell_len(r.cells[i]) for r in rows))
                  for i, column in enumerate(self.ordered_columns)]
        left = available - sum(w + padding for w in widths[:-1]) - padding
        if widths[-1] <= left:
            return None, {}
        cut: dict[int, int] = {}
        if left < LAST_COLUMN_MIN and len(widths) > 1:
            widest = max(range(len(widths) - 1), key=lambda i: widths[i])
            cut[widest] = max(widths[widest] - (LAST_COLUMN_MIN - left), CUT_COLUMN_MIN)
            left += widths[widest] - cut[widest]
        return max(left, LAST_COLUMN_MIN), cut

    def on_resize(self, event: events.Resize) -> None:
        """Fit the columns again when the width changed (not the height: a re-show moves
        the cursor, which would replace what the status line says)."""
        self._fit_again()

    def _fit_again(self) -> None:
        """Show the rows again if they were fitted to another width than the table's now."""
        if self._rows and self.size.width and self.size.width != self._width:
            pointed = self.pointed
            self.show(list(self._rows.values()), pointed.key if pointed else "")

    @property
    def pointed(self) -> ChoiceRow | None:
        """The row under the cursor, if any."""
        if not self._rows or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self._rows.get(key or "")

    @property
    def rows_shown(self) -> list[ChoiceRow]:
        return list(self._rows.values())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self._rows.get(event.row_key.value or "")
        if row is not None:
            self.post_message(self.Chosen(row))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        row = self._rows.get(event.row_key.value or "")
        if row is not None:
            self.post_message(self.Pointed(row))
