"""The Textual app: holds the wizard state and the AWS connection, shows one screen per step,
guards quitting while a submit is in flight or a bulk run is going (which it pauses first),
offers every step in the palette, and ends with README's exit status for what was done."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from tui.app.bulk.bulk_screens import bulk_screen_for, on_mailbox_step, open_bulk
from tui.app.bulk.bulk_timing import BulkTiming
from tui.app.commands import StepCommands
from tui.app.jobs.job_timing import JobTiming
from tui.app.kit.copying import SAVE_KEY, Copied, copy_out, save_to_file
from tui.app.kit.safe_markup import markup_safe
from tui.app.kit.warm_up import warm_up
from tui.app.screens import screen_for
from tui.app.steps.confirm_screen import ConfirmScreen
from tui.commands import exit_codes
from tui.core.model import ConnectionSettings, ExportRequest
from tui.wizard import state as wz
from tui.wizard.stages import Stage

if TYPE_CHECKING:
    from tui.app.bulk.bulk_progress_screen import BulkProgressScreen
    from tui.core.batch.model import BatchProgress
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
        Binding(SAVE_KEY, "save_copied", "Save to file"),
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
        self.started_jobs: list[str] = []  # JobIds started in this session
        self.bulk_runs: dict[str, BatchProgress] = {}  # bulk runs driven in this session
        self.pausing_to_quit = False
        self.copied: Copied | None = None  # the text last sent to the clipboard
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
        """Quit; while a submit is in flight, ask first; while a bulk run is going, ask,
        pause it, and quit once the pause is stored (a second ctrl+q meanwhile: at once).
        How to resume a paused run is printed by `run()` after the app has closed."""
        if self.pausing_to_quit:
            self.quit_now()
            return
        if isinstance(self.screen, ConfirmScreen) and self.screen.asks_to_quit:
            return  # the question is on screen already
        going = self.bulk_run_going()
        if going is not None:
            self._ask_to_pause_and_quit(going)
        elif self.submitting:
            self.push_screen(ConfirmScreen(
                "A submit is in flight. If you quit now, check the job list before "
                "submitting again. Quit anyway?", yes="Quit", no="Stay", asks_to_quit=True),
                lambda quit_anyway: self.quit_now() if quit_anyway else None)
        else:
            self.quit_now()

    def bulk_run_going(self) -> BulkProgressScreen | None:
        """The progress screen whose run is going on (its runner working), if any."""
        from tui.app.bulk.bulk_progress_screen import BulkProgressScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, BulkProgressScreen) and screen.running:
                return screen
        return None

    def _ask_to_pause_and_quit(self, going: BulkProgressScreen) -> None:
        from tui.app.bulk.bulk_progress_screen import pausing_question

        def answered(yes: bool | None) -> None:
            if yes:
                self.pausing_to_quit = True
                going.pause_then(self.quit_now)

        self.push_screen(ConfirmScreen(pausing_question(going.run_id, "Quit workmail-export?"),
                                       yes="Pause and quit", no="Stay", asks_to_quit=True),
                         answered)

    def bulk_run_stands(self, run_id: str, progress: BatchProgress) -> None:
        """The latest progress of a bulk run driven here (from its progress screen)."""
        self.bulk_runs[run_id] = progress

    def runs_to_resume(self) -> list[str]:
        """Bulk runs of this session with mailboxes left to start or follow."""
        from tui.app.bulk.bulk_progress_screen import left

        return [run_id for run_id, progress in self.bulk_runs.items() if left(progress)]

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
        if action == "save_copied":  # offered on the screen where something was copied
            return self.copied is not None and self.copied.screen_id == id(self.screen)
        return True

    def copy_text(self, what: str, text: str, filename: str) -> None:
        """Send `text` to the terminal's clipboard, say honestly what that means, and offer
        ctrl+s to write it to `filename` instead (every copy in the app goes through here)."""
        self.copied = copy_out(self, what, text, filename)
        self.refresh_bindings()

    def action_save_copied(self) -> None:
        copied = self.copied
        if copied is None:
            return
        what = markup_safe(copied.what)
        try:
            path, written = save_to_file(copied.text, copied.filename)
        except OSError as exc:
            self.notify(f"{what[:1].upper()}{what[1:]} could not be written to a file in "
                        f"{markup_safe(Path.cwd())}: {markup_safe(exc.strerror or exc)}.",
                        severity="error")
            return
        self.notify(f"Wrote {what} to {markup_safe(path)} (readable by you only)." if written
                    else f"{what[:1].upper()}{what[1:]} is in {markup_safe(path)} already.",
                    timeout=10)

    def quit_now(self) -> None:
        """Exit with `exit_status()`, as both the app's result (what `run()` returns) and
        its return code."""
        code = self.exit_status()
        self.exit(code, return_code=code)

    def exit_status(self) -> int:
        """The exit status of README's table, for what this session did:
        130 when a bulk run is left to resume (paused); 1 when the last submit failed; 0
        when a job was started (4 when a bulk run ended with mailboxes FAILED or
        CANCELLED); 3 when quitting with an error found; else 130 (quit before submitting).
        """
        from tui.wizard.bulk import unsuccessful

        if self.runs_to_resume():
            return exit_codes.INTERRUPTED
        state = self.state
        if state.problem is not None and state.result is None:
            return exit_codes.AWS_ERROR
        if any(unsuccessful(progress) for progress in self.bulk_runs.values()):
            return exit_codes.JOB_UNSUCCESSFUL
        if self.started_jobs or self.bulk_runs or state.result is not None:
            return exit_codes.OK
        if wz.has_error(state.findings):
            return exit_codes.CHECK_ERRORS
        return exit_codes.INTERRUPTED

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

