"""The README's "Plain mode and commands for scripts" says what the code does: its exit code
table is tui.commands.exit_codes, and its bad-flag example is what the CLI prints."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tui.cli import main
from tui.commands.exit_codes import MEANINGS

SECTION = (Path(__file__).resolve().parents[2] / "README.md").read_text().split(
    "## Plain mode and commands for scripts")[1]


def test_the_exit_code_table_is_the_one_the_code_uses() -> None:
    table = SECTION.split("### Exit codes")[1]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", table, re.MULTILINE)
    assert {int(code): meaning for code, meaning in rows} == MEANINGS


def test_the_bad_flag_example_is_what_the_cli_prints(capsys: pytest.CaptureFixture[str]) -> None:
    example = SECTION.split("A bad flag or value is one line")[1].split("```text\n")[1]
    command, printed = example.splitlines()[:2]
    with pytest.raises(SystemExit) as exit_:
        main(shlex.split(command.removeprefix("$ workmail-export ")))
    assert exit_.value.code == 2
    assert capsys.readouterr().err == printed + "\n"
