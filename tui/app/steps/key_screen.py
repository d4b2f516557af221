"""Step 5: the KMS key that encrypts the export; usable keys first, others with why not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding

from tui.app.kit.choice_table import ChoiceRow, ChoiceTable, fit_style
from tui.app.setup.step_actions import SetupActions
from tui.app.steps.choice_step import ChoiceStepScreen
from tui.core.fields import is_reference
from tui.core.model import Field, KeyChoice
from tui.wizard import state as wz
from tui.wizard.choices import match_key
from tui.wizard.present import choice_note
from tui.wizard.setup_actions import enabled_by_setup
from tui.wizard.stages import Stage


class KeyScreen(SetupActions, ChoiceStepScreen):
    STAGE = Stage.KEY
    COLUMNS = ("Alias", "Key id", "Note")  # a key not Enabled says so in its note
    TYPED_LABEL = "…or type a key ARN, key id or alias and press Enter"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("c", "setup_create", "Create a key"),
        Binding("f", "setup_fix", "Fix this key"),
    ]

    def empty_note(self) -> str:
        return ("No KMS key found in this Region. Press c to create one (you see the plan "
                "first), or type the ARN of the key to use below.")

    def offers_create(self) -> bool:
        """Offered when no listed key can be used."""
        return not any(isinstance(k, KeyChoice) and k.usable for k in self.items)

    def rows(self, items: Sequence[object]) -> list[ChoiceRow]:
        keys = [k for k in items if isinstance(k, KeyChoice)]
        return [ChoiceRow(k.arn, k, (", ".join(k.aliases) or "(no alias)", k.key_id,
                                     choice_note(k)), k.why_not, style=fit_style(k))
                for k in keys]

    def on_choice_table_chosen(self, event: ChoiceTable.Chosen) -> None:
        """A disabled key, or one pending deletion, may be chosen: its check then offers the
        fix (f: EnableKey, CancelKeyDeletion) instead of only saying why not."""
        if isinstance(event.row.item, KeyChoice) and enabled_by_setup(event.row.item):
            event.prevent_default()  # (the base handler refuses unusable rows)
            if not self.loading_anything:
                self.pick(event.row.item)

    def selected_key(self) -> str:
        return self.state.request.kms_key_arn

    def typed_value(self) -> str:
        request = self.state.request
        return request.kms_key_arn if request.kms_key_arn and self.state.key is None else ""

    def pick(self, item: object) -> None:
        assert isinstance(item, KeyChoice)
        self.choose(wz.choose_key(self.state, item.arn, item))

    def pick_typed(self, text: str) -> None:
        arn, key = match_key(text, [k for k in self.items if isinstance(k, KeyChoice)])
        if key is None and is_reference(Field.KMS_KEY, arn):  # an id or alias not listed
            self.look_up(Field.KMS_KEY, arn, lambda found: wz.choose_key(self.state, found))
            return
        if key is not None and not key.usable and not enabled_by_setup(key):
            self.status.problem(f"Not usable: {key.why_not}")
            return
        self.choose(wz.choose_key(self.state, arn, key))
