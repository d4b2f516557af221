"""Paths as a person reads them on screen: relative to the working directory when inside it,
else with the home directory written as ~; escaped (a path may hold any character)."""

from __future__ import annotations

import os
from pathlib import Path

from tui.core.safe_text import shown


def place(path: str | Path) -> str:
    absolute = Path(path).expanduser().absolute()
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~" + os.sep)):
        try:
            relative = absolute.relative_to(base)
        except ValueError:
            continue
        return shown(prefix + str(relative))
    return shown(str(absolute))
