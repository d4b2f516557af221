"""Runs the AWS calls of a screen that is not a wizard step (monitor, jobs) in thread workers:
the status line says what is loading while a call runs, the result reaches a callback on the
UI thread, and any failure arrives as an AwsProblem, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from tui.app.kit.status_line import StatusLine
from tui.core.model import AwsProblem
from tui.wizard.problems import problem_of

T = TypeVar("T")


@dataclass(frozen=True)
class _Pending:
    done: Callable[[Any], None]
    failed: Callable[[AwsProblem], None]
    busy: Widget | None
    quiet: bool = False


class AwsCalls:
    """The calls of one screen. The screen forwards `Worker.StateChanged` to `settle`."""

    def __init__(self, screen: Screen[Any]) -> None:
        self._screen = screen
        self._pending: dict[Worker[Any], _Pending] = {}

    @property
    def status(self) -> StatusLine:
        return self._screen.query_one(StatusLine)

    def run(self, work: Callable[[], T], done: Callable[[T], None],
            failed: Callable[[AwsProblem], None], *, message: str, group: str,
            busy: Widget | None = None, quiet: bool = False) -> Worker[T]:
        """Run `work` in a thread worker; a newer call of the same group replaces an older
        one, whose outcome is then dropped. `busy` shows a loading indicator meanwhile.
        `quiet`: the status line is left as it is (the caller shows the loading itself)."""
        if not quiet:
            self.status.busy(message)
        if busy is not None:
            busy.loading = True
        worker = self._screen.run_worker(work, name=message, group=group, thread=True,
                                         exclusive=True, exit_on_error=False)
        self._pending[worker] = _Pending(done, failed, busy, quiet)
        return worker

    def running(self, group: str | None = None) -> bool:
        """Whether a call (of `group`, if given) is still running."""
        return any(group in (None, worker.group) for worker in self._pending)

    def settle(self, event: Worker.StateChanged) -> None:
        pending = self._pending.get(event.worker)
        if pending is None or event.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        del self._pending[event.worker]
        busy = pending.busy
        if busy is not None and all(p.busy is not busy for p in self._pending.values()):
            busy.loading = False
        if event.state is WorkerState.CANCELLED:
            return
        if not self._pending and not pending.quiet:
            self.status.clear()
        if event.state is WorkerState.SUCCESS:
            pending.done(event.worker.result)
        elif event.state is WorkerState.ERROR:
            assert event.worker.error is not None
            pending.failed(problem_of(event.worker.error, event.worker.name))
