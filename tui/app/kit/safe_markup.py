"""Text from outside the program, made safe for Textual: what AWS, a file or the person gave
(a job's Description, a mailbox name, an error message, a path) is shown as it is, never
obeyed, neither as a terminal sequence nor as Textual markup.

Control characters are escaped by `tui.core.safe_text.shown` (the one escaping function).
Markup is the second trap: Textual reads a `str` handed to Static/Label (and `.update`),
`notify`, a DataTable cell or a Select/OptionList prompt as markup, so a description
`[bold red]x` would style the screen; a rich `Text` is literal. Hence two helpers:

- `literal(text, style)`: a `Text` for widgets, cells and prompts (the usual choice);
- `markup_safe(text)`: a `str` to put inside markup, e.g. a notify() message.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.text import Text

from tui.core.safe_text import shown, shown_lines


def literal(text: object, style: str = "", *, lines: bool = False, **options: Any) -> Text:
    """`text` as a literal rich Text, its control characters written as visible escapes
    (newlines kept with `lines=True`). `options` go to Text (justify, no_wrap, overflow)."""
    return Text(shown_lines(text) if lines else shown(text), style=style, **options)


def markup_safe(text: object) -> str:
    """`text` to put inside Textual markup: control characters and markup escaped."""
    return escape(shown_lines(text))
