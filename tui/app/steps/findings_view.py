"""The findings about a step's fields: each with its level, message and fix; policy JSON shown
in full so it can be read and copied."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.core.model import Finding, Level
from tui.wizard.present import finding_lines

LEVEL_STYLES: dict[Level, str] = {
    Level.OK: "green", Level.WARNING: "yellow", Level.ERROR: "bold red",
    Level.UNCHECKED: "yellow",
}
_POLICY_HEADING = "  Policy to add:"


def finding_text(finding: Finding, *, with_policy: bool = True) -> Text:
    """The wizard's lines for one finding (tui.wizard.present), styled: the mark in its
    level's colour, "Fix:" in bold, the policy JSON in cyan with the key that copies it."""
    first, *rest = finding_lines(finding, with_policy=with_policy)
    mark, message = first.split(" ", 1)
    text = Text.assemble((mark, LEVEL_STYLES[finding.level]), " ", message)
    in_policy = False
    for line in rest:
        text.append("\n")
        if line == _POLICY_HEADING:
            in_policy = True
            text.append(f"{_POLICY_HEADING[:-1]} (press p to copy):", style="bold")
        elif in_policy:
            text.append(line, style="cyan")
        elif line.startswith("  Fix: "):
            text.append("  Fix: ", style="bold")
            text.append(line[len("  Fix: "):])
        else:
            text.append(line)
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
