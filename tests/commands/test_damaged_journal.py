"""A damaged journal (of ours) moved aside is said, once, on stderr, with the path it was moved
to, by every command that uses the journal: the rows it held vanish from `jobs`, so the
person must learn where they went."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_runner import Cli, export_flags
from journal_damage import damaged_journal


def said_once(stderr: str, path: Path) -> None:
    lines = [line for line in stderr.splitlines() if "was damaged" in line]
    assert len(lines) == 1, stderr
    [moved] = [p for p in path.parent.iterdir() if ".corrupt-" in p.name
               and not p.name.endswith("-wal")]
    assert lines[0].startswith("workmail-export: warning: The job journal at ")
    assert str(path) in lines[0] and str(moved) in lines[0]


@pytest.mark.parametrize("command", ["jobs", "status", "start", "batch"])
def test_each_command_says_it_once_with_the_moved_path(sim: Any, cli: Cli, tmp_path: Path,
                                                       command: str) -> None:
    world = sim.world
    path = damaged_journal(tmp_path / "state" / "journal.sqlite3", org_id=world.org_id)
    if command == "jobs":
        result = cli("jobs", "--organization", world.org_id)
    elif command == "status":
        started = cli("start", *export_flags(sim, entity="bob.smith"))
        said_once(started.stderr, path)  # start found the damage first
        result = cli("status", started.stdout.strip(), "--organization", world.org_id)
        assert "was damaged" not in result.stderr  # the fresh journal is sound: said once
        assert result.returncode == 0, result.stderr
        return
    elif command == "start":
        result = cli("start", *export_flags(sim))
    else:
        names = tmp_path / "names.txt"
        names.write_text("alice.wong\n", encoding="utf-8")
        code, _, err = cli.following(sim, "batch", "--from-file", str(names), "--poll", "0.1",
                                     "--report-dir", str(tmp_path / "reports"),
                                     *export_flags(sim, entity=""), step=30)
        assert code == 0, err
        said_once(err, path)
        return
    assert result.returncode == 0, result.stderr
    said_once(result.stderr, path)
