"""Step 5: the KMS key that encrypts the export; usable keys first, others with why not."""

from __future__ import annotations

from collections.abc import Sequence

from tui.app.kit.choice_table import ChoiceRow, fit_style
from tui.app.steps.choice_step import ChoiceStepScreen
from tui.core.fields import is_reference
from tui.core.model import Field, KeyChoice
from tui.wizard import state as wz
from tui.wizard.choices import match_key
from tui.wizard.present import choice_note
from tui.wizard.stages import Stage


class KeyScreen(ChoiceStepScreen):
    STAGE = Stage.KEY
    COLUMNS = ("Alias", "Key id", "Note")  # a key not Enabled says so in its note
    TYPED_LABEL = "…or type a key ARN, key id or alias and press Enter"

    def empty_note(self) -> str:
        return "No KMS key found in this Region. Type the ARN of the key to use below."

    def rows(self, items: Sequence[object]) -> list[ChoiceRow]:
        keys = [k for k in items if isinstance(k, KeyChoice)]
        return [ChoiceRow(k.arn, k, (", ".join(k.aliases) or "(no alias)", k.key_id,
                                     choice_note(k)), k.why_not, style=fit_style(k))
                for k in keys]

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
        if key is not None and not key.usable:
            self.status.problem(f"Not usable: {key.why_not}")
            return
        self.choose(wz.choose_key(self.state, arn, key))
