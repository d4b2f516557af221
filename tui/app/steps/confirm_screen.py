"""Questions over the current step: `Question` is the centred dialog every question shares
(its look in confirm_screen.tcss); `ConfirmScreen` asks yes or no (submit this? quit while
submitting?)."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

Answer = TypeVar("Answer")


class Question(ModalScreen[Answer]):
    """A dialog in the middle of the screen: the question, then its buttons. A subclass in
    another folder names this CSS file by a path relative to its own module."""

    CSS_PATH = "confirm_screen.tcss"


class ConfirmScreen(Question[bool]):
    """Dismissed with True for yes (y, Enter on the yes button), False for no (n, Esc)."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str | Text, *, yes: str = "Yes", no: str = "No",
                 asks_to_quit: bool = False) -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no
        self.asks_to_quit = asks_to_quit  # ctrl+q again while it is open asks nothing new

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(self.question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes} (y)", variant="primary", id="confirm-yes")
                yield Button(f"{self.no} (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
