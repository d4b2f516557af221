"""Organizations, users, resources and groups of the demo world, through boto3."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from sim_helpers import NO_RETRIES

from tui.sim import SimulatedAws


def all_pages(call: Any, key: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    items, pages, token = [], 0, None
    while True:
        page = call(**params, **({"NextToken": token} if token else {}))
        items += page[key]
        pages += 1
        token = page.get("NextToken")
        if not token:
            return items, pages


def test_list_organizations_shows_both_demo_orgs_with_states(sim: SimulatedAws,
                                                             workmail: Any) -> None:
    orgs = {o["Alias"]: o for o in workmail.list_organizations()["OrganizationSummaries"]}
    assert orgs["example-corp"]["State"] == "Active"
    assert orgs["example-corp"]["OrganizationId"] == sim.world.org_id
    assert orgs["example-corp"]["DefaultMailDomain"] == "example-corp.awsapps.com"
    assert orgs["example-corp-archive"]["State"] != "Active"


def test_organizations_belong_to_their_region(sim: SimulatedAws) -> None:
    eu = boto3.client("workmail", region_name="eu-west-1", config=NO_RETRIES)
    assert eu.list_organizations()["OrganizationSummaries"] == []
    with pytest.raises(eu.exceptions.OrganizationNotFoundException):
        eu.describe_organization(OrganizationId=sim.world.org_id)


def test_describe_organization(sim: SimulatedAws, workmail: Any) -> None:
    org = workmail.describe_organization(OrganizationId=sim.world.org_id)
    assert org["Alias"] == "example-corp"
    assert org["ARN"] == f"arn:aws:workmail:us-east-1:123456789012:organization/{sim.world.org_id}"
    inactive = workmail.describe_organization(OrganizationId=sim.world.inactive_org_id)
    assert inactive["State"] == "Inactive"


def test_unknown_organization_is_not_found(workmail: Any) -> None:
    with pytest.raises(workmail.exceptions.OrganizationNotFoundException):
        workmail.list_users(OrganizationId="m-" + "0" * 32)


def test_inactive_organization_refuses_listing(sim: SimulatedAws, workmail: Any) -> None:
    with pytest.raises(workmail.exceptions.OrganizationStateException):
        workmail.list_users(OrganizationId=sim.world.inactive_org_id)


def test_list_users_pages_through_every_user(sim: SimulatedAws, workmail: Any) -> None:
    users, pages = all_pages(workmail.list_users, "Users", OrganizationId=sim.world.org_id,
                             MaxResults=7)
    assert len(users) == 55 and pages == 8
    assert len({u["Id"] for u in users}) == 55
    states = [u["State"] for u in users]
    counts = [states.count(s) for s in ("ENABLED", "DISABLED", "DELETED")]
    assert counts == [50, 3, 2]
    alice = users[0]
    assert (alice["Name"], alice["DisplayName"], alice["Email"]) == (
        "alice.wong", "Alice Wong", "alice.wong@example-corp.awsapps.com")


def test_paginator_and_default_page_size(sim: SimulatedAws, workmail: Any) -> None:
    pages = list(workmail.get_paginator("list_users").paginate(OrganizationId=sim.world.org_id))
    assert len(pages) == 1 and len(pages[0]["Users"]) == 55


def test_max_results_above_100_is_refused_by_the_service(sim: SimulatedAws,
                                                                 workmail: Any) -> None:
    with pytest.raises(workmail.exceptions.InvalidParameterException):
        workmail.list_users(OrganizationId=sim.world.org_id, MaxResults=101)


def test_a_forged_next_token_is_invalid(sim: SimulatedAws, workmail: Any) -> None:
    with pytest.raises(workmail.exceptions.InvalidParameterException):
        workmail.list_users(OrganizationId=sim.world.org_id, NextToken="bm9wZQ==")


@pytest.mark.parametrize(("filters", "names"), [
    ({"UsernamePrefix": "alice"}, ["alice.wong"]),
    ({"UsernamePrefix": "ALICE"}, ["alice.wong"]),
    ({"DisplayNamePrefix": "Bob S"}, ["bob.smith"]),
    ({"PrimaryEmailPrefix": "carol."}, ["carol.garcia"]),
    ({"UsernamePrefix": "zz"}, []),
])
def test_list_users_prefix_filters(sim: SimulatedAws, workmail: Any, filters: dict[str, str],
                                   names: list[str]) -> None:
    users = workmail.list_users(OrganizationId=sim.world.org_id, Filters=filters)["Users"]
    assert [u["Name"] for u in users] == names


def test_list_users_filters_combine_with_and(sim: SimulatedAws, workmail: Any) -> None:
    org = sim.world.org_id
    disabled = workmail.list_users(OrganizationId=org, Filters={"State": "DISABLED"})["Users"]
    assert len(disabled) == 3
    first = disabled[0]["Name"]
    both = workmail.list_users(OrganizationId=org, Filters={
        "State": "DISABLED", "UsernamePrefix": first[:4]})["Users"]
    assert [u["Name"] for u in both] == [first]
    none = workmail.list_users(OrganizationId=org, Filters={
        "State": "ENABLED", "UsernamePrefix": first})["Users"]
    assert none == []


def test_list_resources_and_filters(sim: SimulatedAws, workmail: Any) -> None:
    org = sim.world.org_id
    resources = workmail.list_resources(OrganizationId=org)["Resources"]
    assert sorted((r["Name"], r["Type"]) for r in resources) == [
        ("boardroom", "ROOM"), ("harbor-room", "ROOM"), ("projector", "EQUIPMENT")]
    assert all(r["Id"].startswith("r-") for r in resources)
    rooms = workmail.list_resources(OrganizationId=org, Filters={"NamePrefix": "board"})
    assert [r["Id"] for r in rooms["Resources"]] == [sim.world.room_id]
    by_mail = workmail.list_resources(OrganizationId=org,
                                      Filters={"PrimaryEmailPrefix": "projector@"})
    assert [r["Id"] for r in by_mail["Resources"]] == [sim.world.equipment_id]


def test_list_groups(sim: SimulatedAws, workmail: Any) -> None:
    groups = workmail.list_groups(OrganizationId=sim.world.org_id)["Groups"]
    assert [(g["Id"], g["Name"]) for g in groups] == [(sim.world.group_id, "all-staff")]


@pytest.mark.parametrize(("email", "kind"), [
    ("alice.wong@example-corp.awsapps.com", "USER"),
    ("Alice.Wong@Example-Corp.awsapps.com", "USER"),
    ("boardroom@example-corp.awsapps.com", "RESOURCE"),
    ("all-staff@example-corp.awsapps.com", "GROUP"),
])
def test_describe_entity_by_email(sim: SimulatedAws, workmail: Any, email: str, kind: str) -> None:
    entity = workmail.describe_entity(OrganizationId=sim.world.org_id, Email=email)
    assert entity["Type"] == kind


def test_describe_entity_unknown_or_deleted_email(sim: SimulatedAws, workmail: Any) -> None:
    deleted = workmail.describe_user(OrganizationId=sim.world.org_id,
                                     UserId=sim.world.deleted_user)
    assert deleted["State"] == "DELETED"
    for email in ("nobody@example-corp.awsapps.com", deleted["Email"]):
        with pytest.raises(workmail.exceptions.EntityNotFoundException):
            workmail.describe_entity(OrganizationId=sim.world.org_id, Email=email)


@pytest.mark.parametrize("identifier", ["id", "alice.wong", "alice.wong@example-corp.awsapps.com"])
def test_describe_user_by_id_name_or_email(sim: SimulatedAws, workmail: Any,
                                           identifier: str) -> None:
    user_id = sim.world.enabled_user if identifier == "id" else identifier
    user = workmail.describe_user(OrganizationId=sim.world.org_id, UserId=user_id)
    assert (user["UserId"], user["Name"], user["State"]) == (
        sim.world.enabled_user, "alice.wong", "ENABLED")
    assert user["DisplayName"] == "Alice Wong"


def test_describe_user_of_a_resource_or_unknown_is_not_found(sim: SimulatedAws,
                                                             workmail: Any) -> None:
    for user_id in (sim.world.room_id, "nobody"):
        with pytest.raises(workmail.exceptions.EntityNotFoundException):
            workmail.describe_user(OrganizationId=sim.world.org_id, UserId=user_id)


def test_describe_resource(sim: SimulatedAws, workmail: Any) -> None:
    room = workmail.describe_resource(OrganizationId=sim.world.org_id, ResourceId="boardroom")
    assert (room["ResourceId"], room["Type"], room["State"]) == (
        sim.world.room_id, "ROOM", "ENABLED")
    with pytest.raises(workmail.exceptions.EntityNotFoundException):
        workmail.describe_resource(OrganizationId=sim.world.org_id,
                                   ResourceId=sim.world.enabled_user)


def test_a_region_without_workmail_has_no_endpoint(sim: SimulatedAws) -> None:
    mumbai = boto3.client("workmail", region_name="ap-south-1", config=NO_RETRIES)
    with pytest.raises(EndpointConnectionError):
        mumbai.list_organizations()


def test_a_user_added_after_a_search_is_found_by_the_next(sim: SimulatedAws,
                                                           workmail: Any) -> None:
    org = sim.world.org_id
    assert workmail.list_users(OrganizationId=org, Filters={"UsernamePrefix": "new"})[
        "Users"] == []
    sim.workmail.create_user(org, "newcomer", "New Comer", "newcomer@example-corp.awsapps.com")
    found = workmail.list_users(OrganizationId=org, Filters={"DisplayNamePrefix": "new c"})
    assert [u["Name"] for u in found["Users"]] == ["newcomer"]
    everyone = workmail.list_users(OrganizationId=org)["Users"]
    assert everyone[-1]["Name"] == "newcomer"  # listings keep creation order


def test_prefix_results_keep_creation_order(sim: SimulatedAws, workmail: Any) -> None:
    everyone = [u["Name"] for u in workmail.list_users(OrganizationId=sim.world.org_id)["Users"]]
    a_names = [u["Name"] for u in workmail.list_users(
        OrganizationId=sim.world.org_id, Filters={"UsernamePrefix": "a"})["Users"]]
    assert a_names == [n for n in everyone if n.startswith("a")]
    assert len(a_names) > 1
