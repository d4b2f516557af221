"""The findings about a step's fields: each with its level, message and fix; policy JSON shown
in full so it can be read and copied."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.core.model import Finding, Level

LEVEL_MARKS: dict[Level, tuple[str, str]] = {
    Level.OK: ("✓", "green"),
    Level.WARNING: ("⚠", "yellow"),
    Level.ERROR: ("✗", "bold red"),
    Level.UNCHECKED: ("?", "yellow"),
}


def finding_text(finding: Finding, *, with_policy: bool = True) -> Text:
    """One finding as lines: mark and message, then the fix, then the policy to copy."""
    mark, style = LEVEL_MARKS[finding.level]
    text = Text()
    text.append(f"{mark} ", style=style)
    text.append(finding.message)
    if finding.fix:
        text.append("\n  Fix: ", style="bold")
        text.append(finding.fix)
    if finding.policy and with_policy:
        text.append("\n  Policy to add (press p to copy):\n", style="bold")
        text.append(finding.policy, style="cyan")
    return text


def findings_text(findings: Iterable[Finding], *, with_policy: bool = True) -> Text:
    return Text("\n").join(finding_text(f, with_policy=with_policy) for f in findings)


class FindingsView(VerticalScroll, can_focus=False):
    """A short scrollable list of findings; hidden when there are none."""

    DEFAULT_CSS = """
    FindingsView { height: auto; max-height: 30%; padding: 0 1; display: none;
                   border-top: hkey $primary 40%; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="findings-text")

    _text = ""

    def show(self, findings: Iterable[Finding]) -> None:
        shown = list(findings)
        self.display = bool(shown)
        text = findings_text(shown)
        self._text = text.plain
        self.query_one("#findings-text", Static).update(text)

    @property
    def text(self) -> str:
        return self._text if self.display else ""
