"""Cancelling a bulk run asks one more thing: cancel the jobs already running too, or let
them finish (and keep their exports); Esc keeps the run going."""

from __future__ import annotations

from enum import Enum
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tui.app.steps.confirm_screen import Question


class CancelChoice(Enum):
    WITH_RUNNING = "with-running"
    LET_FINISH = "let-finish"


class BulkCancelScreen(Question[CancelChoice | None]):
    CSS_PATH = "../steps/confirm_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("c", "answer('with-running')", "Cancel them too"),
        Binding("l", "answer('let-finish')", "Let them finish"),
        Binding("escape,k", "keep", "Keep going"),
    ]

    def __init__(self, running: int, waiting: int) -> None:
        super().__init__()
        self.running = running
        self.waiting = waiting

    def compose(self) -> ComposeResult:
        question = Text("Cancel the run?\n\n", style="bold")
        question.append(f"{self.waiting} mailbox(es) not started yet will not be started. "
                        f"{self.running} job(s) are running at WorkMail now: cancel them too "
                        "(their exports are lost), or let them finish?")
        with Vertical(id="confirm-dialog"):
            yield Static(question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel them too (c)", variant="error", id="with-running")
                yield Button("Let them finish (l)", variant="primary", id="let-finish")
                yield Button("Keep going (k)", id="keep")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "keep":
            self.dismiss(None)
        else:
            self.action_answer(event.button.id or "")

    def action_answer(self, choice: str) -> None:
        self.dismiss(CancelChoice(choice))

    def action_keep(self) -> None:
        self.dismiss(None)
