"""The plan model: a change to an AWS account as a list of steps, each one AWS call with its
exact parameters and documents, what it costs, which permission it needs, and how to undo it.

A plan is made by the planners (they read the account and plan only what is missing or
wrong), shown whole, then applied step by step (`apply`), or handed to someone else as a
shell script or a CloudFormation template (`shell`, `cloudformation`). A value that exists
only once an earlier step has run (the ARN of a key being created) is written as a token,
NEW_KEY_ARN, and filled in from that step's answer when it runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

NEW_KEY_ARN = "<new-key-arn>"  # the ARN CreateKey answers, used by later steps
NEW_KEY_ID = "<new-key-id>"  # its KeyId (what KMS calls take as KeyId)
NEW_KEY_OUTPUTS = {NEW_KEY_ARN: "KeyMetadata.Arn", NEW_KEY_ID: "KeyMetadata.KeyId"}
DOCUMENT_PARAMS = ("AssumeRolePolicyDocument", "PolicyDocument", "Policy")  # sent as JSON text

# IAM action names that differ from "<service>:<Operation>".
_ACTION_NAMES = {
    ("s3", "PutPublicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("s3", "DeletePublicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "PutBucketEncryption"): "s3:PutEncryptionConfiguration",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
}


def calls_text(count: int) -> str:
    """"1 call", "6 calls"."""
    return f"{count} call" + ("" if count == 1 else "s")


def permission_of(service: str, operation: str) -> str:
    """The IAM action that allows an operation ("s3:PutEncryptionConfiguration")."""
    return _ACTION_NAMES.get((service, operation), f"{service}:{operation}")


class Kind(str, Enum):
    """What a step does to the account."""

    CREATE = "create"
    CHANGE = "change"
    REMOVE = "remove"


@dataclass(frozen=True)
class Call:
    """One AWS API call: the boto3 service name, the operation as AWS names it, and its
    parameters as boto3 takes them, except that documents are dicts (sent as JSON text)."""

    service: str
    operation: str
    params: Mapping[str, Any]

    @property
    def permission(self) -> str:
        return permission_of(self.service, self.operation)

    def api_params(self, values: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The keyword arguments for boto3, tokens filled in from `values`."""
        resolved = fill(dict(self.params), values or {})
        for name in DOCUMENT_PARAMS:
            if isinstance(resolved.get(name), Mapping):
                resolved[name] = json.dumps(resolved[name], indent=2)
        return resolved

    def shown(self) -> str:
        """`iam CreateRole` and its parameters, documents pretty-printed, for a person."""
        lines = [f"{self.service} {self.operation}"]
        for name, value in self.params.items():
            if isinstance(value, (Mapping, list)):
                text = json.dumps(value, indent=2)
                lines.append(f"  {name}:")
                lines += [f"    {line}" for line in text.splitlines()]
            else:
                lines.append(f"  {name}: {value}")
        return "\n".join(lines)


def fill(value: Any, values: Mapping[str, str]) -> Any:
    """`value` with every token (NEW_KEY_ARN) inside strings replaced by its value."""
    if isinstance(value, str):
        for token, known in values.items():
            value = value.replace(token, known)
        return value
    if isinstance(value, Mapping):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    return value


def mentions(value: Any, token: str) -> bool:
    """Whether a token appears anywhere in a value."""
    if isinstance(value, str):
        return token in value
    if isinstance(value, Mapping):
        return any(mentions(v, token) for v in value.values())
    if isinstance(value, list):
        return any(mentions(v, token) for v in value)
    return False


@dataclass(frozen=True)
class Step:
    """One call of a plan, as a person reads it before saying yes.

    `subject` names the thing created or changed ("role WorkMailExport-example-corp");
    `before` holds a document's whole previous form when the step changes one; `undo` is
    the call that takes the step back (None: `undo_note` says why not, or what to do);
    `outputs` maps a token to where the call's answer holds its value."""

    call: Call
    summary: str
    kind: Kind
    subject: str
    cost: str = ""
    undo: Call | None = None
    undo_note: str = ""
    before: Mapping[str, Any] | None = None
    outputs: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
    also_needs: tuple[str, ...] = ()  # further IAM actions (iam:TagRole for tags at creation)

    @property
    def permissions(self) -> tuple[str, ...]:
        return (self.call.permission, *self.also_needs)

    @property
    def after(self) -> Any:
        """The document this step sends whole (None when it sends none)."""
        for name in DOCUMENT_PARAMS:
            if name in self.call.params:
                return self.call.params[name]
        return None


@dataclass(frozen=True)
class Plan:
    """What to call, in order, and what cannot be done by a change (`blockers`: a Deny, a
    bucket in another Region...). `role_arn`, `key_arn` and `bucket` are what an export uses
    once the plan is applied (`key_arn` may be NEW_KEY_ARN until then)."""

    title: str
    organization_id: str
    region: str
    steps: tuple[Step, ...] = ()
    blockers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    role_arn: str = ""
    key_arn: str = ""
    bucket: str = ""
    prefix: str = ""

    @property
    def empty(self) -> bool:
        return not self.steps

    @property
    def permissions(self) -> list[str]:
        """Every IAM action applying the plan needs, in order, once each."""
        return list(dict.fromkeys(p for step in self.steps for p in step.permissions))

    def subjects(self, kind: Kind) -> list[str]:
        """What the plan creates (or changes, or removes), once each, in order."""
        return list(dict.fromkeys(s.subject for s in self.steps if s.kind is kind))

    def summary(self) -> str:
        """What the plan creates, changes and removes, by name, and how many calls."""
        parts = []
        for kind, verb in ((Kind.CREATE, "Create"), (Kind.CHANGE, "Change"),
                           (Kind.REMOVE, "Remove")):
            subjects = self.subjects(kind)
            if subjects:
                parts.append(f"{verb} {', '.join(subjects)}")
        return f"{'; '.join(parts)} ({calls_text(len(self.steps))})" if parts else ""

    def confirmation(self) -> str:
        """The question a person answers before applying: what will be created, changed or
        removed, by name, and what it costs."""
        costs = [s.cost for s in self.steps if s.cost]
        return f"{self.summary()}?" + (f" {' '.join(costs)}" if costs else "")
