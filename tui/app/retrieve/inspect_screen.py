"""Inspect a downloaded export without unpacking it: its folders with their messages and
sizes in a table, then calendar items, the entries that are not messages (and why), and the
totals against the output log saved beside it. The reading runs in a thread worker."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker

from tui.app.kit.status_line import StatusLine
from tui.app.retrieve.places import place
from tui.app.steps.aws_calls import AwsCalls
from tui.core.model import AwsProblem
from tui.core.retrieve.model import Inspection
from tui.core.safe_text import shown
from tui.wizard.retrieve import counted, size_text

TOP_LEVEL = "(top level)"


def folder_name(path: tuple[str, ...]) -> str:
    return shown("/".join(path)) if path else TOP_LEVEL


def findings_text(inspection: Inspection) -> Text:
    """Calendar items, entries that are not messages, and the log's totals."""
    text = Text()
    if inspection.calendar_items:
        text.append(f"{counted(len(inspection.calendar_items), 'calendar item')}: ", "bold")
        text.append(", ".join(shown(name) for name in inspection.calendar_items) + "\n")
    if inspection.others:
        text.append(f"{counted(len(inspection.others), 'entry', 'entries')} that are not "
                    "messages (convert skips them):\n", "bold")
        for other in inspection.others:
            text.append(f"  {shown(other.name)}", "")
            text.append(f"  {shown(other.reason)}\n", "dim")
    if inspection.log is None:
        text.append("No output log beside the zip: the totals are not compared.", "yellow")
        return text
    text.append(f"Against the log {place(inspection.log.key)}:\n", "bold")
    for comparison in inspection.comparisons:
        logged = "not given" if comparison.logged is None else f"{comparison.logged:,}"
        verdict = ("✓ matches", "green") if comparison.matches else ("✗ differs", "bold red")
        text.append(f"  {comparison.name:<14} zip {comparison.found:>9,}   log {logged:>9}   ")
        text.append(*verdict)
        text.append("\n")
    return text


class InspectScreen(Screen[None]):
    CSS_PATH = "inspect_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "close", "Back")]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.inspection: Inspection | None = None
        self.calls = AwsCalls(self)

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble(("Inspect", "bold"), f" · {place(self.path)}"),
                     id="inspect-bar")
        yield Static(id="inspect-summary")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="inspect-folders")
        yield Static(id="inspect-findings")
        yield StatusLine()
        yield Footer()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#inspect-folders", DataTable)

    def on_mount(self) -> None:
        from tui.core.retrieve.inspect import inspect_zip

        self.table.add_column("Folder", key="folder")
        self.table.add_column(Text("Messages", justify="right"), key="messages")
        self.table.add_column(Text("Size", justify="right"), key="size", width=10)
        path = self.path
        self.calls.run(lambda: inspect_zip(path), self._inspected, self._failed,
                       message="Reading the zip…", group="inspect", busy=self.table)

    def _inspected(self, inspection: Inspection) -> None:
        self.inspection = inspection
        verdict = {True: ("  ✓ as the log says", "green"), False: ("  ✗ not as the log says",
                                                                    "bold red"),
                   None: ("", "")}[inspection.matches_log]
        self.query_one("#inspect-summary", Static).update(Text.assemble(
            (f"{counted(inspection.messages, 'message')} in "
             f"{counted(len(inspection.folders), 'folder')}", "bold"),
            f", {size_text(inspection.message_bytes)} of mail in a "
            f"{size_text(inspection.size)} zip", verdict))
        for folder in inspection.folders:
            self.table.add_row(Text(folder_name(folder.path)),
                               Text(f"{folder.messages:,}", justify="right"),
                               Text(size_text(folder.bytes), justify="right"))
        self.query_one("#inspect-findings", Static).update(findings_text(inspection))
        self.table.focus()

    def _failed(self, problem: AwsProblem) -> None:
        self.query_one(StatusLine).problem(shown(problem.sentence()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.calls.settle(event)

    def action_close(self) -> None:
        self.dismiss()
