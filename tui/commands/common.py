"""What several commands need: a connection, the organization of a JobId from the local
journal, and keeping a job's last known state there. A journal that cannot be opened is a
warning on stderr, never a failed command: the service still answers. A damaged journal
moved aside is said on stderr too, once (the next open finds the fresh one)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from tui.core.model import ConnectionSettings, CoreError, ExportJob

if TYPE_CHECKING:
    from tui.core.journal import Journal, JournalEntry
    from tui.core.session import Aws

SOURCE = "cli"
T = TypeVar("T")


def connect(settings: ConnectionSettings, *, confirm_identity: bool = False) -> Aws:
    """The connection; with `confirm_identity`, STS says who we are first, so missing or
    expired credentials are one clear error instead of a list of unchecked findings."""
    from tui.wizard import calls

    if confirm_identity:
        return calls.connect(settings)[0]
    from tui.core.session import connect as open_session

    return open_session(settings)


def _with_journal(use: Callable[[Journal], T], otherwise: T) -> T:
    from tui.core.journal import Journal

    try:
        with Journal.open(source=SOURCE) as journal:
            say_journal_warning(journal.warning)
            return use(journal)
    except CoreError as error:
        say_journal_warning(error.problem.message)
        return otherwise


def say_journal_warning(sentence: str) -> None:
    """A sentence about the journal (moved aside, cannot be opened) as a warning on stderr."""
    if sentence:
        print(f"workmail-export: warning: {sentence}", file=sys.stderr)


def say_journal_notice() -> None:
    """Before a command that writes to the journal: open it once, so that a damaged journal
    moved aside is said now (the writes later find the fresh one and say nothing)."""
    from tui.wizard.calls import journal_notice

    say_journal_warning(journal_notice(SOURCE))


def journal_entries() -> list[JournalEntry]:
    """Every job the local journal holds, newest first."""
    return _with_journal(lambda journal: journal.entries(), [])


def recorded(job_id: str) -> JournalEntry | None:
    """What this machine recorded when it started the job (None: started elsewhere)."""
    return _with_journal(lambda journal: journal.find(job_id), None)


def organization_of(job_id: str) -> str | None:
    """The organization a job was started in, when this machine started it."""
    entry = recorded(job_id)
    return entry.organization_id if entry else None


def remember(job: ExportJob) -> None:
    """Keep the job's last known state in the journal (a job not started here is skipped)."""
    _with_journal(lambda journal: journal.record_state(job), False)
