"""The guesses about AWS that the simulator and the product both make, in one place, settable.

No public source confirms these (see the facts note). The product (tui.core) codes its own
reading of each; the simulator is the oracle the product's tests are judged by. Were both to
hard-code the same guess, "preflight agrees with the simulator" would pass with both wrong. So
each guess the product depends on is a setting of the simulator, with the other values AWS
might plausibly have, and the oracle tests run the simulator under each of them
(`variants()`): the product must be right whatever the value, or say it cannot know (a
WARNING). ARCHITECTURE.md lists them as a table ("Shared assumptions").

    sim = SimulatedAws(assumptions=Assumptions(object_key=KEY_CONCATENATED))
    sim.assumptions = replace(sim.assumptions, external_id=EXTERNAL_ID_ABSENT)  # at any time
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# The key of the export object (S3Path), from the S3Prefix and the JobId.
KEY_JOINED = "joined"  # <prefix>/<JobId>.zip, no second slash after a prefix ending in one
KEY_CONCATENATED = "concatenated"  # <prefix><JobId>.zip: the prefix exactly as given

# The sts:ExternalId the export service sends when it assumes the role.
EXTERNAL_ID_ACCOUNT = "account"  # the account id (what the older guide's trust policy tests)
EXTERNAL_ID_ABSENT = "absent"  # none: only aws:SourceAccount and aws:SourceArn

# How the service applies a member's pattern from the botocore model.
PATTERN_WHOLE = "whole"  # the whole value must match (re.fullmatch)
PATTERN_AS_WRITTEN = "as-written"  # as the model writes it: unanchored patterns match a part

# The order of ListMailboxExportJobs.
LIST_NEWEST_FIRST = "newest-first"
LIST_OLDEST_FIRST = "oldest-first"

WINDOW_USED_BY_SUCCESS = ("RUNNING", "COMPLETED")
WINDOW_USED_BY_ANY_START = ("RUNNING", "COMPLETED", "FAILED", "CANCELLED")


@dataclass(frozen=True)
class Assumptions:
    """One choice for every shared guess; the defaults are the simulator's best reading."""

    object_key: str = KEY_JOINED
    external_id: str = EXTERNAL_ID_ACCOUNT
    # Which states of a job started less than 24 hours ago keep its mailbox from another export.
    window_states: tuple[str, ...] = WINDOW_USED_BY_SUCCESS
    # Whether the service refuses a bucket whose ACL grants anything to everyone (AllUsers or
    # AuthenticatedUsers, S3's meaning of a public ACL) while IgnorePublicAcls is off; if not,
    # only the bucket policy counts (the role's s3:GetBucketPolicyStatus is all it reads).
    public_acl_refused: bool = True
    pattern_match: str = PATTERN_WHOLE
    list_order: str = LIST_NEWEST_FIRST
    # Whether WorkMail's writer follows the bucket's default S3 Bucket Key setting, so that
    # KMS sees the bucket's ARN as the encryption context instead of the object's.
    bucket_key_followed: bool = True
    # How an export lies inside its .zip and where its output log is (export_content.LAYOUTS).
    export_layout: str = "folders"


# The other plausible values of each assumption (the default is the dataclass's).
ALTERNATIVES: dict[str, tuple[object, ...]] = {
    "object_key": (KEY_CONCATENATED,),
    "external_id": (EXTERNAL_ID_ABSENT,),
    "window_states": (WINDOW_USED_BY_ANY_START,),
    "public_acl_refused": (False,),
    "pattern_match": (PATTERN_AS_WRITTEN,),
    "list_order": (LIST_OLDEST_FIRST,),
    "bucket_key_followed": (False,),
    "export_layout": ("nested",),
}

DEFAULT = Assumptions()


def variants(*names: str) -> list[tuple[str, Assumptions]]:
    """The default, then each alternative value of one assumption at a time (of `names`, or of
    all), as (id, assumptions) pairs for pytest.mark.parametrize."""
    chosen = names or tuple(ALTERNATIVES)
    found = [("default", DEFAULT)]
    for name in chosen:
        for value in ALTERNATIVES[name]:
            shown = "+".join(value) if isinstance(value, tuple) else str(value)
            found.append((f"{name}={shown}", replace(DEFAULT, **{name: value})))
    return found
