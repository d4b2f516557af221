"""Step 2: the WorkMail organization; only Active ones can be chosen."""

from __future__ import annotations

from collections.abc import Sequence

from tui.app.kit.choice_table import ChoiceRow
from tui.app.steps.choice_step import ChoiceStepScreen
from tui.core.model import Organization
from tui.wizard import state as wz
from tui.wizard.stages import Stage


class OrganizationScreen(ChoiceStepScreen):
    STAGE = Stage.ORGANIZATION
    COLUMNS = ("Alias", "State", "Default domain", "Organization id")

    def empty_note(self) -> str:
        region = self.wizard.aws.region if self.wizard.aws else "this Region"
        return (f"No WorkMail organization in {region}. Press Esc and choose the Region "
                "where your organization is.")

    def rows(self, items: Sequence[object]) -> list[ChoiceRow]:
        organizations = sorted((o for o in items if isinstance(o, Organization)),
                               key=lambda o: (not o.selectable, o.alias.lower()))
        return [ChoiceRow(o.id, o, (o.alias, o.state, o.default_domain, o.id), o.why_not)
                for o in organizations]

    def selected_key(self) -> str:
        return self.state.request.organization_id

    def pick(self, item: object) -> None:
        assert isinstance(item, Organization)
        self.choose(wz.choose_organization(self.state, item))
