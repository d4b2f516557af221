"""One question at a time with questionary, and lines said on the same terminal.

Everything the plain face shows goes through `say` (prompt_toolkit's printer), so it lands on
the same output as the questions, in order. What it says, and the questions and the titles
of their choices, pass through `tui.core.safe_text` first: a name or message from AWS (or a
line the person typed) shows its control characters as visible escapes.

Questions use `unsafe_ask`: Ctrl-C raises KeyboardInterrupt and a closed stdin EOFError,
which the face turns into one line and an exit status.
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
from tui.core.safe_text import shown, shown_lines
from tui.wizard.present import not_usable

SEARCH_HINT = "(↑↓ to move, type to filter, Enter to choose)"
_asking = threading.Event()  # a question is on screen


def say(text: str = "", style: str = "") -> None:
    """One or more lines on the terminal, optionally styled ("bold", "fg:ansired")."""
    questionary.print(shown_lines(text), style=style or None)


def _escaped(choice: Choice) -> Choice:
    """The choice with its title, description and why-not (when plain text) escaped."""
    if isinstance(choice.title, str):
        choice.title = shown(choice.title)
    if isinstance(choice.description, str):
        choice.description = shown(choice.description)
    if isinstance(choice.disabled, str):
        choice.disabled = shown(choice.disabled)
    return choice


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
    A title too long for the terminal is shortened, and shown whole under the list while the
    pointer is on it (prompt_toolkit would cut it at the edge).
    """
    choices = [_escaped(c) for c in choices]
    selectable = [c.value for c in choices if not c.disabled]
    fitted = fit_to_width(choices, _columns())
    while True:
        with _question():
            answer = questionary.select(
                shown(message), choices=fitted, use_search_filter=True, use_jk_keys=False,
                default=default if default is not None and default in selectable else None,
                instruction=SEARCH_HINT,
            ).unsafe_ask()
        refused = next((c for c in choices if c.disabled and c.value is answer), None)
        if refused is None:
            return answer
        say(not_usable(str(refused.disabled)), style="fg:ansired")


CHOICE_MARGIN = 4  # the pointer and a space before a title, a column to spare
DESCRIPTION_LEAD = "  Description: "  # what questionary writes before a choice's description


def fit_to_width(choices: Sequence[Choice], columns: int) -> list[Choice]:
    """The choices with each title that does not fit in `columns` cut to fit (ending in …);
    the whole title becomes the choice's description (unless it has one), shown while the
    pointer is on it, wrapped to the width. A choice that is not usable is never pointed at:
    its title and reason share the line (the whole reason is said if it is chosen anyway)."""
    fitted = []
    room = columns - CHOICE_MARGIN
    for choice in choices:
        title, description, reason = choice.title, choice.description, choice.disabled
        if not isinstance(title, str):
            fitted.append(choice)
            continue
        if reason:
            room_for_both = room - len("- ") - len(" ()")
            if len(title) + len(reason) > room_for_both:
                title = _cut(title, max(room_for_both // 2, room_for_both - len(reason)))
                reason = _cut(reason, room_for_both - len(title))
        elif len(title) > room:
            description = description or title
            title = _cut(title, room)
        fitted.append(Choice(title, choice.value, disabled=reason,
                             description=wrapped(description, columns) if description
                             else None))
    return fitted


def _cut(text: str, room: int) -> str:
    """`text`, cut to `room` characters (at least 10) ending in … when it is longer."""
    return text if len(text) <= room else text[:max(room - 1, 9)].rstrip() + "…"


def wrapped(text: str, columns: int) -> str:
    """`text` broken into lines for questionary's description line, which starts with
    "  Description: " and does not wrap by itself."""
    import textwrap

    lead = " " * len(DESCRIPTION_LEAD)
    lines = textwrap.wrap(text, width=max(columns - 1, 20), initial_indent=lead,
                          subsequent_indent="  ")
    return "\n".join(lines).removeprefix(lead)


def _columns() -> int:
    """The width of the terminal the questions are drawn on."""
    from prompt_toolkit.application import get_app_session

    try:
        return get_app_session().output.get_size().columns
    except OSError:  # not a terminal: nothing is cut there
        return 1 << 16


def field_rule(field: Field, to_value: Callable[[str], str] = str.strip) -> Callable[[str], Any]:
    """A questionary validator applying the core's rule for `field` to each answer (a role
    or key may also be given by name, id or alias: looked up once accepted)."""
    from tui.core.fields import check_reference

    def validate(answer: str) -> bool | str:
        return check_reference(field, to_value(answer)) or True
    return validate


def type_in(message: str, field: Field, default: str = "",
            to_value: Callable[[str], str] = str.strip) -> str:
    """A typed answer, checked against the field's rule before it is accepted."""
    with _question():
        answer: str = questionary.text(shown(message), default=default,
                                       validate=field_rule(field, to_value)).unsafe_ask()
    return to_value(answer)


def type_with_completion(message: str, field: Field, completer: Completer,
                         default: str = "") -> str:
    """A typed answer with suggestions from `completer`, checked against the field's rule."""
    with _question():
        answer: str = questionary.autocomplete(
            shown(message), choices=[], completer=completer, default=default,
            validate=field_rule(field)).unsafe_ask()
    return answer.strip()


def confirm(message: str, default: bool) -> bool:
    with _question():
        return bool(questionary.confirm(shown(message), default=default).unsafe_ask())
