"""Writes a plan's hand-off forms to files for someone else to apply: the shell script and,
when CloudFormation can hold any of it, the template. New files only (never an existing one
overwritten), readable by their owner alone, in `setup/` beside the journal (the state
directory) unless told otherwise."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

from tui.core.setup.cloudformation import template
from tui.core.setup.plan import Plan
from tui.core.setup.shell import shell_script


def hand_off_dir() -> Path:
    """`setup/` in the state directory (beside the journal)."""
    from tui.core.journal import journal_path

    return journal_path().parent / "setup"


def _write_new(path: Path, text: str) -> Path:
    """`text` into a file that did not exist (a numbered name when `path` is taken)."""
    candidate, number = path, 1
    while True:
        try:
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            number += 1
            candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
            continue
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        return candidate


def write_hand_off(plan: Plan, directory: Path | None = None) -> list[Path]:
    """The shell script (run it with bash) and the CloudFormation template (when the plan
    creates anything); the paths written."""
    folder = directory or hand_off_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    label = re.sub(r"[^A-Za-z0-9-]+", "-", plan.organization_id).strip("-") or "account"
    stem = f"setup-{label}-{stamp}"
    written = [_write_new(folder / f"{stem}.sh", shell_script(plan))]
    rendered = template(plan)
    if rendered.text:
        written.append(_write_new(folder / f"{stem}.cloudformation.json", rendered.text))
    return written
