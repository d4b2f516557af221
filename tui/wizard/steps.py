"""What each wizard step is: its title, its one-line explanation, the fields it fills, the
core call that lists its choices and the check that validates what was chosen.

Faces read these specs instead of writing their own titles, messages or AWS calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.core.model import ExportRequest, Field, Finding
from tui.wizard import calls
from tui.wizard.stages import Stage, fields_of

if TYPE_CHECKING:
    from tui.core.session import Aws


@dataclass(frozen=True)
class StepSpec:
    """One step: what to show and which core calls serve it (None where a step has none)."""

    stage: Stage
    title: str
    explanation: str
    loading: str = ""
    discover: Callable[[Aws, ExportRequest], Sequence[object]] | None = None
    check: Callable[[Aws, ExportRequest], list[Finding]] | None = None

    @property
    def fields(self) -> tuple[Field, ...]:
        return fields_of(self.stage)


STEPS: dict[Stage, StepSpec] = {
    spec.stage: spec
    for spec in (
        StepSpec(Stage.CONNECTION, "Connect to AWS",
                 "Pick the AWS profile and the Region of your WorkMail organization.",
                 loading="Checking who you are…"),
        StepSpec(Stage.ORGANIZATION, "Choose the organization",
                 "The WorkMail organization that holds the mailbox. Only Active ones can export.",
                 loading="Listing organizations…", discover=calls.organizations,
                 check=calls.check_organization),
        StepSpec(Stage.MAILBOX, "Choose the mailbox",
                 "Type the start of a name, display name or email (WorkMail searches from the "
                 "start only); Enter takes the only match, or an exact id, name or email.",
                 loading="Searching mailboxes…", check=calls.check_mailbox),
        StepSpec(Stage.ROLE, "Choose the IAM role",
                 "WorkMail assumes this role to write the export to S3 with your KMS key.",
                 loading="Listing roles…", discover=calls.roles, check=calls.check_role),
        StepSpec(Stage.KEY, "Choose the KMS key",
                 "A symmetric, enabled key in the organization's Region encrypts the export.",
                 loading="Listing keys…", discover=calls.keys, check=calls.check_key),
        StepSpec(Stage.DESTINATION, "Choose where the export lands",
                 "An S3 bucket in the organization's Region, a prefix the role allows, and an "
                 "optional description.",
                 loading="Listing buckets…", discover=calls.buckets,
                 check=calls.check_destination),
        StepSpec(Stage.REVIEW, "Review and submit",
                 "Every field checked once more. Submit starts the export job.",
                 loading="Checking everything…", check=calls.check_export),
        StepSpec(Stage.RESULT, "Result",
                 "What AWS answered.", loading="Submitting…"),
    )
}


def spec(stage: Stage) -> StepSpec:
    """The spec of one stage."""
    return STEPS[stage]
