"""Which screen shows which stage."""

from __future__ import annotations

from tui.app.steps.step_screen import StepScreen
from tui.wizard.stages import Stage


def screen_for(stage: Stage) -> StepScreen:
    """A fresh screen for `stage`; it reads the wizard state when it mounts."""
    from tui.app.steps.connection_screen import ConnectionScreen
    from tui.app.steps.destination_screen import DestinationScreen
    from tui.app.steps.key_screen import KeyScreen
    from tui.app.steps.mailbox_screen import MailboxScreen
    from tui.app.steps.organization_screen import OrganizationScreen
    from tui.app.steps.result_screen import ResultScreen
    from tui.app.steps.review_screen import ReviewScreen
    from tui.app.steps.role_screen import RoleScreen

    screens: dict[Stage, type[StepScreen]] = {
        Stage.CONNECTION: ConnectionScreen, Stage.ORGANIZATION: OrganizationScreen,
        Stage.MAILBOX: MailboxScreen, Stage.ROLE: RoleScreen, Stage.KEY: KeyScreen,
        Stage.DESTINATION: DestinationScreen, Stage.REVIEW: ReviewScreen,
        Stage.RESULT: ResultScreen,
    }
    return screens[stage]()
