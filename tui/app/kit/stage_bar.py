"""The top line of every step: where the person is in the walk and which steps are done."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from tui.wizard.stages import STAGE_ORDER, Stage


class StageBar(Widget):
    """`✓ Connection ▸ ✓ Organization ▸ Mailbox ▸ …` with the current step highlighted;
    narrower terminals get `Step 3 of 8 · Mailbox` and the done marks only."""

    DEFAULT_CSS = """
    StageBar { height: 1; width: 1fr; padding: 0 1; background: $panel; }
    """

    def __init__(self, current: Stage, done: tuple[Stage, ...]) -> None:
        super().__init__()
        self.current = current
        self.done = done

    def render(self) -> Text:
        full = self._full()
        if full.cell_len <= self.size.width - 2:
            return full
        return self._short()

    def _full(self) -> Text:
        text = Text()
        for stage in STAGE_ORDER:
            if text:
                text.append(" ▸ ", style="dim")
            text.append(self._label(stage), style=self._style(stage))
        return text

    def _short(self) -> Text:
        text = Text(f"Step {self.current.position + 1} of {len(STAGE_ORDER)} · ", style="dim")
        text.append(self.current.value, style="bold reverse")
        text.append(" ")
        for stage in STAGE_ORDER:
            mark = "●" if stage is self.current else "✓" if stage in self.done else "·"
            text.append(" ")
            text.append(mark, style=self._style(stage))
        return text

    def _label(self, stage: Stage) -> str:
        return f"✓ {stage.value}" if stage in self.done and stage is not self.current else \
            stage.value

    def _style(self, stage: Stage) -> str:
        if stage is self.current:
            return "bold reverse"
        return "" if stage in self.done else "dim"
