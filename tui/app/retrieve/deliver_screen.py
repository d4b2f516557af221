"""Deliver downloaded exports into their new mailboxes over IMAP (the download screen's `e`).

A form asks for the server (host, port, IMAPS or STARTTLS, a CA file for a private server),
the account (one export: its user; several, from a run: an accounts file mapping each
mailbox to its user) and the password or OAuth 2 token (typed here, kept in memory only for
this delivery, never written). A thread worker then delivers each export in turn with the
core's exactly-once delivery; a progress bar counts messages, and each export ends in a
line with its counts and what was not delivered. s stops between two batches; delivering
again goes on where it stopped (the delivery record knows what is there).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, ProgressBar, Select, Static
from textual.worker import Worker, WorkerState

from tui.app.kit.status_line import StatusLine
from tui.app.retrieve.places import place
from tui.core.deliver.model import (
    IMAP_PORT,
    IMAPS_PORT,
    Auth,
    DeliveryEvent,
    DeliveryOptions,
    DeliveryReport,
    ImapTarget,
    Security,
)
from tui.core.model import CoreError
from tui.core.safe_text import shown
from tui.wizard.deliver import OUTCOME_WORDS, read_accounts

if TYPE_CHECKING:
    from tui.core.deliver.zip_source import ZipSource


@dataclass(frozen=True)
class Delivering:
    """One downloaded export to deliver: the mailbox it came from and its zip."""

    label: str
    zip_path: str


class DeliverScreen(Screen[None]):
    """Delivers `exports` (one, or a run's) into IMAP accounts."""

    CSS_PATH = "deliver_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "close", "Back"),
        Binding("ctrl+s", "deliver", "Deliver", priority=True),
        Binding("ctrl+x", "stop", "Stop", priority=True),
    ]

    def __init__(self, exports: list[Delivering]) -> None:
        super().__init__()
        self.exports = exports
        self.reports: list[DeliveryReport] = []
        self.lines: list[Text] = []
        self._stop = threading.Event()
        self._worker: Worker[None] | None = None

    @property
    def one(self) -> bool:
        return len(self.exports) == 1

    def compose(self) -> ComposeResult:
        count = len(self.exports)
        what = shown(self.exports[0].label) if self.one else f"{count} exports of a run"
        yield Static(Text.assemble(("Deliver by IMAP", "bold"), f" · {what}"),
                     id="deliver-bar")
        with VerticalScroll(id="deliver-body"):
            with Horizontal(classes="row"):
                yield Label("Server", classes="label")
                yield Input(placeholder="imap.example.com", id="host")
                yield Select([("IMAPS", Security.IMAPS), ("STARTTLS", Security.STARTTLS)],
                             value=Security.IMAPS, allow_blank=False, id="security")
                yield Input(str(IMAPS_PORT), id="port", type="integer", max_length=5)
            with Horizontal(classes="row"):
                if self.one:
                    yield Label("User", classes="label")
                    yield Input(placeholder="alice@example.com (the new mailbox's login)",
                                id="user")
                else:
                    yield Label("Accounts", classes="label")
                    yield Input(placeholder="CSV file: mailbox,imap_user[,secret_env]",
                                id="accounts")
            with Horizontal(classes="row"):
                yield Label("Password", classes="label")
                yield Input(password=True, id="secret",
                            placeholder="kept in memory for this delivery only")
                yield Checkbox("OAuth 2 token", id="oauth")
            with Horizontal(classes="row"):
                yield Label("CA file", classes="label")
                yield Input(placeholder="optional: a private server's certificate authority",
                            id="ca-file")
            with Horizontal(classes="row"):
                yield Checkbox("Skip what is there (Message-ID)", id="check-message-id")
                yield Checkbox("Mark as read", id="mark-seen")
            with Horizontal(classes="buttons"):
                yield Button("Deliver (ctrl+s)", variant="primary", id="deliver")
                yield Button("Stop (ctrl+x)", variant="warning", id="stop")
            yield Static(id="deliver-current")
            yield ProgressBar(total=None, show_eta=False, id="deliver-progress")
            yield Static(id="deliver-results")
        yield StatusLine()
        yield Footer()

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.is_running

    def on_mount(self) -> None:
        self.query_one("#host", Input).focus()
        self.query_one("#deliver-progress", ProgressBar).display = False
        self._buttons()

    def _show_below(self) -> None:
        """The progress and the results, which sit under the form, scrolled into view."""
        self.query_one("#deliver-body", VerticalScroll).scroll_end(animate=False)

    def on_select_changed(self, event: Select.Changed) -> None:
        port = self.query_one("#port", Input)
        if event.value is Security.STARTTLS and port.value == str(IMAPS_PORT):
            port.value = str(IMAP_PORT)
        elif event.value is Security.IMAPS and port.value == str(IMAP_PORT):
            port.value = str(IMAPS_PORT)

    # ---- the form ----------------------------------------------------------------------
    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _checked(self, widget_id: str) -> bool:
        return self.query_one(f"#{widget_id}", Checkbox).value

    def _plan(self) -> list[tuple[Delivering, ImapTarget, str]]:
        """(export, account, secret) for each export; ValueError with a sentence naming
        the field at fault."""
        host = self._value("host")
        if not host or any(char in host for char in "/@ "):
            raise ValueError("Give the IMAP server's host name (e.g. imap.example.com).")
        port_text = self._value("port")
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueError("The port is a number from 1 to 65535 (993 for IMAPS).")
        ca_file = self._value("ca-file")
        if ca_file and not Path(ca_file).expanduser().is_file():
            raise ValueError(f"The CA file {shown(ca_file)} does not exist.")
        secret = self.query_one("#secret", Input).value
        base = ImapTarget(host=host, user="", port=int(port_text),
                          security=self.query_one("#security", Select).value,  # type: ignore[arg-type]
                          auth=Auth.XOAUTH2 if self._checked("oauth") else Auth.LOGIN,
                          ca_file=str(Path(ca_file).expanduser()) if ca_file else None)
        if self.one:
            user = self._value("user")
            if not user:
                raise ValueError("Give the user name of the new mailbox.")
            if not secret:
                raise ValueError("Give the password (or the OAuth 2 token) of that user.")
            return [(self.exports[0], _with_user(base, user), secret)]
        return self._run_plan(base, secret)

    def _run_plan(self, base: ImapTarget, secret: str
                  ) -> list[tuple[Delivering, ImapTarget, str]]:
        import os

        path = self._value("accounts")
        if not path:
            raise ValueError("Give the accounts file: CSV lines mailbox,imap_user[,secret_env].")
        accounts = {a.mailbox.lower(): a for a in read_accounts(Path(path).expanduser())}
        plan = []
        for export in self.exports:
            account = accounts.get(export.label.lower())
            if account is None:
                raise ValueError(f"The accounts file names no user for {shown(export.label)}.")
            own = os.environ.get(account.secret_env, "") if account.secret_env else ""
            if not (own or secret):
                raise ValueError(f"No password for {shown(account.user)}: type one, or set "
                                 f"{shown(account.secret_env or 'its secret_env variable')}.")
            plan.append((export, _with_user(base, account.user), own or secret))
        return plan

    # ---- the worker --------------------------------------------------------------------
    def action_deliver(self) -> None:
        if self.running:
            return
        try:
            plan = self._plan()
        except ValueError as refused:
            self.status.problem(str(refused))
            return
        options = DeliveryOptions(check_message_id=self._checked("check-message-id"),
                                  flags=("\\Seen",) if self._checked("mark-seen") else ())
        self._stop.clear()
        self.status.busy("Delivering… (ctrl+x stops between two batches)")
        self._worker = self.run_worker(lambda: self._deliver_all(plan, options), thread=True,
                                       group="deliver", exit_on_error=False,
                                       name="Delivering…")
        self._buttons()

    def _deliver_all(self, plan: list[tuple[Delivering, ImapTarget, str]],
                     options: DeliveryOptions) -> None:
        from tui.core.deliver.engine import DeliveryStopped
        from tui.wizard.deliver import deliver_zip

        for export, target, secret in plan:
            if self._stop.is_set():
                return
            counter = _Counter(lambda done, total: self._on_screen(self._progress, done, total))
            self._on_screen(self._begin, export, target)
            try:
                report, not_mail = deliver_zip(target, secret, export.zip_path, options,
                                               counter.moved, counter.started, self._stop)
            except DeliveryStopped as stopped:
                self._on_screen(self._line, export, Text(
                    f"⏸ stopped after {stopped.report.messages:,} messages; Deliver goes on "
                    "where it stopped.", style="yellow"))
                return
            except CoreError as error:
                self._on_screen(self._line, export, Text(f"✗ {shown(error.problem.sentence())}",
                                                         style="red"))
                continue
            self._on_screen(self._finished, export, report, not_mail)

    def _on_screen(self, show: Callable[..., None], *values: Any) -> None:
        def shown_if_attached() -> None:
            if self.is_attached:
                show(*values)

        self.app.call_from_thread(shown_if_attached)

    # ---- on the UI thread --------------------------------------------------------------
    def _begin(self, export: Delivering, target: ImapTarget) -> None:
        self.query_one("#deliver-current", Static).update(Text.assemble(
            (shown(export.label), "bold"), f" → {shown(target.user)} at {shown(target.host)}",
            (f"  ({place(export.zip_path)})", "dim")))
        bar = self.query_one("#deliver-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.call_after_refresh(self._show_below)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#deliver-progress", ProgressBar).update(total=max(total, done, 1),
                                                                 progress=done)

    def _finished(self, export: Delivering, report: DeliveryReport,
                  not_mail: list[tuple[str, str]]) -> None:
        self.reports.append(report)
        counts = " · ".join(f"{OUTCOME_WORDS[outcome]} {count:,}"
                            for outcome, count in report.outcomes.items())
        look = ("✓", "green") if report.complete else ("✗", "bold red")
        text = Text.assemble((f"{look[0]} ", look[1]), f"{report.messages:,} messages: ",
                             counts or "none")
        for event in report.not_delivered:
            text.append(f"\n    not delivered: {shown(event.key)} "
                        f"({OUTCOME_WORDS[event.outcome]}: {shown(event.detail)})", "red")
        for event in report.changed:
            text.append(f"\n    delivered with a change: {shown(event.key)} "
                        f"({shown(event.detail)})", "yellow")
        if not_mail:
            entries = "entry that is" if len(not_mail) == 1 else "entries that are"
            text.append(f"\n    {len(not_mail)} {entries} not mail stay in the zip (a calendar "
                        "file goes into the new calendar; Inspect lists them)", "dim")
        if report.expected is not None and report.expected != report.messages:
            text.append(f"\n    the log counts {report.expected:,} messages", "yellow")
        self._line(export, text)

    def _line(self, export: Delivering, text: Text) -> None:
        self.lines.append(Text.assemble((shown(export.label), "bold"), "  ", text))
        self.query_one("#deliver-results", Static).update(Text("\n").join(self.lines))
        self.call_after_refresh(self._show_below)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker or event.state in (WorkerState.PENDING,
                                                                WorkerState.RUNNING):
            return
        if event.state is WorkerState.ERROR:
            from tui.wizard.problems import problem_of

            self.status.problem(problem_of(event.worker.error or Exception(),
                                           "deliver").sentence())
        elif self._stop.is_set():
            self.status.warning("Stopped. What was delivered is recorded; Deliver goes on.")
        else:
            complete = sum(report.complete for report in self.reports)
            self.status.note(f"Done: {complete} of {len(self.exports)} export(s) delivered "
                             "whole.")
        self._buttons()

    def _buttons(self) -> None:
        self.query_one("#deliver", Button).display = not self.running
        self.query_one("#stop", Button).display = self.running
        self.refresh_bindings()

    def action_stop(self) -> None:
        if self.running:
            self._stop.set()
            self.status.busy("Stopping after the batch in flight…")

    def action_close(self) -> None:
        self._stop.set()
        self.dismiss()

    def on_unmount(self) -> None:
        self._stop.set()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {"deliver": self.action_deliver, "stop": self.action_stop}[event.button.id or ""]()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.running
        if action == "deliver":
            return not self.running
        return True


def _with_user(base: ImapTarget, user: str) -> ImapTarget:
    from dataclasses import replace

    return replace(base, user=user)


class _Counter:
    """Counts delivered messages on the worker thread and passes (done, total) on at most
    once per percent."""

    def __init__(self, show: Callable[[int, int], None]) -> None:
        self._show = show
        self.done = 0
        self.total = 0
        self._percent = -1

    def started(self, source: ZipSource) -> None:
        self.total = source.count_hint
        self._show(0, self.total)

    def moved(self, event: DeliveryEvent) -> None:
        self.done += 1
        percent = self.done * 100 // max(self.total, 1)
        if percent != self._percent:
            self._percent = percent
            self._show(self.done, max(self.total, self.done))
