"""Mailbox suggestions while typing: the core's server-side prefix search, in a thread.

Each distinct text is searched once (answers are kept for the prompt's life); a failed search
suggests nothing, since the answer is checked again when it is submitted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, ThreadedCompleter
from prompt_toolkit.document import Document

from tui.core.model import CoreError, Mailbox
from tui.core.safe_text import shown
from tui.wizard.present import mailbox_label

SHOWN = 20  # suggestions on screen at once


class MailboxCompleter(Completer):
    """Suggests users and resources whose name, display name or email starts with the text."""

    def __init__(self, search: Callable[[str], Sequence[Mailbox]]) -> None:
        self._search = search
        self._answers: dict[str, Sequence[Mailbox]] = {}

    def found(self, text: str) -> Sequence[Mailbox]:
        if text not in self._answers:
            try:
                self._answers[text] = self._search(text)
            except CoreError:
                return ()
        return self._answers[text]

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterable[Completion]:
        typed = document.text_before_cursor
        if not typed.strip():
            return
        for mailbox in list(self.found(typed.strip()))[:SHOWN]:
            kind = (mailbox.resource_type or mailbox.kind).title()
            yield Completion(mailbox.email or mailbox.name, start_position=-len(typed),
                             display=mailbox_label(mailbox),
                             display_meta=shown(f"{kind}, {mailbox.state.lower()}"))


def threaded(search: Callable[[str], Sequence[Mailbox]]) -> Completer:
    """The completer, run off the prompt's thread so typing never waits for AWS."""
    return ThreadedCompleter(MailboxCompleter(search))
