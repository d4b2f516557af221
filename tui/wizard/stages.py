"""The stages of the export wizard, in the order a person walks them, and the field each fills."""

from __future__ import annotations

from enum import Enum

from tui.core.model import Field


class Stage(str, Enum):
    """One step of the wizard. The value is the short label a face may show."""

    CONNECTION = "Connection"
    ORGANIZATION = "Organization"
    MAILBOX = "Mailbox"
    ROLE = "Role"
    KEY = "Key"
    DESTINATION = "Destination"
    REVIEW = "Review"
    RESULT = "Result"

    @property
    def position(self) -> int:
        """Position in the walk, 0 for CONNECTION."""
        return STAGE_ORDER.index(self)


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)

# The stages a person fills in; REVIEW and RESULT only show what the others filled.
INPUT_STAGES: tuple[Stage, ...] = STAGE_ORDER[: STAGE_ORDER.index(Stage.REVIEW)]

_FIELDS_OF_STAGE: dict[Stage, tuple[Field, ...]] = {
    Stage.CONNECTION: (Field.CONNECTION,),
    Stage.ORGANIZATION: (Field.ORGANIZATION,),
    Stage.MAILBOX: (Field.ENTITY,),
    Stage.ROLE: (Field.ROLE,),
    Stage.KEY: (Field.KMS_KEY,),
    Stage.DESTINATION: (Field.BUCKET, Field.PREFIX, Field.DESCRIPTION),
    Stage.REVIEW: (),
    Stage.RESULT: (),
}


def fields_of(stage: Stage) -> tuple[Field, ...]:
    """The request fields a stage fills in (empty for REVIEW and RESULT)."""
    return _FIELDS_OF_STAGE[stage]


def stage_of(field: Field) -> Stage:
    """The stage where a field is filled in: where to go to fix a finding or a problem."""
    for stage, stage_fields in _FIELDS_OF_STAGE.items():
        if field in stage_fields:
            return stage
    raise ValueError(f"no stage fills {field!r}")
