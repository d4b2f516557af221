"""The mailbox step of the bulk path: every enabled user and resource, narrowed by a name or
email prefix, hand-picked with Space, or read from a list file (lines that name nothing
usable are listed with why). An unfinished run of the organization is offered for resuming.
Enter goes on with the marked mailboxes to the same role, key and destination steps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Static

from tui.app.kit.safe_markup import literal, markup_safe
from tui.app.steps.step_screen import StepScreen
from tui.core.safe_text import shown
from tui.wizard import state as wz
from tui.wizard.stages import Stage
from tui.wizard.steps import StepSpec

if TYPE_CHECKING:
    from tui.core.batch.model import RunInfo
    from tui.core.batch.plan import Chosen
    from tui.core.model import Mailbox

FILTER_DEBOUNCE_SECONDS = 0.25
SPEC = StepSpec(
    Stage.MAILBOX, "Choose the mailboxes to export",
    "Every enabled user and resource is marked: Enter goes on with them. / narrows by name "
    "or email, Space un/marks one, Tab reaches the list file; ctrl+o: one mailbox.",
    loading="Listing mailboxes…")


def _kind(mailbox: Mailbox) -> str:
    return (mailbox.resource_type or mailbox.kind).title()


class BulkChooseScreen(StepScreen):
    STAGE = Stage.MAILBOX
    CSS_PATH = "bulk_choose_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("space", "mark", "Mark", show=True),
        Binding("a", "mark_all", "All/none", show=False),
        Binding("ctrl+o", "one_mailbox", "One mailbox"),
        Binding("u", "resume_run", "Resume run"),
        # `/` reaches the filter from anywhere, the filter itself included: no WorkMail name
        # or email has a `/` (their patterns allow letters, digits and . _ - % + @), so it is
        # never typed there. In the list file's field it is part of a path (check_action).
        # Priority: the binding is asked before the focused Input types the key.
        Binding("slash", "focus_filter", "Filter", priority=True),
        Binding("down", "focus_table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.chosen: Chosen | None = self.state.bulk
        self.marked: set[str] = {m.id for m in self.chosen.mailboxes} if self.chosen else set()
        # Where the list shown came from: ("filter", text) or ("file", path). Kept equal to
        # what the two fields say, so the mailboxes that go on are the ones the screen names.
        self.source: tuple[str, str] = self.state.bulk_source if self.chosen else ("filter", "")
        self.unfinished: list[RunInfo] = []

    @property
    def spec(self) -> StepSpec:
        return SPEC

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="bulk-form-row"):
            yield Static("Filter", classes="bulk-form-label")
            yield Input(placeholder="name or email starts with… (empty: every enabled mailbox)",
                        id="bulk-filter", compact=True)
        with Horizontal(classes="bulk-form-row"):
            yield Static("List file", classes="bulk-form-label")
            yield Input(placeholder="…or a file of ids, names or emails, one a line (Enter "
                        "loads it)", id="bulk-file", compact=True)
        yield DataTable(cursor_type="row", id="bulk-mailboxes")
        yield Static(id="bulk-rejected")
        yield Static(id="bulk-marked")
        yield Static(id="bulk-unfinished")

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#bulk-mailboxes", DataTable)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#bulk-filter", Input)

    @property
    def file_input(self) -> Input:
        return self.query_one("#bulk-file", Input)

    def fields_say(self) -> tuple[str, str]:
        """The list the two fields name: the list file when one is given, else the filter
        (empty: every enabled mailbox)."""
        path = self.file_input.value.strip()
        return ("file", path) if path else ("filter", self.filter_input.value.strip())

    def load(self) -> None:
        self.table.add_column("", key="mark", width=1)
        for name in ("Name", "Email", "Type"):
            self.table.add_column(name, key=name.lower())
        self.query_one("#bulk-rejected", Static).display = False
        self.query_one("#bulk-unfinished", Static).display = False
        self.table.focus()  # Enter goes on at once; / or Tab reaches the filter
        if self.chosen is not None:
            kind, value = self.source  # the fields say again what the list came from
            field = self.file_input if kind == "file" else self.filter_input
            with field.prevent(Input.Changed):
                field.value = value
            self._show(self.chosen, keep_marks=True)
        else:
            self.list_mailboxes("")
        self._look_for_unfinished_runs()

    # ---- listing ---------------------------------------------------------------------
    def list_mailboxes(self, text: str) -> None:
        from tui.wizard.bulk import choose_matching

        aws, org_id = self.wizard.aws, self.state.request.organization_id
        if aws is None:
            return
        source = ("filter", text.strip())
        self.call_aws(lambda: choose_matching(aws, org_id, text),
                      lambda chosen: self._show(chosen, source=source),
                      message=SPEC.loading, group="list", busy=self.table)

    def load_file(self, path: str) -> None:
        from tui.wizard.bulk import choose_from_file

        aws, org_id = self.wizard.aws, self.state.request.organization_id
        if aws is None:
            return

        def read() -> Chosen | str:
            try:
                return choose_from_file(aws, org_id, path)
            except ValueError as exc:
                return str(exc)

        self.call_aws(read, lambda chosen: self._file_read(chosen, path),
                      message=f"Reading {path}…", group="list", busy=self.table)

    def _file_read(self, chosen: Chosen | str, path: str) -> None:
        if isinstance(chosen, str):
            self.status.problem(chosen)
            return
        with self.filter_input.prevent(Input.Changed):
            self.filter_input.value = ""  # the file's names are the list, not the filter
        self._show(chosen, source=("file", path))
        self.table.focus()

    def _show(self, chosen: Chosen, keep_marks: bool = False,
              source: tuple[str, str] | None = None) -> None:
        from tui.wizard.bulk import rejected_line

        self.chosen = chosen
        if source is not None:
            self.source = source
        if not keep_marks:
            self.marked = {m.id for m in chosen.mailboxes}
        self.table.clear()
        for mailbox in chosen.mailboxes:
            self.table.add_row(*self._cells(mailbox), key=mailbox.id)
        rejected = self.query_one("#bulk-rejected", Static)
        rejected.display = bool(chosen.rejected)
        text = Text(f"Not used ({len(chosen.rejected)}):", style="bold yellow")
        for line in chosen.rejected:
            text.append(f"\n  {rejected_line(line)}")
        rejected.update(text)
        if not chosen.mailboxes:
            self.status.note("No enabled user or resource matches; change the filter or "
                             "the list.")
        self._count()
        self.refresh_bindings()

    def _cells(self, mailbox: Mailbox) -> tuple[Text, ...]:
        marked = mailbox.id in self.marked
        style = "" if marked else "dim"
        return (Text("✓" if marked else "·", style="green" if marked else "dim"),
                literal(mailbox.display_name or mailbox.name, style),
                literal(mailbox.email, style), literal(_kind(mailbox), style))

    def _count(self) -> None:
        total = len(self.chosen.mailboxes) if self.chosen else 0
        text = Text(f"{len(self.marked)} of {total} marked", style="bold")
        text.append(" · Enter goes on · Space un/marks · a: all/none", style="dim")
        self.query_one("#bulk-marked", Static).update(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "bulk-filter":
            if self.file_input.value:
                with self.file_input.prevent(Input.Changed):
                    self.file_input.value = ""  # the filter lists again, not the file
            text = event.value
            self.debounce(FILTER_DEBOUNCE_SECONDS, lambda: self.list_mailboxes(text))
        elif event.input.id == "bulk-file" and not event.value.strip() \
                and self.source[0] == "file":
            self.stop_debounce()  # a cleared list file: the filter's list again
            self.list_mailboxes(self.filter_input.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "bulk-file" and event.value.strip():
            self.load_file(event.value.strip())
        else:
            self.table.focus()

    # ---- marking ---------------------------------------------------------------------
    def _redraw(self, ids: Sequence[str]) -> None:
        if self.chosen is None:
            return
        by_id = {m.id: m for m in self.chosen.mailboxes}
        for entity_id in ids:
            for column, cell in zip(("mark", "name", "email", "type"),
                                    self._cells(by_id[entity_id]), strict=True):
                self.table.update_cell(entity_id, column, cell)
        self._count()
        self.refresh_bindings()

    def action_mark(self) -> None:
        if not self.table.has_focus or not self.table.row_count:
            return
        key = self.table.coordinate_to_cell_key(self.table.cursor_coordinate).row_key.value
        if key is None:
            return
        self.marked ^= {key}
        self._redraw([key])
        if self.table.cursor_row < self.table.row_count - 1:
            self.table.move_cursor(row=self.table.cursor_row + 1)

    def action_mark_all(self) -> None:
        if self.chosen is None:
            return
        every = {m.id for m in self.chosen.mailboxes}
        self.marked = set() if self.marked == every else every
        self._redraw([m.id for m in self.chosen.mailboxes])

    def action_one_mailbox(self) -> None:
        self.wizard.go(wz.single_mailbox(self.state))

    def action_focus_filter(self) -> None:
        self.filter_input.focus()

    def action_focus_table(self) -> None:
        if not self.table.has_focus and self.table.row_count:
            self.table.focus()

    # ---- going on --------------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_next()

    def action_next(self) -> None:
        from tui.wizard.bulk import keep_only

        if self.fields_say() != self.source:
            self.status.problem(self._not_yet_listed())
            return
        if self.chosen is None or not self.marked:
            self.status.problem("Mark at least one mailbox (Space), or load another list.")
            return
        wanted = keep_only(self.chosen, self.marked)
        if self.state.bulk == wanted:  # chosen already (after_check comes back here)
            super().action_next()
        else:
            self.choose(wz.choose_bulk(self.state, wanted, self.source))

    def _not_yet_listed(self) -> str:
        """Why the list shown is not yet what the fields say."""
        kind, value = self.fields_say()
        if kind == "file" and not self.loading_anything:
            return f"The list file {value} is not loaded yet: Enter in its field loads it, " \
                   "or clear the field for every enabled mailbox."
        return "The list is being updated to what the fields say; Enter again once it shows."

    # ---- unfinished runs -------------------------------------------------------------
    def _look_for_unfinished_runs(self) -> None:
        org_id = self.state.request.organization_id

        def find() -> list[RunInfo]:
            from tui.core.batch.store import BatchStore
            from tui.wizard.bulk import unfinished_runs

            store = BatchStore.open()
            try:
                return unfinished_runs(store, org_id)
            finally:
                store.close()

        self.call_aws(find, self._unfinished_found, message="Looking for unfinished runs…",
                      group="runs", failed=lambda problem: self.notify(
                          f"Unfinished runs could not be read: "
                          f"{markup_safe(problem.sentence())}",
                          severity="warning"))

    def _unfinished_found(self, runs: list[RunInfo]) -> None:
        self.unfinished = runs
        self._show_unfinished()
        self.refresh_bindings()

    def _show_unfinished(self) -> None:
        """The offer to resume, with the key that resumes from where the cursor is: u is a
        letter of names, so in a text field it types; ↓ first leaves the field."""
        from tui.app.bulk.bulk_progress_screen import run_label

        runs = self.unfinished
        note = self.query_one("#bulk-unfinished", Static)
        note.display = bool(runs)
        if not runs:
            return
        more = f" (and {len(runs) - 1} older)" if len(runs) > 1 else ""
        how = ": ↓ to the list, then u resumes it." if isinstance(self.focused, Input) \
            else ": press u to resume it."
        note.update(Text.assemble(("⏸ Unfinished run ", "bold yellow"), shown(run_label(runs[0])),
                                  more, (how, "bold")))

    def on_descendant_focus(self) -> None:
        if self.unfinished:
            self._show_unfinished()

    def action_resume_run(self) -> None:
        from tui.app.bulk.bulk_progress_screen import BulkProgressScreen

        if self.unfinished and self.wizard.aws is not None:
            self.app.push_screen(BulkProgressScreen(self.wizard.aws, self.unfinished[0].run_id,
                                                    self.wizard.bulk_timing))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return bool(self.marked)
        if action == "resume_run":
            return bool(self.unfinished)
        if action == "focus_filter":  # in the list file's field, / is part of a path
            return self.focused is not self.file_input
        if action in ("mark", "mark_all"):
            return bool(self.chosen and self.chosen.mailboxes)
        return super().check_action(action, parameters)
