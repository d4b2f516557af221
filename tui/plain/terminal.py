"""One question at a time with questionary, and lines said on the same terminal.

Everything the plain face shows goes through `say` (prompt_toolkit's printer), so it lands on
the same output as the questions, in order. Questions use `unsafe_ask`: Ctrl-C raises
KeyboardInterrupt and a closed stdin EOFError, which the face turns into one line and an
exit status.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import questionary
from prompt_toolkit.completion import Completer
from questionary import Choice

from tui.core.model import Field
from tui.wizard.present import not_usable

SEARCH_HINT = "(↑↓ to move, type to filter, Enter to choose)"
_asking = threading.Event()  # a question is on screen


def say(text: str = "", style: str = "") -> None:
    """One or more lines on the terminal, optionally styled ("bold", "fg:ansired")."""
    questionary.print(text, style=style or None)


def say_while_waiting(sentence: str) -> None:
    """What an AWS call is waiting for (from the watcher thread of tui.core.waiting); left
    out while a question is on screen, where a line would break the prompt (the mailbox
    question's suggestions are searched while it is asked)."""
    if not _asking.is_set():
        say(sentence, style="fg:ansiyellow")


@contextlib.contextmanager
def _question() -> Iterator[None]:
    _asking.set()
    try:
        yield
    finally:
        _asking.clear()


def choose(message: str, choices: Sequence[Choice], default: object = None) -> Any:
    """A select list filtered as the person types; the chosen Choice's value. The pointer
    starts on `default` when it is one of the selectable values. A filter can leave the
    pointer on a choice that is not usable: that one says why and the question is asked again.
    """
    selectable = [c.value for c in choices if not c.disabled]
    while True:
        with _question():
            answer = questionary.select(
                message, choices=list(choices), use_search_filter=True, use_jk_keys=False,
                default=default if default is not None and default in selectable else None,
                instruction=SEARCH_HINT,
            ).unsafe_ask()
        refused = next((c for c in choices if c.disabled and c.value is answer), None)
        if refused is None:
            return answer
        say(not_usable(str(refused.disabled)), style="fg:ansired")


def field_rule(field: Field, to_value: Callable[[str], str] = str.strip) -> Callable[[str], Any]:
    """A questionary validator applying the core's rule for `field` to each answer."""
    from tui.core.fields import check_field

    def validate(answer: str) -> bool | str:
        return check_field(field, to_value(answer)) or True
    return validate


def type_in(message: str, field: Field, default: str = "",
            to_value: Callable[[str], str] = str.strip) -> str:
    """A typed answer, checked against the field's rule before it is accepted."""
    with _question():
        answer: str = questionary.text(message, default=default,
                                       validate=field_rule(field, to_value)).unsafe_ask()
    return to_value(answer)


def type_with_completion(message: str, field: Field, completer: Completer,
                         default: str = "") -> str:
    """A typed answer with suggestions from `completer`, checked against the field's rule."""
    with _question():
        answer: str = questionary.autocomplete(
            message, choices=[], completer=completer, default=default,
            validate=field_rule(field)).unsafe_ask()
    return answer.strip()


def confirm(message: str, default: bool) -> bool:
    with _question():
        return bool(questionary.confirm(message, default=default).unsafe_ask())
