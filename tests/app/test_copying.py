"""Copying says what happened: the text was sent to the terminal's clipboard (OSC 52), which
the app cannot know arrived; ctrl+s writes the same text to a new file (path shown, 0600,
never over a file that is there), in every place that offers a copy."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from pilot_kit import BIG, flat, good_request, keys, make_app, point_at, screen_text, settle
from pilot_kit import toasts as toasts_of
from shots_monitor import completed_scene
from test_misconfigurations import opened_at

from tui.app.kit.copying import file_named_in, save_to_file
from tui.wizard.stages import Stage

SENT = "to the terminal's clipboard (OSC 52). If your terminal does not support that"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_is_written_readable_by_its_owner_only(tmp_path: Path) -> None:
    path, written = save_to_file('{"Version": "2012-10-17"}', "trust.json", tmp_path)
    assert (path, written) == (tmp_path / "trust.json", True)
    assert path.read_text(encoding="utf-8") == '{"Version": "2012-10-17"}'
    assert mode(path) == 0o600


def test_the_same_text_again_names_the_file_there_and_writes_nothing(tmp_path: Path) -> None:
    first, _ = save_to_file("job-1", "job-id.txt", tmp_path)
    os.utime(first, (1, 1))
    again, written = save_to_file("job-1", "job-id.txt", tmp_path)
    assert (again, written) == (first, False)
    assert first.stat().st_mtime == 1


def test_a_file_that_is_there_is_never_overwritten_and_the_next_name_is_used(
        tmp_path: Path) -> None:
    theirs = tmp_path / "permissions.json"
    theirs.write_text("someone's own policy", encoding="utf-8")
    theirs.chmod(0o644)
    path, written = save_to_file("our policy", "permissions.json", tmp_path)
    assert (path.name, written) == ("permissions-2.json", True)
    assert theirs.read_text(encoding="utf-8") == "someone's own policy"
    assert mode(theirs) == 0o644


def test_a_link_or_a_fifo_at_the_name_is_neither_followed_nor_read(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("x", encoding="utf-8")
    (tmp_path / "job-id.txt").symlink_to(target)
    path, _ = save_to_file("x", "job-id.txt", tmp_path)  # the link's target holds "x" too
    assert path.name == "job-id-2.txt"
    assert target.read_text(encoding="utf-8") == "x"
    os.mkfifo(tmp_path / "aws-command.txt")
    path, _ = save_to_file("aws workmail ...", "aws-command.txt", tmp_path)  # no blocking read
    assert path.name == "aws-command-2.txt"


def test_the_file_a_fix_hint_reads_is_the_file_saved() -> None:
    fix = ("Replace its trust policy with this one (aws iam update-assume-role-policy "
           "--role-name R --policy-document file://trust.json).")
    assert file_named_in(fix, "policy.json") == "trust.json"
    assert file_named_in("Remove the public grants.", "policy.json") == "policy.json"


async def test_copying_a_policy_says_where_it_was_sent_and_ctrl_s_writes_it(
        sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(opened_at(sim.world, Stage.ROLE))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await point_at(pilot, sim.world.untrusted_role_arn)
        await keys(pilot, "enter", "p")
        said = toasts_of(app)
        assert f"Sent the policy JSON {SENT}" in said
        assert "is on the clipboard" not in said
        assert "^s Save to file" in screen_text(app)
        await keys(pilot, "ctrl+s")
        saved = tmp_path / "trust.json"  # where the fix's command reads it
        assert f"Wrote the policy JSON to {saved} (readable by you only)." in toasts_of(app)
        assert saved.read_text(encoding="utf-8") == app.clipboard
        assert '"export.workmail.amazonaws.com"' in app.clipboard
        assert mode(saved) == 0o600
        await keys(pilot, "escape")  # another step: nothing copied there, nothing offered
        assert "Save to file" not in screen_text(app)


async def test_the_command_and_the_job_id_are_offered_as_files_too(
        sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(good_request(sim.world))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await keys(pilot, "c")
        assert f"Sent the aws CLI command {SENT}" in toasts_of(app)
        await keys(pilot, "ctrl+s")
        command = (tmp_path / "aws-command.txt").read_text(encoding="utf-8")
        assert command == app.clipboard and command.startswith("aws workmail start-mailbox")
        await keys(pilot, "s", "y")
        job_id = app.state.result.job_id  # type: ignore[union-attr]
        await keys(pilot, "c")
        assert f"Sent the JobId {SENT}" in toasts_of(app)
        await keys(pilot, "ctrl+s")
        assert (tmp_path / "job-id.txt").read_text(encoding="utf-8") == job_id
        assert f"Wrote the JobId to {tmp_path / 'job-id.txt'}" in flat(toasts_of(app))


async def test_the_monitor_offers_its_s3_uri_and_job_id_as_files_too(
        sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    scene = completed_scene(sim)
    async with scene.app.run_test(size=BIG) as pilot:
        await scene.reach(pilot)
        await keys(pilot, "c")
        uri = scene.app.clipboard
        assert uri.startswith("s3://") and f"Sent the S3 URI {uri} {SENT}" in toasts_of(
            scene.app)
        await keys(pilot, "ctrl+s")
        assert (tmp_path / "export-uri.txt").read_text(encoding="utf-8") == uri
        await keys(pilot, "i")
        await keys(pilot, "ctrl+s")
        assert (tmp_path / "job-id.txt").read_text(encoding="utf-8") == scene.app.clipboard
