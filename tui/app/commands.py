"""Command palette entries: `Go to step: …` for every step of the wizard. A step that can be
entered now jumps there; one that needs an earlier step's values first says which."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.wizard import state as wz
from tui.wizard.stages import STAGE_ORDER, Stage
from tui.wizard.steps import spec

if TYPE_CHECKING:
    from tui.app.wizard_app import WizardApp


class StepCommands(Provider):
    """Every step but the current one (the result only once something was submitted)."""

    def _targets(self) -> list[tuple[str, str, Callable[[], None]]]:
        app = cast("WizardApp", self.app)
        state = app.state
        if app.submitting:
            return []
        targets = []
        for stage in STAGE_ORDER:
            if stage is state.stage or (stage is Stage.RESULT
                                        and not wz.can_enter(state, stage)):
                continue
            missing = wz.missing_before(state, stage)
            if missing is None:
                targets.append((f"Go to step: {stage.value}", spec(stage).title,
                                partial(app.go_to_stage, stage)))
            else:
                targets.append((f"Go to step: {stage.value}",
                                f"opens once the {missing.value} step has a value",
                                partial(self._closed, app, stage, missing)))
        return targets

    @staticmethod
    def _closed(app: WizardApp, stage: Stage, missing: Stage) -> None:
        app.notify(f"{spec(missing).title} first: the {stage.value} step needs it.",
                   severity="warning")

    async def discover(self) -> Hits:
        for name, help_text, run in self._targets():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._targets():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
