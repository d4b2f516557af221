"""A plan as a CloudFormation template (JSON): the resources the plan creates, with the same
properties, documents and tags, for someone who deploys stacks.

CloudFormation can only create and own resources; it cannot change a role, key or bucket it
did not create. Those steps (a trust or key policy with a statement merged in, EnableKey,
CancelKeyDeletion, Block Public Access on an existing bucket, a merged inline policy) are left
out of the template and returned in `left_out`, for the shell form. A new inline policy on an
existing role is an AWS::IAM::RolePolicy. The key and the bucket are kept when the stack is
deleted (DeletionPolicy Retain): exports must outlive the stack. A rule refuses a deployment
in any Region but the organization's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tui.core.setup.plan import NEW_KEY_ARN, NEW_KEY_ID, Plan, Step

ROLE, KEY, ALIAS, BUCKET = "ExportRole", "ExportKey", "ExportKeyAlias", "ExportBucket"
RETAIN = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
# The key policy KMS gives a key created without one (it leaves the key's use to IAM).
DEFAULT_KEY_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "Enable IAM User Permissions", "Effect": "Allow",
    "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
    "Action": "kms:*", "Resource": "*"}]}


@dataclass(frozen=True)
class Rendered:
    """The template ("" when no step can be one) and the steps it leaves out."""

    text: str
    left_out: tuple[Step, ...]


def _cfn(value: Any) -> Any:
    """Tokens become references to the key resource."""
    if isinstance(value, str):
        if value == NEW_KEY_ARN:
            return {"Fn::GetAtt": [KEY, "Arn"]}
        if value == NEW_KEY_ID:
            return {"Ref": KEY}
        if NEW_KEY_ARN in value or NEW_KEY_ID in value:
            return {"Fn::Sub": value.replace(NEW_KEY_ARN, "${ExportKey.Arn}")
                    .replace(NEW_KEY_ID, "${ExportKey}")}
        return value
    if isinstance(value, Mapping):
        return {k: _cfn(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cfn(v) for v in value]
    return value


def _tags(tags: list[Mapping[str, str]]) -> list[dict[str, str]]:
    """IAM/S3 ({Key, Value}) or KMS ({TagKey, TagValue}) tags as CloudFormation's."""
    return [{"Key": t.get("Key", t.get("TagKey", "")), "Value": t.get("Value",
                                                                       t.get("TagValue", ""))}
            for t in tags]


class _Builder:
    """Turns the plan's steps into resources, one step at a time."""

    def __init__(self) -> None:
        self.resources: dict[str, dict[str, Any]] = {}
        self.left_out: list[Step] = []
        self.role_name = ""
        self.bucket = ""

    def add(self, step: Step) -> None:
        params = step.call.params
        handler = getattr(self, f"_{step.call.operation}", None)
        if handler is None or not handler(step, params):
            self.left_out.append(step)

    def _CreateRole(self, step: Step, p: Mapping[str, Any]) -> bool:
        self.role_name = p["RoleName"]
        self.resources[ROLE] = {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": p["RoleName"], "Path": p["Path"], "Description": p["Description"],
            "AssumeRolePolicyDocument": p["AssumeRolePolicyDocument"],
            "Tags": _tags(p["Tags"]), "Policies": []}}
        return True

    def _PutRolePolicy(self, step: Step, p: Mapping[str, Any]) -> bool:
        if step.before is not None:
            return False  # a merged policy: CloudFormation would own (and delete) it
        policy = {"PolicyName": p["PolicyName"], "PolicyDocument": _cfn(p["PolicyDocument"])}
        if p["RoleName"] == self.role_name:
            self.resources[ROLE]["Properties"]["Policies"].append(policy)
        else:
            name = f"ExportPolicy{len(self.resources)}"
            self.resources[name] = {"Type": "AWS::IAM::RolePolicy",
                                    "Properties": {"RoleName": p["RoleName"], **policy}}
        return True

    def _CreateKey(self, step: Step, p: Mapping[str, Any]) -> bool:
        self.resources[KEY] = {"Type": "AWS::KMS::Key", **RETAIN, "Properties": {
            "Description": p["Description"], "KeySpec": p["KeySpec"],
            "KeyUsage": p["KeyUsage"], "KeyPolicy": DEFAULT_KEY_POLICY,
            "Tags": _tags(p["Tags"])}}
        return True

    def _CreateAlias(self, step: Step, p: Mapping[str, Any]) -> bool:
        if KEY not in self.resources:
            return False
        self.resources[ALIAS] = {"Type": "AWS::KMS::Alias", "Properties": {
            "AliasName": p["AliasName"], "TargetKeyId": _cfn(p["TargetKeyId"])}}
        return True

    def _CreateBucket(self, step: Step, p: Mapping[str, Any]) -> bool:
        self.bucket = p["Bucket"]
        self.resources[BUCKET] = {"Type": "AWS::S3::Bucket", **RETAIN,
                                  "Properties": {"BucketName": p["Bucket"]}}
        return True

    def _bucket_property(self, p: Mapping[str, Any], name: str, value: Any) -> bool:
        if p["Bucket"] != self.bucket:
            return False  # an existing bucket: CloudFormation cannot change it
        self.resources[BUCKET]["Properties"][name] = value
        return True

    def _PutPublicAccessBlock(self, step: Step, p: Mapping[str, Any]) -> bool:
        return self._bucket_property(p, "PublicAccessBlockConfiguration",
                                     dict(p["PublicAccessBlockConfiguration"]))

    def _PutBucketOwnershipControls(self, step: Step, p: Mapping[str, Any]) -> bool:
        return self._bucket_property(p, "OwnershipControls", dict(p["OwnershipControls"]))

    def _PutBucketEncryption(self, step: Step, p: Mapping[str, Any]) -> bool:
        rules = [{"ServerSideEncryptionByDefault": _cfn(r["ApplyServerSideEncryptionByDefault"]),
                  "BucketKeyEnabled": r["BucketKeyEnabled"]}
                 for r in p["ServerSideEncryptionConfiguration"]["Rules"]]
        return self._bucket_property(p, "BucketEncryption",
                                     {"ServerSideEncryptionConfiguration": rules})

    def _PutBucketTagging(self, step: Step, p: Mapping[str, Any]) -> bool:
        return self._bucket_property(p, "Tags", _tags(p["Tagging"]["TagSet"]))


def template(plan: Plan) -> Rendered:
    """The template of what the plan creates, and the steps it cannot hold."""
    builder = _Builder()
    for step in plan.steps:
        builder.add(step)
    if not builder.resources:
        return Rendered("", tuple(builder.left_out))
    if ROLE in builder.resources and not builder.resources[ROLE]["Properties"]["Policies"]:
        del builder.resources[ROLE]["Properties"]["Policies"]
    outputs: dict[str, Any] = {}
    if ROLE in builder.resources:
        outputs["RoleArn"] = {"Value": {"Fn::GetAtt": [ROLE, "Arn"]}}
    if KEY in builder.resources:
        outputs["KeyArn"] = {"Value": {"Fn::GetAtt": [KEY, "Arn"]}}
    if BUCKET in builder.resources:
        outputs["BucketName"] = {"Value": {"Ref": BUCKET}}
    document: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"{plan.title} (workmail-export setup --format cloudformation)"[:1024],
        "Rules": {"OrganizationRegion": {"Assertions": [{
            "Assert": {"Fn::Equals": [{"Ref": "AWS::Region"}, plan.region]},
            "AssertDescription": f"Deploy in {plan.region}, the WorkMail organization's "
                                 "Region."}]}},
        "Resources": builder.resources,
        "Outputs": outputs,
    }
    if builder.left_out:
        document["Metadata"] = {"NotInThisTemplate": [s.summary for s in builder.left_out]}
    return Rendered(json.dumps(document, indent=2) + "\n", tuple(builder.left_out))
