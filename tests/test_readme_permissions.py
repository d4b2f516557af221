"""README's "IAM permissions the tool itself needs" names exactly the actions the core calls.

The core is driven through every public function on the demo world (good and broken requests)
while a botocore hook records each operation sent; actions named in `call(...)` sites that the
demo world does not reach are read from the source. Both must equal README's policy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tui.core import checks, discovery, jobs, session, submit
from tui.core.model import ConnectionSettings, ExportRequest

ROOT = Path(__file__).resolve().parent.parent
# S3 operations whose IAM action has another name.
IAM_NAME = {"s3:ListBuckets": "s3:ListAllMyBuckets",
            "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
            "s3:HeadBucket": "s3:ListBucket", "s3:HeadObject": "s3:GetObject",
            "s3:ListObjectsV2": "s3:ListBucket"}
# Reading an object encrypted with a KMS key: S3 decrypts it with the caller's permission.
IMPLIED = {"s3:GetObject": {"kms:Decrypt"}}
CALL_SITE = re.compile(r'call(?:_unless)?\(\s*(?:[A-Za-z_.]+,\s*)?"([a-z0-9]+:[A-Za-z]+)"')


def readme_actions() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## IAM permissions the tool itself needs", 1)[1]
    policy = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))  # type: ignore[union-attr]
    return {action for statement in policy["Statement"] for action in statement["Action"]}


def actions_named_in_source() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tui" / "core").rglob("*.py"):
        names.update(CALL_SITE.findall(path.read_text()))
    return {IAM_NAME.get(name, name) for name in names}


def actions_sent(sim: Any) -> set[str]:
    aws = session.connect(ConnectionSettings(region=sim.world.region))
    sent: set[str] = set()
    aws._session.events.register(
        "before-call",
        lambda model, **_: sent.add(f"{model.service_model.signing_name}:{model.name}"))
    w = sim.world
    session.caller_identity(aws)
    discovery.list_organizations(aws)
    discovery.search_mailboxes(aws, w.org_id, "a")
    for text in (w.enabled_user, w.room_id, w.group_id, "nobody"):
        discovery.resolve_mailbox(aws, w.org_id, text)
    discovery.list_roles(aws)
    discovery.list_keys(aws)
    discovery.list_buckets(aws)
    good = ExportRequest(organization_id=w.org_id, entity_id=w.enabled_user,
                         role_arn=w.good_role_arn, kms_key_arn=w.good_key_arn,
                         bucket=w.good_bucket, prefix=w.good_prefix)
    for change in ({}, {"role_arn": w.legacy_role_arn}, {"role_arn": w.untrusted_role_arn},
                   {"role_arn": w.no_kms_role_arn}, {"kms_key_arn": w.disabled_key_arn},
                   {"kms_key_arn": w.other_region_key_arn}, {"bucket": w.public_bucket},
                   {"bucket": w.other_region_bucket}, {"organization_id": w.inactive_org_id}):
        checks.preflight(aws, good.with_changes(**change))
    job_id = submit.start_export(aws, good).job_id
    jobs.describe_job(aws, w.org_id, job_id)
    jobs.list_jobs(aws, w.org_id)
    jobs.cancel_job(aws, w.org_id, job_id)
    retrieve_an_export(sim, aws)
    named = {IAM_NAME.get(name, name) for name in sent}
    return named.union(*(IMPLIED.get(name, set()) for name in named))


def retrieve_an_export(sim: Any, aws: Any) -> None:
    """Verify and download a completed export (after the export: verify, download)."""
    import tempfile
    from pathlib import Path

    from tui.core.retrieve.transfer import download
    from tui.core.retrieve.verify import verify_job

    w = sim.world
    request = ExportRequest(organization_id=w.org_id, entity_id=w.user_ids[1],
                            role_arn=w.good_role_arn, kms_key_arn=w.good_key_arn,
                            bucket=w.good_bucket, prefix=w.good_prefix)
    job_id = submit.start_export(aws, request).job_id
    sim.clock.advance(3600)
    verification = verify_job(aws, jobs.describe_job(aws, w.org_id, job_id))
    assert verification.location is not None and verification.object is not None
    with tempfile.TemporaryDirectory() as directory:
        download(aws, verification.location, verification.object, verification.log,
                 Path(directory) / "export.zip")


def test_readme_policy_lists_exactly_the_actions_the_core_calls(sim: Any) -> None:
    called = actions_sent(sim) | actions_named_in_source()
    listed = readme_actions()
    assert sorted(called - listed) == [], "called by the core but missing from README"
    assert sorted(listed - called) == [], "listed in README but never called"
