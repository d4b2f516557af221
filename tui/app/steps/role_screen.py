"""Step 4: the IAM role WorkMail assumes; roles made for the organization first, then the
others trusting WorkMail's export service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding

from tui.app.kit.choice_table import ChoiceRow, ChoiceTable
from tui.app.setup.step_actions import SetupActions
from tui.app.steps.choice_step import ChoiceStepScreen
from tui.core.fields import is_reference
from tui.core.model import Field, RoleChoice
from tui.wizard import state as wz
from tui.wizard.choices import match_role
from tui.wizard.present import role_trust
from tui.wizard.stages import Stage


class RoleScreen(SetupActions, ChoiceStepScreen):
    STAGE = Stage.ROLE
    COLUMNS = ("Role", "Trusts WorkMail export")
    TYPED_LABEL = "…or type a role ARN or name and press Enter"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("c", "setup_create", "Create a role"),
        Binding("f", "setup_fix", "Fix this role"),
    ]

    def empty_note(self) -> str:
        return ("No IAM role found. Press c to create one for this export (you see the plan "
                "first), or type the ARN of the role to use below.")

    def offers_create(self) -> bool:
        """Offered when no listed role trusts WorkMail's export service."""
        return not any(isinstance(r, RoleChoice) and r.trusts_workmail for r in self.items)

    def rows(self, items: Sequence[object]) -> list[ChoiceRow]:
        roles = [r for r in items if isinstance(r, RoleChoice)]
        return [ChoiceRow(r.arn, r, (r.name, role_trust(r)),
                          style="" if r.trusts_workmail else "yellow") for r in roles]

    def on_choice_table_pointed(self, event: ChoiceTable.Pointed) -> None:
        role = event.row.item
        if isinstance(role, RoleChoice) and not role.trusts_workmail and role.note:
            self.status.warning(f"{role.name} {role.note}.")
            event.prevent_default()  # the base handler would clear the line again

    def selected_key(self) -> str:
        return self.state.request.role_arn

    def typed_value(self) -> str:
        request = self.state.request
        return request.role_arn if request.role_arn and self.state.role is None else ""

    def pick(self, item: object) -> None:
        assert isinstance(item, RoleChoice)
        self.choose(wz.choose_role(self.state, item.arn, item))

    def pick_typed(self, text: str) -> None:
        arn, role = match_role(text, [r for r in self.items if isinstance(r, RoleChoice)])
        if role is None and is_reference(Field.ROLE, arn):  # a name not listed
            self.look_up(Field.ROLE, arn, lambda found: wz.choose_role(self.state, found))
            return
        self.choose(wz.choose_role(self.state, arn, role))
