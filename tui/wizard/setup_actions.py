"""The setup actions a wizard step offers, shared by every face: what each asks the core to
plan, what its plan is called, and where the walk goes once it is applied.

At the role, key and destination steps: "Create a role for this export", "Create a key",
"Create a bucket" (CREATE), and - when the step's check found something a change can fix -
"Fix this role", "Enable this key", "Cancel this key's deletion", "Let this role use this
key", "Block public access on this bucket" (FIX; the name comes from what the plan does).
After an apply, the step's values are the created or repaired ones and its findings are
cleared, so the face checks them again.
"""

from __future__ import annotations

from dataclasses import replace
from enum import Enum
from typing import TYPE_CHECKING

from tui.core.model import KeyChoice, Level
from tui.wizard import state as wz
from tui.wizard.stages import Stage, fields_of

if TYPE_CHECKING:
    from tui.core.setup.apply import Applied
    from tui.core.setup.plan import Plan
    from tui.core.setup.request import SetupRequest

SETUP_STAGES = (Stage.ROLE, Stage.KEY, Stage.DESTINATION)
DEFAULT_PREFIX = "exports/"


class ActionKind(str, Enum):
    """What a setup action offered on a step does: create a new resource or fix the chosen one
    (not `tui.core.setup.plan.Kind`, what one step of a plan does to the account)."""

    CREATE = "create"
    FIX = "fix"


CREATE_LABELS = {Stage.ROLE: "Create a role for this export", Stage.KEY: "Create a key",
                 Stage.DESTINATION: "Create a bucket"}
FIX_LABELS = {Stage.ROLE: "Fix this role", Stage.KEY: "Fix this key",
              Stage.DESTINATION: "Fix this bucket"}
# What a fix plan's calls are called, in the order they are named.
_CALL_LABELS = (
    ("CancelKeyDeletion", "Cancel this key's deletion"),
    ("EnableKey", "Enable this key"),
    ("PutKeyPolicy", "Let this role use this key"),
    ("PutPublicAccessBlock", "Block public access on this bucket"),
    ("UpdateAssumeRolePolicy", "Fix this role"),
    ("PutRolePolicy", "Fix this role"),
    ("CreateRole", "Create this role"),
    ("CreateBucket", "Create this bucket"),
)


def enabled_by_setup(key: KeyChoice) -> bool:
    """A listed key that cannot be used only because it is Disabled or pending deletion:
    choosing it leads to the fix (EnableKey, CancelKeyDeletion)."""
    return (key.state in ("Disabled", "PendingDeletion") and key.spec == "SYMMETRIC_DEFAULT"
            and key.usage in ("", "ENCRYPT_DECRYPT"))


def fixable(state: wz.WizardState, stage: Stage) -> bool:
    """Whether the stage's findings hold an error or warning a setup plan may fix."""
    return stage in SETUP_STAGES and any(
        f.level in (Level.ERROR, Level.WARNING) for f in wz.findings_of(state, stage))


def _role_name(state: wz.WizardState) -> str:
    from tui.core.checks import role_name

    return role_name(state.request.role_arn)


def setup_request(state: wz.WizardState, stage: Stage, kind: ActionKind, bucket: str = "",
                  prefix: str = "") -> SetupRequest:
    """What the action asks the core to plan, from the wizard's values (`bucket` and `prefix`:
    those typed for a new bucket)."""
    from tui.core.setup.request import Part, SetupRequest

    request = state.request
    base = SetupRequest(organization_id=request.organization_id, bucket=request.bucket,
                        prefix=request.prefix, role_name=_role_name(state),
                        key_arn=request.kms_key_arn)
    if stage is Stage.ROLE:
        role_name = "" if kind is ActionKind.CREATE else base.role_name
        return replace(base, role_name=role_name, parts=frozenset({Part.ROLE}))
    if stage is Stage.KEY:
        if kind is ActionKind.CREATE:
            return replace(base, key_arn="", create_key=True, parts=frozenset({Part.KEY}))
        return replace(base, parts=frozenset({Part.KEY}))
    return replace(base, bucket=bucket or request.bucket,
                   prefix=prefix or request.prefix or DEFAULT_PREFIX,
                   parts=frozenset({Part.BUCKET, Part.ROLE}))


def plan_title(plan: Plan, stage: Stage, kind: ActionKind) -> str:
    """The action's name: the create label, or what the fix plan's calls do."""
    if kind is ActionKind.CREATE:
        return CREATE_LABELS[stage]
    operations = {step.call.operation for step in plan.steps}
    named = list(dict.fromkeys(label for operation, label in _CALL_LABELS
                               if operation in operations))
    if "Cancel this key's deletion" in named and "Enable this key" in named:
        named.remove("Enable this key")
        named[named.index("Cancel this key's deletion")] = "Cancel this key's deletion and " \
                                                          "enable it"
    return " and ".join([named[0], *(n[0].lower() + n[1:] for n in named[1:])]) if named \
        else FIX_LABELS[stage]


def after_apply(state: wz.WizardState, stage: Stage, applied: Applied) -> wz.WizardState:
    """The wizard state once a plan is applied: the step's values are the ones the plan made
    or repaired, and its findings are cleared so the face checks them again."""
    plan = applied.plan
    if stage is Stage.ROLE:
        new = wz.choose_role(state, plan.role_arn)
    elif stage is Stage.KEY:
        new = wz.choose_key(state, applied.key_arn)
    else:
        new = wz.choose_destination(state, plan.bucket, plan.prefix, state.request.description)
    return wz.with_findings(new, fields_of(stage), [])
