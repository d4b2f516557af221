"""The connection stored with a run: what is stored, how a resume's flags go over it, and how
it is worded (a password in the endpoint never shown)."""

from __future__ import annotations

from tui.core.batch.connection import describe, for_resume, resume_note
from tui.core.batch.model import RunSettings
from tui.core.batch.store import BatchStore
from tui.core.model import ConnectionSettings

STORED = ConnectionSettings(profile="exporter", region="us-east-1",
                            endpoint_url="http://admin:s3cret@127.0.0.1:4566")
SETTINGS = RunSettings("m-" + "0" * 32, "r", "k", "b", "exports/")


def test_the_connection_is_stored_with_the_run_and_read_back() -> None:
    store = BatchStore.open()
    store.create_run("rwith", SETTINGS, [], 1000.0, STORED)
    store.create_run("rwithout", SETTINGS, [], 1000.0)
    store.close()
    again = BatchStore.open()
    assert again.connection("rwith") == STORED
    assert again.connection("rwithout") is None
    again.close()


def test_flags_given_to_a_resume_go_over_the_stored_values_and_are_named() -> None:
    same = for_resume(STORED, ConnectionSettings())
    assert (same.settings, same.overridden, same.stored) == (STORED, (), True)
    over = for_resume(STORED, ConnectionSettings(region="eu-west-1", profile="exporter"))
    assert over.settings == ConnectionSettings("exporter", "eu-west-1", STORED.endpoint_url)
    assert over.overridden == ("--region",)  # the same profile given again overrides nothing
    old = for_resume(None, ConnectionSettings(region="us-west-2"))
    assert (old.settings, old.stored) == (ConnectionSettings(region="us-west-2"), False)


def test_a_password_in_the_endpoint_is_never_shown() -> None:
    words = describe(STORED)
    assert words == "Region us-east-1, profile exporter, endpoint http://***@127.0.0.1:4566"
    note = resume_note("rabc", for_resume(STORED, ConnectionSettings(region="eu-west-1")))
    assert "s3cret" not in note and "admin" not in note
    assert note.endswith("the run's stored connection, with --region given here instead.")
    assert describe(ConnectionSettings()) == "the AWS environment's defaults"
