"""The key and bucket lists put first what the chosen role may use (tui.core.fit), against
the demo world's roles; a role that cannot be read leaves the listing as it was."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tui.core import discovery, fit
from tui.core.model import ConnectionSettings
from tui.core.session import Aws, connect

pytestmark = pytest.mark.usefixtures("sim")


@pytest.fixture
def aws(sim: Any) -> Iterator[Aws]:
    yield connect(ConnectionSettings(region=sim.world.region))


def test_the_bucket_the_role_may_write_to_comes_first(aws: Aws, sim: Any) -> None:
    world = sim.world
    buckets = fit.list_buckets(aws, world.good_role_arn)
    assert [(b.name, b.role_allows) for b in buckets] == [
        (world.good_bucket, True),  # listed after example-corp-logs by name alone
        ("example-corp-logs", False),
        (world.public_bucket, False),
        (world.other_region_bucket, None),  # not usable: not judged, still last
    ]
    assert [b.name for b in discovery.list_buckets(aws)][:2] == ["example-corp-logs",
                                                                world.good_bucket]


def test_a_role_that_may_only_read_allows_no_bucket(aws: Aws, sim: Any) -> None:
    ci_deploy = next(arn for arn in sim.world.unrelated_role_arns if arn.endswith("/ci-deploy"))
    buckets = fit.list_buckets(aws, ci_deploy)  # it may read example-corp-logs, not write
    assert {b.name: b.role_allows for b in buckets if b.usable} == {
        "example-corp-logs": False, sim.world.good_bucket: False, sim.world.public_bucket: False}
    assert [b.name for b in buckets] == [b.name for b in discovery.list_buckets(aws)]


def test_keys_the_role_may_use(aws: Aws, sim: Any) -> None:
    world = sim.world
    allowed = {k.arn: k.role_allows for k in fit.list_keys(aws, world.good_role_arn)}
    assert allowed[world.good_key_arn] is True
    assert allowed[world.disabled_key_arn] is None  # not usable: not judged
    without_kms = {k.arn: k.role_allows for k in fit.list_keys(aws, world.no_kms_role_arn)}
    assert without_kms[world.good_key_arn] is False


@pytest.mark.parametrize("role_arn", ["", "not-an-arn"])
def test_no_role_chosen_leaves_the_listing_unjudged(aws: Aws, role_arn: str) -> None:
    buckets = fit.list_buckets(aws, role_arn)
    assert buckets == discovery.list_buckets(aws)
    assert {b.role_allows for b in buckets} == {None}


def test_a_role_whose_policies_cannot_be_read_leaves_the_listing_unjudged(
        aws: Aws, sim: Any) -> None:
    sim.faults.deny("iam", "ListRolePolicies")
    keys = fit.list_keys(aws, sim.world.good_role_arn)
    assert keys == discovery.list_keys(aws)
    assert {k.role_allows for k in keys} == {None}
