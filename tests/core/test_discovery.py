"""Discovery against the simulated demo world: organizations, mailbox search and resolve,
roles, keys and buckets, with the calls boto3 actually sends."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tui.core import discovery
from tui.core.model import ConnectionSettings, CoreError
from tui.core.session import Aws, connect

pytestmark = pytest.mark.usefixtures("sim")


@pytest.fixture
def aws(sim: Any) -> Iterator[Aws]:
    yield connect(ConnectionSettings(region=sim.world.region))


def _record(aws: Aws, service: str, operation: str) -> list[dict[str, Any]]:
    """The parameters of every `operation` call this connection makes from now on."""
    sent: list[dict[str, Any]] = []
    aws.client(service).meta.events.register(
        f"provide-client-params.{service}.{operation}",
        lambda params, **_: sent.append(dict(params)))
    return sent


# --- organizations ----------------------------------------------------------------------------


def test_organizations_with_alias_domain_and_state_active_first(aws: Aws, sim: Any) -> None:
    organizations = discovery.list_organizations(aws)
    assert [(o.id, o.alias, o.state, o.selectable) for o in organizations] == [
        (sim.world.org_id, "example-corp", "Active", True),
        (sim.world.inactive_org_id, "example-corp-archive", "Inactive", False)]
    assert organizations[0].default_domain == "example-corp.awsapps.com"
    assert "Inactive" in organizations[1].why_not


def test_unknown_organization_is_a_core_error(aws: Aws) -> None:
    with pytest.raises(CoreError) as raised:
        discovery.search_mailboxes(aws, "m-" + "0" * 32, "ali")
    assert raised.value.problem.code == "OrganizationNotFoundException"


# --- mailbox search ---------------------------------------------------------------------------


def test_search_sends_every_prefix_filter_with_max_results(aws: Aws, sim: Any) -> None:
    users = _record(aws, "workmail", "ListUsers")
    resources = _record(aws, "workmail", "ListResources")
    found = discovery.search_mailboxes(aws, sim.world.org_id, "ali", limit=20)
    assert sorted(json.dumps(p["Filters"]) for p in users) == [
        '{"DisplayNamePrefix": "ali"}', '{"PrimaryEmailPrefix": "ali"}',
        '{"UsernamePrefix": "ali"}']
    assert sorted(json.dumps(p["Filters"]) for p in resources) == [
        '{"NamePrefix": "ali"}', '{"PrimaryEmailPrefix": "ali"}']
    assert {p["MaxResults"] for p in users + resources} == {20}
    # alice.wong matches all three user filters and comes back once.
    assert [m.name for m in found].count("alice.wong") == 1
    assert all(m.name.startswith("alice") for m in found)


def test_search_returns_users_and_resources_together(aws: Aws, sim: Any) -> None:
    found = discovery.search_mailboxes(aws, sim.world.org_id, "b")
    kinds = {m.name: (m.kind, m.resource_type) for m in found}
    assert kinds["boardroom"] == ("RESOURCE", "ROOM")
    assert kinds["bob.smith"] == ("USER", "")
    assert all(m.name.startswith("b") or m.display_name.startswith(("B", "b"))
               or m.email.startswith("b") for m in found)


def test_search_by_email_finds_equipment(aws: Aws, sim: Any) -> None:
    (found,) = discovery.search_mailboxes(aws, sim.world.org_id, "projector@")
    assert (found.id, found.kind, found.resource_type) == (
        sim.world.equipment_id, "RESOURCE", "EQUIPMENT")


def test_empty_text_lists_the_first_page_only(aws: Aws, sim: Any) -> None:
    users = _record(aws, "workmail", "ListUsers")
    found = discovery.search_mailboxes(aws, sim.world.org_id, "", limit=5)
    assert len(found) == 5
    assert [("Filters" in p, p["MaxResults"], "NextToken" in p) for p in users] == [
        (False, 5, False)]


def _all_in_flight_at_once(aws: Aws, service: str, operations: list[str],
                           count: int) -> set[str]:
    """Make every call of `operations` wait until `count` of them are in flight together
    (a sequential caller would never get there: its first call gives up, failing the test);
    returns the names of the threads that made them."""
    together = threading.Barrier(count, timeout=60)  # a deadline against hanging, not a timing
    threads: set[str] = set()

    def wait_for_the_others(**_: Any) -> None:
        threads.add(threading.current_thread().name)
        together.wait()

    for operation in operations:
        aws.client(service).meta.events.register(f"before-call.{service}.{operation}",
                                                 wait_for_the_others)
    return threads


def test_search_sends_its_five_filters_at_once(aws: Aws, sim: Any) -> None:
    """One round trip of latency, not five (bench_search.py measures it)."""
    threads = _all_in_flight_at_once(aws, "workmail", ["ListUsers", "ListResources"], 5)
    found = discovery.search_mailboxes(aws, sim.world.org_id, "car")
    assert found and all(m.name.startswith("car") for m in found)
    assert len(threads) == 5


# --- resolve ----------------------------------------------------------------------------------


def test_resolve_a_user_by_id_name_and_email(aws: Aws, sim: Any) -> None:
    org, user = sim.world.org_id, sim.world.enabled_user
    by_id = discovery.resolve_mailbox(aws, org, user)
    assert by_id is not None and by_id.kind == "USER" and by_id.state == "ENABLED"
    assert discovery.resolve_mailbox(aws, org, by_id.name) == by_id
    assert discovery.resolve_mailbox(aws, org, by_id.email.upper()) == by_id


@pytest.mark.parametrize("how", ["id", "name", "email"])
def test_resolve_a_group_says_group(aws: Aws, sim: Any, how: str) -> None:
    text = {"id": sim.world.group_id, "name": "all-staff",
            "email": f"all-staff@{sim.world.domain}"}[how]
    group = discovery.resolve_mailbox(aws, sim.world.org_id, text)
    assert group is not None and (group.id, group.kind) == (sim.world.group_id, "GROUP")
    assert not group.exportable


def test_resolve_room_deleted_and_unknown(aws: Aws, sim: Any) -> None:
    org = sim.world.org_id
    room = discovery.resolve_mailbox(aws, org, "boardroom")
    assert room is not None and (room.id, room.kind) == (sim.world.room_id, "RESOURCE")
    deleted = discovery.resolve_mailbox(aws, org, sim.world.deleted_user)
    assert deleted is not None and deleted.state == "DELETED" and not deleted.exportable
    assert discovery.resolve_mailbox(aws, org, "nobody.here") is None
    assert discovery.resolve_mailbox(aws, org, "  ") is None


# --- roles, keys, buckets ---------------------------------------------------------------------


def test_roles_trusting_workmail_come_first(aws: Aws, sim: Any) -> None:
    roles = discovery.list_roles(aws)
    trusting = [r.arn for r in roles if r.trusts_workmail]
    assert roles[:len(trusting)] == [r for r in roles if r.trusts_workmail]
    world = sim.world
    assert set(trusting) == {world.good_role_arn, world.legacy_role_arn, world.no_kms_role_arn,
                             world.wrong_prefix_role_arn}
    legacy = next(r for r in roles if r.arn == world.legacy_role_arn)
    assert "sts:ExternalId" in legacy.note
    untrusted = next(r for r in roles if r.arn == world.untrusted_role_arn)
    assert not untrusted.trusts_workmail and "does not trust" in untrusted.note


def test_roles_are_read_page_by_page(aws: Aws) -> None:
    """ListRoles pages hold up to 1,000 roles; 1,008 take two. (KMS paging is the same code,
    but moto ignores Limit on ListKeys/ListAliases, so it is not exercised here.)"""
    from tui.sim import aws_seed

    for i in range(1000):
        aws_seed.create_role(f"filler-{i:04d}", {"Version": "2012-10-17", "Statement": []})
    pages = _record(aws, "iam", "ListRoles")
    roles = discovery.list_roles(aws)
    assert len(roles) == 1008 and len({r.arn for r in roles}) == 1008
    assert [p.get("MaxItems") for p in pages] == [1000, 1000] and "Marker" in pages[1]


def test_keys_with_aliases_and_why_not(aws: Aws, sim: Any) -> None:
    keys = {k.arn: k for k in discovery.list_keys(aws)}
    world = sim.world
    good = keys[world.good_key_arn]
    assert good.usable and good.aliases == ("alias/workmail-export",)
    assert "Disabled" in keys[world.disabled_key_arn].why_not
    assert "symmetric" in keys[world.asymmetric_key_arn].why_not
    assert "PendingDeletion" in keys[world.pending_deletion_key_arn].why_not
    assert world.other_region_key_arn not in keys  # ListKeys lists this Region only
    assert next(iter(keys)) == world.good_key_arn  # usable first


def test_keys_are_described_all_at_once(aws: Aws, sim: Any) -> None:
    """ListAliases + ListKeys, then the four DescribeKey together: three round trips, not six."""
    threads = _all_in_flight_at_once(aws, "kms", ["DescribeKey"], 4)
    assert len(discovery.list_keys(aws)) == 4
    assert len(threads) == 4


def test_a_key_the_caller_may_not_describe_is_listed_as_not_usable(aws: Aws, sim: Any) -> None:
    from botocore.awsrequest import AWSResponse

    def deny(params: dict[str, Any], **_: Any) -> Any:
        if json.loads(params["body"])["KeyId"] in sim.world.disabled_key_arn:
            return AWSResponse("", 400, {}, None), {
                "Error": {"Code": "AccessDeniedException", "Message": "not allowed"},
                "ResponseMetadata": {"HTTPStatusCode": 400}}
        return None

    aws.client("kms").meta.events.register("before-call.kms.DescribeKey", deny)
    keys = {k.key_id: k for k in discovery.list_keys(aws)}
    denied = keys[sim.world.disabled_key_arn.rsplit("/", 1)[1]]
    assert "kms:DescribeKey was refused" in denied.why_not
    assert sum(k.usable for k in keys.values()) == 1


def test_buckets_with_their_region(aws: Aws, sim: Any) -> None:
    buckets = {b.name: b for b in discovery.list_buckets(aws)}
    world = sim.world
    assert buckets[world.good_bucket].usable and buckets[world.good_bucket].region == "us-east-1"
    other = buckets[world.other_region_bucket]
    assert other.region == "eu-west-1" and "eu-west-1" in other.why_not
    assert buckets[world.public_bucket].usable  # public access is the bucket check's job
    assert list(buckets)[-1] == world.other_region_bucket  # usable first


def test_the_role_made_for_the_organization_comes_first(aws: Aws, sim: Any) -> None:
    """Given the organization, a trust whose aws:SourceArn names it ranks first; a trust
    naming another organization is not trust for this one."""
    from tui.sim import aws_seed
    from tui.sim.world_policies import trust_current

    world = sim.world
    elsewhere = world.good_role_arn.split(":")[4]
    other_org = f"arn:aws:workmail:{world.region}:{elsewhere}:organization/m-0000000000000000"
    aws_seed.create_role("AAExportForAnotherOrg", trust_current(elsewhere, other_org))
    roles = discovery.list_roles(aws, world.org_id)
    assert roles[0].arn == world.good_role_arn and roles[0].for_organization
    assert [r.name for r in roles if r.for_organization] == ["WorkMailExportRole"]
    other = next(r for r in roles if r.name == "AAExportForAnotherOrg")
    assert not other.trusts_workmail and "for this organization" in other.note
    unjudged = next(r for r in discovery.list_roles(aws) if r.name == "AAExportForAnotherOrg")
    assert unjudged.trusts_workmail and not unjudged.for_organization  # no organization given


# --- what becomes "could not check", and what is a bug ------------------------------------------


def test_failures_aws_and_botocore_report_become_problems(aws: Aws) -> None:
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        ParamValidationError,
    )

    refusals = [
        ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetRole"),
        EndpointConnectionError(endpoint_url="https://iam.amazonaws.com"),
        NoCredentialsError(),
        ParamValidationError(report="RoleName is required"),
    ]
    for refusal in refusals:
        def refuse(refusal: Exception = refusal) -> None:
            raise refusal

        with pytest.raises(CoreError) as caught:
            discovery.call("iam:GetRole", refuse)
        assert caught.value.problem.operation == "iam:GetRole"
        assert caught.value.__cause__ is refusal


@pytest.mark.parametrize("bug", [KeyError("Role"), TypeError("unexpected keyword"),
                                 AttributeError("no attribute"), NotImplementedError()])
def test_a_programming_error_is_raised_not_shown_as_could_not_check(aws: Aws, sim: Any,
                                                                    bug: Exception) -> None:
    from tui.core import checks
    from tui.core.model import ExportRequest

    def broken(**_: Any) -> None:
        raise bug

    with pytest.raises(type(bug)):
        discovery.call("iam:GetRole", broken)
    iam = aws.client("iam")
    iam.get_role = broken  # a bug in the code that reads the role
    w = sim.world
    request = ExportRequest(organization_id=w.org_id, entity_id=w.enabled_user,
                            role_arn=w.good_role_arn, kms_key_arn=w.good_key_arn,
                            bucket=w.good_bucket, prefix=w.good_prefix)
    with pytest.raises(type(bug)):
        checks.check_role(aws, request)
