"""The export wizard as a pure state machine: stages, a frozen state, transitions as functions,
and one spec per step. Both faces (Textual and plain) drive this model; it imports no screen
library and reaches AWS only through `tui.wizard.calls`, which imports the core lazily.
"""

from tui.wizard.stages import STAGE_ORDER, Stage, fields_of, stage_of
from tui.wizard.state import WizardState, start

__all__ = ["STAGE_ORDER", "Stage", "WizardState", "fields_of", "stage_of", "start"]
