"""The plain face shows text from outside (an organization's alias, a mailbox's display name,
AWS's error message) with its control characters as visible escapes: the terminal obeys
none of them. (prompt_toolkit itself turns ESC into '?'; BEL, CR, C1 controls and bidi
overrides it passes on, so those are what these tests look for.)"""

from __future__ import annotations

from typing import Any

from plain_driver import CTRL_C, DOWN, ENTER

HOSTILE = "evil\x07bell\rCOMPLETED\x9b31m\u202eright-to-left [bold]"
SHOWN = "evil\\x07bell\\rCOMPLETED\\x9b31m\\u202eright-to-left [bold]"


def obeys_nothing(raw: str) -> bool:
    """Nothing of HOSTILE's controls in what reached the terminal (prompt_toolkit writes CR
    itself to redraw, so CR is judged by the visible escape instead)."""
    return not any(c in raw for c in "\x07\x9b\u202e")


def test_choice_titles_from_aws_are_shown_escaped(sim: Any, plain: Any) -> None:
    sim.workmail.create_organization(alias=HOSTILE)
    run = plain([("Organization:", CTRL_C)])
    assert run.missed == []
    assert obeys_nothing(run.raw)
    assert SHOWN in run.screen


def test_a_mailbox_display_name_is_shown_escaped(sim: Any, plain: Any) -> None:
    sim.workmail.create_user(sim.world.org_id, "mallory", display_name=HOSTILE,
                             email="mallory@example-corp.awsapps.com")
    run = plain([("Organization:", ENTER),
                 ("Mailbox (start of a name, display name or email):", "mall"),
                 ("mallory@example-corp.awsapps.com", DOWN + ENTER),
                 ("Will export the mailbox", CTRL_C)])
    assert run.missed == []
    assert obeys_nothing(run.raw)
    assert SHOWN in run.screen


def test_an_aws_error_message_is_said_escaped(sim: Any, plain: Any) -> None:
    sim.faults.fail("workmail", "ListOrganizations", "ValidationException",
                    "Refused \x1b]0;pwned\x07 because \x9b2J")
    run = plain([("What now?", DOWN + ENTER)])
    assert run.missed == []
    assert run.code == 1
    assert obeys_nothing(run.raw)
    assert "Refused \\x1b]0;pwned\\x07 because \\x9b2J." in run.screen
