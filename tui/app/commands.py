"""Command palette entries that jump to any step the wizard can enter now."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.wizard import state as wz
from tui.wizard.steps import spec

if TYPE_CHECKING:
    from tui.app.wizard_app import WizardApp


class StepCommands(Provider):
    """`Go to step: Mailbox` for every completed (or first open) step but the current one."""

    def _targets(self) -> list[tuple[str, str, object]]:
        app = cast("WizardApp", self.app)
        return [
            (f"Go to step: {stage.value}", spec(stage).title, partial(app.go_to_stage, stage))
            for stage in wz.reachable_stages(app.state)
            if stage is not app.state.stage and not app.submitting
        ]

    async def discover(self) -> Hits:
        for name, help_text, run in self._targets():
            yield DiscoveryHit(name, run, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._targets():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)  # type: ignore[arg-type]
