"""The line under a step's body that says what is going on: loading, a problem, a hint."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import LoadingIndicator, Static

from tui.app.kit.safe_markup import literal


class StatusLine(Horizontal):
    """Shows a LoadingIndicator with what is loading, or a problem sentence, or a note.

    A sentence may say what it is `about` (the step's findings, the fields typed): it is a
    verdict on that thing, withdrawn with `clear(about=...)` once that thing has changed,
    while a sentence about something else stays.
    """

    DEFAULT_CSS = """
    StatusLine { height: auto; min-height: 1; padding: 0 1; display: none; }
    StatusLine LoadingIndicator { width: 5; height: 1; min-height: 1; display: none;
                                  margin-right: 1; }
    StatusLine.busy LoadingIndicator { display: block; }
    StatusLine #status-text { width: 1fr; }
    StatusLine.problem { background: $error 15%; }
    StatusLine.problem #status-text { color: $text-error; }
    StatusLine.warning #status-text { color: $text-warning; }
    """

    def compose(self) -> ComposeResult:
        yield LoadingIndicator()
        yield Static(id="status-text")

    _text = ""
    _about = ""

    def _show(self, text: str | Text, kind: str, about: str = "") -> None:
        """A str may hold outside text (a name, AWS's message): it is shown literally."""
        shown = text if isinstance(text, Text) else literal(text, lines=True)
        self._text = shown.plain
        self._about = about
        self.set_classes(kind)
        self.display = True
        self.query_one("#status-text", Static).update(shown)

    def busy(self, text: str) -> None:
        """Something is loading: the indicator spins beside `text`."""
        self._show(text, "busy")

    def problem(self, text: str, about: str = "") -> None:
        """Something failed: the sentence stays until the next call."""
        self._show(text, "problem", about)

    def warning(self, text: str, about: str = "") -> None:
        self._show(text, "warning", about)

    def note(self, text: str, about: str = "") -> None:
        self._show(text, "note", about)

    def clear(self, about: str | None = None) -> None:
        """Hide the line; with `about`, only when what it says is about that."""
        if about is not None and (self._about != about or self.has_class("busy")):
            return
        self._about = ""
        self.set_classes("")
        self.display = False

    @property
    def text(self) -> str:
        """What the line says now (for tests and screen readers)."""
        if not self.display:
            return ""
        return self._text
