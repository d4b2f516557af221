"""Verifies exports in the background for a screen that lists jobs (the jobs list, the bulk
progress): jobs are queued as they complete, a thread worker verifies them in turn (each
verdict kept in the local record) and ends when the queue is empty, and each verdict reaches
`on_verified` on the UI thread. A job is verified once per screen."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from tui.core.model import CoreError, ExportJob
from tui.core.retrieve.model import Verification, VerifyState

if TYPE_CHECKING:
    from tui.core.session import Aws

Verified = Callable[[str, Verification], None]


class Verifier:
    """The background verifications of one screen."""

    def __init__(self, screen: Screen[Any], aws: Aws, on_verified: Verified,
                 now: Callable[[], datetime] | None = None, use_record: bool = False) -> None:
        """`use_record`: take a verdict this machine recorded before, rather than asking
        S3 again (the jobs list, which may hold many old jobs)."""
        self._screen = screen
        self._use_record = use_record
        self._aws = aws
        self._on_verified = on_verified
        self._now = now
        self._waiting: deque[ExportJob] = deque()
        self._lock = threading.Lock()
        self._working = False
        self.asked: set[str] = set()
        self.results: dict[str, Verification] = {}

    def verify(self, job: ExportJob) -> None:
        """Queue `job` (a COMPLETED one) unless it was queued before."""
        if job.job_id in self.asked or job.state != "COMPLETED":
            return
        self.asked.add(job.job_id)
        with self._lock:
            self._waiting.append(job)
            if self._working:
                return
            self._working = True
        self._screen.run_worker(self._work, thread=True, group="verify",
                                name="Verifying the exports…", exit_on_error=False)

    @property
    def busy(self) -> bool:
        return len(self.results) < len(self.asked)

    def _next(self) -> ExportJob | None:
        with self._lock:
            if not self._waiting:
                self._working = False
                return None
            return self._waiting.popleft()

    def _work(self) -> None:
        from tui.wizard.retrieve import recorded_or_verified, verify_and_record

        check = recorded_or_verified if self._use_record else verify_and_record
        while (job := self._next()) is not None:
            now = self._now() if self._now else None
            try:
                verification = check(self._aws, job, now)
            except CoreError as error:  # verify says its own failures; this is a safety net
                verification = Verification(job.job_id, VerifyState.NOT_CHECKABLE,
                                            error.problem.sentence())
            self._screen.app.call_from_thread(self._arrived, job.job_id, verification)

    def _arrived(self, job_id: str, verification: Verification) -> None:
        self.results[job_id] = verification
        if self._screen.is_attached:  # the screen may have been closed meanwhile
            self._on_verified(job_id, verification)
