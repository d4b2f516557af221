"""The Textual app: holds the wizard state and the AWS connection, shows one screen per step,
guards quitting while a submit is in flight, and offers the completed steps in the palette."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from tui.app.bulk.bulk_screens import bulk_screen_for, on_mailbox_step, open_bulk
from tui.app.bulk.bulk_timing import BulkTiming
from tui.app.commands import StepCommands
from tui.app.jobs.job_timing import JobTiming
from tui.app.kit.warm_up import warm_up
from tui.app.screens import screen_for
from tui.app.steps.confirm_screen import ConfirmScreen
from tui.core.model import ConnectionSettings, ExportRequest
from tui.wizard import state as wz
from tui.wizard.stages import Stage

if TYPE_CHECKING:
    from tui.core.retrieve.transfer import TransferOptions
    from tui.core.session import Aws

WARM_UP_DELAY = 0.3  # seconds after mount: the first step is on screen by then


class WizardApp(App[int]):
    """One mailbox export, from connection to JobId."""

    TITLE = "workmail-export"
    CSS_PATH = "wizard_app.tcss"
    COMMANDS: ClassVar = App.COMMANDS | {StepCommands}
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("j", "jobs", "Jobs", show=False),
        Binding("ctrl+o", "bulk", "Every mailbox"),
    ]

    def __init__(self, settings: ConnectionSettings, prefill: ExportRequest | None = None) -> None:
        super().__init__()
        self.state = wz.start(settings, prefill)
        self.aws: Aws | None = None
        self.submitting = False
        # With values prefilled, the walk resumes at the first open step once connected.
        self.resume_when_connected = _has_values(prefill)
        self.job_timing = JobTiming()  # the monitor's poll pacing and clock (tests swap it)
        self.bulk_timing = BulkTiming()  # the bulk runner's clock and tuning (tests swap it)
        self.transfer_options: TransferOptions | None = None  # downloads' part size (tests)

    def on_mount(self) -> None:
        self.push_screen(screen_for(self.state.stage))
        # Once the first step is painted and answering keys, ready the later steps.
        self.set_timer(WARM_UP_DELAY, lambda: warm_up(self), name="warm-up")

    def go(self, state: wz.WizardState) -> None:
        """Show `state`: switch to the screen of its stage. A question still open over the
        step (quit while submitting?) is moot once the step changes, so it closes first."""
        self.state = state
        while isinstance(self.screen, ModalScreen) and len(self.screen_stack) > 1:
            self.pop_screen()
        self.switch_screen(bulk_screen_for(state) or screen_for(state.stage))

    def go_to_stage(self, stage: Stage) -> None:
        """Jump to a stage when it can be entered (palette, review links)."""
        target = wz.goto(self.state, stage)
        if target.stage is stage:
            self.go(target)

    def connected(self, aws: Aws, state: wz.WizardState) -> None:
        """The connection step confirmed who the caller is."""
        self.aws = aws
        self.state = state
        if self.resume_when_connected:
            self.resume_when_connected = False
            self.go(wz.resume(state))

    async def action_quit(self) -> None:
        if not self.submitting:
            self.exit(self.return_value_now())
            return

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.exit(self.return_value_now())

        self.push_screen(ConfirmScreen(
            "A submit is in flight. If you quit now, check the job list before submitting "
            "again. Quit anyway?", yes="Quit", no="Stay"), answered)

    def action_jobs(self) -> None:
        """The jobs screen (history, monitor, cancel) over the current step."""
        from tui.app.jobs.jobs_screen import open_jobs_screen

        open_jobs_screen(self)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Export jobs", "Monitor or cancel a job; jobs of the last seven "
                            "days and every job started here", self.action_jobs)

    def action_bulk(self) -> None:
        """At the mailbox step: export every mailbox (the bulk path)."""
        open_bulk(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "bulk":
            return on_mailbox_step(self)
        return True

    def return_value_now(self) -> int:
        """1 when the last submit failed, else 0."""
        return 1 if self.state.problem is not None and self.state.result is None else 0

    def reset_connection(self, settings: ConnectionSettings) -> None:
        """Other settings chosen: the old connection is dropped."""
        self.aws = None
        self.state = wz.with_settings(self.state, settings)


def _has_values(prefill: ExportRequest | None) -> bool:
    if prefill is None:
        return False
    blank = replace(prefill, organization_id="", entity_id="", role_arn="", kms_key_arn="",
                    bucket="", prefix="", description="")
    return prefill != blank

