"""Download one export or every export of a run, with Textual's ProgressBar.

A thread worker takes the exports in turn: verify (missing or incomplete ones are not
downloaded), then the core's resumable download, whose progress reaches the bar through
`call_from_thread` (at most once per percent or part). Each export ends in a line: where it
was saved and whether its sha384 matches the log. Stop (s, or leaving) ends the download
after the parts in flight; what is saved is kept and r (or Download again) continues it.
i inspects the last export downloaded; e delivers what was downloaded into IMAP mailboxes
(tui.app.retrieve.deliver_screen).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, ProgressBar, Static
from textual.worker import Worker, WorkerState

from tui.app.kit.status_line import StatusLine
from tui.app.retrieve.places import place
from tui.app.retrieve.proof_view import DOWNLOADABLE, VERDICT_LOOK
from tui.core.model import CoreError
from tui.core.retrieve.model import DownloadProgress, DownloadResult, DownloadState
from tui.core.safe_text import shown
from tui.wizard.retrieve import size_text

if TYPE_CHECKING:
    from tui.core.retrieve.transfer import TransferOptions
    from tui.core.session import Aws
    from tui.wizard.retrieve import ChosenExport

RESULT_LOOK = {DownloadState.MATCHED: ("✓", "green"), DownloadState.NO_LOG: ("?", "yellow"),
               DownloadState.HASH_MISMATCH: ("✗", "bold red")}


class DownloadScreen(Screen[None]):
    """Downloads `targets` into `directory` (`options`: part size and concurrency; None for
    the defaults, or the app's `transfer_options` when it has some)."""

    CSS_PATH = "download_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "close", "Back"),
        Binding("s", "stop", "Stop"),
        Binding("r", "resume", "Continue"),
        Binding("i", "inspect", "Inspect"),
        Binding("e", "deliver", "Deliver by IMAP"),
    ]

    def __init__(self, aws: Aws, targets: list[ChosenExport], directory: Path,
                 options: TransferOptions | None = None) -> None:
        super().__init__()
        self.aws = aws
        self.options = options
        self.targets = targets
        self.directory = directory
        self.results: dict[str, DownloadResult] = {}  # JobId -> finished download
        self.lines: list[Text] = []
        self.stopped = False
        self._stop = threading.Event()
        self._worker: Worker[None] | None = None
        self._shown: tuple[int, int] = (-1, -1)

    def compose(self) -> ComposeResult:
        count = len(self.targets)
        yield Static(Text.assemble(("Download", "bold"),
                                   f" · {count} export{'s' * (count != 1)} to "
                                   f"{place(self.directory)}"), id="download-bar")
        with VerticalScroll(id="download-body"):
            yield Static(id="download-current")
            yield ProgressBar(total=None, show_eta=False, id="download-progress")
            yield Static(id="download-detail")
            if count > 1:
                yield Static(id="download-overall-label")
                yield ProgressBar(total=count, show_eta=False, id="download-overall")
            yield Static(id="download-results")
            with Horizontal(classes="buttons", id="download-buttons"):
                yield Button("Stop (s)", variant="warning", id="stop")
                yield Button("Continue (r)", variant="primary", id="resume")
                yield Button("Inspect (i)", id="inspect")
                yield Button("Deliver by IMAP (e)", id="deliver")
        yield StatusLine()
        yield Footer()

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.is_running

    def on_mount(self) -> None:
        self.options = self.options or getattr(self.app, "transfer_options", None)
        self._start()

    # ---- the worker ------------------------------------------------------------------
    def _start(self) -> None:
        self._stop.clear()
        self.stopped = False
        todo = [t for t in self.targets if t.job.job_id not in self.results]
        self.status.note("Downloading… (s stops; what is saved is kept)")  # the bar moves
        self._worker = self.run_worker(lambda: self._download_all(todo), thread=True,
                                       group="download", exit_on_error=False,
                                       name="Downloading…")
        self._buttons()

    def _download_all(self, targets: list[ChosenExport]) -> None:
        from tui.core.retrieve.transfer import DownloadStopped
        from tui.wizard.retrieve import download_and_record, verify_and_record

        call = self._on_screen
        for target in targets:
            if self._stop.is_set():
                return
            call(self._begin, target)
            verification = verify_and_record(self.aws, target.job)
            if verification.state not in DOWNLOADABLE:
                call(self._line, target, Text.assemble(
                    (f"{VERDICT_LOOK[verification.state][0]} ", VERDICT_LOOK[
                        verification.state][2]), shown(verification.sentence)))
                continue
            try:
                result = download_and_record(
                    self.aws, target, self.directory, verification, self.options,
                    on_progress=self._progressed, stop=self._stop)
            except DownloadStopped as stopped:
                call(self._line, target, Text(
                    f"⏸ stopped: {stopped.parts_done} of {stopped.parts} parts are saved; r "
                    "continues the download.", style="yellow"))
                return
            except CoreError as error:
                call(self._line, target, Text(f"✗ {shown(error.problem.sentence())}",
                                              style="red"))
                continue
            call(self._finished, target, result)

    def _progressed(self, progress: DownloadProgress) -> None:
        """On the download's threads: pass a snapshot on when a percent or a part changed."""
        percent = progress.done_bytes * 100 // max(progress.total_bytes, 1)
        seen = (percent, progress.parts_done)
        if seen != self._shown:
            self._shown = seen
            self._on_screen(self._show_progress, progress)

    def _on_screen(self, show: Callable[..., None], *values: Any) -> None:
        """From the download's thread: run `show` on the UI thread while the screen is
        still shown (a download stopped by leaving the screen ends unseen)."""
        def shown_if_attached() -> None:
            if self.is_attached:
                show(*values)

        self.app.call_from_thread(shown_if_attached)

    # ---- on the UI thread ------------------------------------------------------------
    def _begin(self, target: ChosenExport) -> None:
        self._shown = (-1, -1)
        self.query_one("#download-current", Static).update(Text.assemble(
            (shown(target.label), "bold"), (f"  ({target.job.job_id})", "dim")))
        bar = self.query_one("#download-progress", ProgressBar)
        bar.update(total=None, progress=0)
        self.query_one("#download-detail", Static).update(
            Text("Verifying the export in S3…", style="dim"))
        self._overall()

    def _show_progress(self, progress: DownloadProgress) -> None:
        self.query_one("#download-progress", ProgressBar).update(
            total=max(progress.total_bytes, 1), progress=progress.done_bytes)
        kept = (f" ({size_text(progress.reused_bytes)} kept from before)"
                if progress.reused_bytes else "")
        self.query_one("#download-detail", Static).update(Text(
            f"{progress.parts_done} of {progress.parts_total} parts · "
            f"{size_text(progress.done_bytes)} of {size_text(progress.total_bytes)}{kept}"))

    def _finished(self, target: ChosenExport, result: DownloadResult) -> None:
        self.results[target.job.job_id] = result
        symbol, style = RESULT_LOOK[result.state]
        how = "already there" if result.already_there else result.state.value
        self._line(target, Text.assemble((f"{symbol} {how}", style),
                                         f" → {place(result.path)}"))

    def _line(self, target: ChosenExport, text: Text) -> None:
        line = Text.assemble((shown(target.label), "bold"), "  ", text)
        self.lines.append(line)
        self.query_one("#download-results", Static).update(Text("\n").join(self.lines))
        self._overall()

    def _overall(self) -> None:
        if len(self.targets) > 1:
            done = len(self.lines)
            self.query_one("#download-overall", ProgressBar).update(progress=done)
            self.query_one("#download-overall-label", Static).update(
                Text(f"Exports done: {done} of {len(self.targets)}", style="dim"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker or event.state in (WorkerState.PENDING,
                                                                WorkerState.RUNNING):
            return
        if event.state is WorkerState.ERROR:
            from tui.wizard.problems import problem_of

            self.status.problem(problem_of(event.worker.error or Exception(),
                                           "download").sentence())
        elif self._stop.is_set():
            self.stopped = True
            self.status.warning("Stopped. The parts saved are kept; r continues.")
        else:
            matched = sum(r.state is DownloadState.MATCHED for r in self.results.values())
            self.status.note(f"Done: {len(self.results)} of {len(self.targets)} downloaded, "
                             f"{matched} with a sha384 equal to the log's.")
        self._buttons()

    def _buttons(self) -> None:
        self.query_one("#stop", Button).display = self.running
        self.query_one("#resume", Button).display = self.check_action("resume", ()) is True
        self.query_one("#inspect", Button).display = bool(self.results)
        self.query_one("#deliver", Button).display = bool(self.results) and not self.running
        self.refresh_bindings()

    # ---- actions ---------------------------------------------------------------------
    def action_stop(self) -> None:
        if self.running:
            self._stop.set()
            self.status.busy("Stopping after the parts in flight…")

    def action_resume(self) -> None:
        if not self.running:
            self._start()

    def action_inspect(self) -> None:
        if self.results:
            from tui.app.retrieve.inspect_screen import InspectScreen

            last = list(self.results.values())[-1]
            self.app.push_screen(InspectScreen(Path(last.path)))

    def action_deliver(self) -> None:
        """Deliver what was downloaded (one export, or the run's) into IMAP mailboxes."""
        if self.results and not self.running:
            from tui.app.retrieve.deliver_screen import Delivering, DeliverScreen

            labels = {target.job.job_id: target.label for target in self.targets}
            self.app.push_screen(DeliverScreen([
                Delivering(labels[job_id], result.path)
                for job_id, result in self.results.items()]))

    def action_close(self) -> None:
        self._stop.set()
        self.dismiss()

    def on_unmount(self) -> None:
        self._stop.set()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"stop": self.action_stop, "resume": self.action_resume,
                   "inspect": self.action_inspect, "deliver": self.action_deliver}
        actions[event.button.id or ""]()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.running
        if action == "resume":
            return not self.running and self.stopped
        if action == "inspect":
            return bool(self.results)
        if action == "deliver":
            return bool(self.results) and not self.running
        return True
