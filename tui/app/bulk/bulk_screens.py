"""Where the bulk path branches off the wizard: which screen shows a bulk state's mailbox and
review steps, and the ctrl+o switch between one mailbox and many at the mailbox step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.app.steps.step_screen import StepScreen
from tui.wizard import state as wz
from tui.wizard.stages import Stage

if TYPE_CHECKING:
    from tui.app.wizard_app import WizardApp


def bulk_screen_for(state: wz.WizardState) -> StepScreen | None:
    """The bulk path's screen for `state`, or None when the single-export screen serves."""
    if state.bulk is None:
        return None
    if state.stage is Stage.MAILBOX:
        from tui.app.bulk.bulk_choose_screen import BulkChooseScreen

        return BulkChooseScreen()
    if state.stage is Stage.REVIEW and state.bulk_organizations:
        from tui.app.bulk.bulk_group_plan_screen import BulkGroupPlanScreen

        return BulkGroupPlanScreen()
    if state.stage is Stage.REVIEW:
        from tui.app.bulk.bulk_plan_screen import BulkPlanScreen

        return BulkPlanScreen()
    return None


def on_mailbox_step(app: WizardApp) -> bool:
    """Whether the single-mailbox step is showing: where ctrl+o opens the bulk path (the
    bulk step has its own ctrl+o back to one mailbox)."""
    from tui.app.steps.mailbox_screen import MailboxScreen

    return isinstance(app.screen, MailboxScreen)


def open_bulk(app: WizardApp) -> None:
    """At the mailbox step: every mailbox instead of one."""
    from tui.app.bulk.bulk_choose_screen import BulkChooseScreen

    if on_mailbox_step(app):
        app.switch_screen(BulkChooseScreen())
