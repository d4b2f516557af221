"""README's "IAM permissions the tool itself needs" names exactly the actions the core calls,
and its "IAM permissions setup needs" exactly the further actions of the setup path.

The core is driven through every public function on the demo world (good and broken requests)
while a botocore hook records each operation sent; actions named in `call(...)` sites that the
demo world does not reach are read from the source. Both must equal README's policy. The same
for setup (tui.core.setup): plans applied and removed on the simulator, with the actions its
source names (every `Call(...)` a plan or an undo may make, and what a step `also_needs`);
less what the first policy already allows, they must equal README's setup statement.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tui.core import checks, discovery, jobs, session, submit
from tui.core.model import ConnectionSettings, ExportRequest

ROOT = Path(__file__).resolve().parent.parent


def iam_name(operation: str) -> str:
    """The IAM action of "service:Operation" (some S3 operations have another name)."""
    from tui.core.setup.plan import permission_of

    return permission_of(*operation.split(":", 1))


# Reading an object encrypted with a KMS key: S3 decrypts it with the caller's permission.
IMPLIED = {"s3:GetObject": {"kms:Decrypt"}}

CALL_SITE = re.compile(r'call(?:_unless)?\(\s*(?:[A-Za-z_.]+,\s*)?"([a-z0-9]+:[A-Za-z]+)"')


SETUP_CALL = re.compile(r'Call\(\s*"([a-z0-9]+)",\s*"([A-Za-z0-9]+)"')
ALSO_NEEDS = re.compile(r'also_needs=\(([^)]*)\)')
SETUP = ROOT / "tui" / "core" / "setup"


def readme_actions(heading: str = "## IAM permissions the tool itself needs") -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split(heading, 1)[1]
    policy = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))  # type: ignore[union-attr]
    return {action for statement in policy["Statement"] for action in statement["Action"]}


def actions_named_in_source(setup: bool = False) -> set[str]:
    """The `call("service:Action", ...)` sites of the core (of tui.core.setup with `setup`,
    else of the rest)."""
    names: set[str] = set()
    for path in (ROOT / "tui" / "core").rglob("*.py"):
        if (SETUP in path.parents) == setup:
            names.update(CALL_SITE.findall(path.read_text()))
    return {iam_name(name) for name in names}


def setup_actions_in_source() -> set[str]:
    """Every action a setup plan or its undo may call, and what its steps also need."""
    from tui.core.setup.plan import permission_of

    actions = actions_named_in_source(setup=True)
    for path in SETUP.rglob("*.py"):
        text = path.read_text()
        actions.update(permission_of(service, op) for service, op in SETUP_CALL.findall(text))
        for listed in ALSO_NEEDS.findall(text):
            actions.update(re.findall(r'"([a-z0-9]+:[A-Za-z]+)"', listed))
    return actions


def recorded(sim: Any) -> tuple[Any, set[str]]:
    """A connection, and the set every operation it sends is added to ("iam:GetRole")."""
    aws = session.connect(ConnectionSettings(region=sim.world.region))
    sent: set[str] = set()
    aws._session.register(
        "before-call",
        lambda model, **_: sent.add(f"{model.service_model.signing_name}:{model.name}"))
    return aws, sent


def actions_sent(sim: Any) -> set[str]:
    aws, sent = recorded(sim)
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
    named = {iam_name(name) for name in sent}
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


def setup_actions_sent(sim: Any) -> set[str]:
    """Plans made, applied and removed on the demo world: the actions sent."""
    from tui.core.setup.apply import apply_plan
    from tui.core.setup.planner import plan_setup
    from tui.core.setup.remove import plan_removal
    from tui.core.setup.request import SetupRequest

    aws, sent = recorded(sim)
    w = sim.world
    for request in (
            SetupRequest(w.org_id, bucket="example-corp-new-exports", prefix="x/",
                         create_key=True),
            SetupRequest(w.org_id, bucket=w.public_bucket, prefix="exports/",
                         role_name="WorkMailExportEc2", key_arn=w.pending_deletion_key_arn)):
        applied = apply_plan(aws, plan_setup(aws, request))
        assert applied.ok, applied.failure_sentence()
    assert apply_plan(aws, plan_removal(aws)).ok
    return {iam_name(name) for name in sent}


def test_readme_setup_statement_lists_exactly_what_setup_adds(sim: Any) -> None:
    needed = (setup_actions_sent(sim) | setup_actions_in_source()) - readme_actions()
    listed = readme_actions("## IAM permissions setup needs")
    assert sorted(needed - listed) == [], "setup calls them but README's setup statement lacks"
    assert sorted(listed - needed) == [], "README's setup statement lists more than setup calls"
