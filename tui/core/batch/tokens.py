"""Deterministic names for a run's calls: run ids, ClientTokens and the job description tag.

A ClientToken is derived from the run id, the mailbox and the attempt number, so a process
that crashed after sending StartMailboxExportJob sends the very same token on resume and the
service answers with the JobId it already created. The description tag carries the same
triple in the job itself, so a job can be recognised in ListMailboxExportJobs even after the
service has forgotten the token.
"""

from __future__ import annotations

import hashlib
import re
import secrets

_TAG = re.compile(r"\[wmx-batch (?P<run>[a-z0-9]+)#(?P<attempt>\d+)\]$")


def new_run_id() -> str:
    """A short, unique, lower-case id for a new run (e.g. `r3f9a0c1b2d4e`)."""
    return "r" + secrets.token_hex(6)


def client_token(run_id: str, entity_id: str, attempt: int) -> str:
    """The ClientToken of `attempt` (1, 2, ...) for `entity_id` in `run_id`: <=128 chars."""
    digest = hashlib.sha256(f"{run_id}\n{entity_id}".encode()).hexdigest()[:40]
    return f"wmx-{run_id}-{digest}-{attempt}"


def description_tag(run_id: str, attempt: int) -> str:
    """The tag appended to the job description: names the run and the attempt."""
    return f"[wmx-batch {run_id}#{attempt}]"


def tagged_description(description: str, run_id: str, attempt: int, limit: int = 1023) -> str:
    """The description sent to AWS: the user's text (cut to fit) and the run's tag."""
    tag = description_tag(run_id, attempt)
    room = limit - len(tag) - 1
    text = description.strip()[: max(room, 0)]
    return f"{text} {tag}" if text else tag


def parse_tag(description: str) -> tuple[str, int] | None:
    """(run id, attempt) from a tagged description, or None for a job not started by a run."""
    match = _TAG.search(description or "")
    if not match:
        return None
    return match.group("run"), int(match.group("attempt"))
