"""setup --remove: what the tool created is found by its tags (and its marks on what it did
not create) and taken back; a key is only scheduled for deletion, 30 days out; a bucket
holding objects is kept; nothing else in the account changes."""

from __future__ import annotations

from typing import Any

from setup_kit import admin_only_key, connection, set_up
from test_hand_off import resources

from tui.core.setup.apply import apply_plan
from tui.core.setup.plan import Kind
from tui.core.setup.remove import plan_removal
from tui.core.setup.request import SetupRequest


def test_everything_setup_made_is_removed_and_the_key_waits_30_days(fresh: Any) -> None:
    aws = connection(fresh)
    applied = set_up(fresh, aws, SetupRequest(fresh.world.org_id, bucket="example-corp-exports",
                                              prefix="exports/", create_key=True))
    plan = plan_removal(aws)
    assert [s.call.operation for s in plan.steps] == [
        "DeleteRolePolicy", "DeleteRole", "DeleteAlias", "ScheduleKeyDeletion", "DeleteBucket"]
    assert {s.kind for s in plan.steps} == {Kind.REMOVE}
    (schedule,) = [s for s in plan.steps if s.call.operation == "ScheduleKeyDeletion"]
    assert schedule.call.params["PendingWindowInDays"] == 30
    assert "can no longer be read" in schedule.note
    assert apply_plan(aws, plan).ok
    assert aws.client("iam").list_roles()["Roles"] == []
    assert aws.client("s3").list_buckets()["Buckets"] == []
    key = aws.client("kms").describe_key(KeyId=applied.key_arn)["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"
    assert plan_removal(aws).empty  # nothing of the tool's is left to remove


def test_removal_takes_back_only_what_setup_added_to_existing_things(sim: Any) -> None:
    aws = connection(sim)
    key_arn, _ = admin_only_key(aws, sim.world.account)
    before = resources(aws, key_arn)
    applied = set_up(sim, aws, SetupRequest(sim.world.org_id, bucket=sim.world.good_bucket,
                                            prefix="exports/", role_name="WorkMailExportEc2",
                                            key_arn=key_arn))
    assert {s.call.operation for s in applied.done} == {
        "UpdateAssumeRolePolicy", "PutKeyPolicy", "PutRolePolicy"}
    assert resources(aws, key_arn) != before
    plan = plan_removal(aws)
    assert sorted(s.call.operation for s in plan.steps) == [
        "DeleteRolePolicy", "PutKeyPolicy", "UpdateAssumeRolePolicy"]
    assert apply_plan(aws, plan).ok
    assert resources(aws, key_arn) == before


def test_a_bucket_holding_exports_is_kept(fresh: Any) -> None:
    aws = connection(fresh)
    set_up(fresh, aws, SetupRequest(fresh.world.org_id, bucket="example-corp-exports",
                                    prefix="exports/", create_key=True))
    aws.client("s3").put_object(Bucket="example-corp-exports", Key="exports/x.zip", Body=b"zip")
    plan = plan_removal(aws, fresh.world.org_id)
    assert "DeleteBucket" not in [s.call.operation for s in plan.steps]
    (blocker,) = plan.blockers
    assert "example-corp-exports" in blocker and "it is kept" in blocker


def test_removal_narrowed_to_another_organization_finds_nothing(fresh: Any) -> None:
    aws = connection(fresh)
    set_up(fresh, aws, SetupRequest(fresh.world.org_id, bucket="example-corp-exports",
                                    prefix="exports/", create_key=True))
    assert plan_removal(aws, "m-" + "0" * 32).empty
