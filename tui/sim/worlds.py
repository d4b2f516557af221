"""The named worlds a SimulatedAws starts with: "empty" (nothing at all), "fresh" (an
organization with its people, and no role, key or bucket), "demo" and "large".

Seeding is deterministic: the same world always has the same ids, names and ARNs (moto's
random generator is seeded too). `World` holds named handles of what was seeded, so tests and
the demo can say `sim.world.good_role_arn` instead of repeating names.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from moto.moto_api._internal import mock_random

from . import aws_seed
from .directory import ACCOUNT_ID
from .world_policies import (
    export_permissions,
    public_read,
    read_only_logs,
    trust_account,
    trust_current,
    trust_legacy,
    trust_service,
)

if TYPE_CHECKING:
    from .backend import WorkMailBackend

REGION = "us-east-1"
OTHER_REGION = "eu-west-1"

FIRST_NAMES = (
    "alice", "bob", "carol", "david", "erin", "frank", "grace", "henry", "irene", "jack", "karen",
    "liam", "maria", "noah", "olivia", "peter", "quinn", "rachel", "samuel", "tara", "umar",
    "victoria", "walter", "xenia", "yusuf", "zoe", "aaron", "bianca", "carlos", "diana", "elena",
    "felix", "gloria", "hugo", "ingrid", "jonas", "kenji", "laura", "marco", "nadia", "oscar",
    "paula", "rafael", "sofia", "tomas", "ursula", "vincent", "wendy", "yara", "zane", "amira",
    "boris", "chloe", "dmitri", "emma", "farah", "giulia", "hannah", "isaac", "julia", "kofi",
    "lena", "mateo", "nina", "omar", "priya", "rosa", "sven", "theo", "una", "viktor", "willa",
    "ximena", "yosef",
)
LAST_NAMES = (
    "wong", "smith", "garcia", "mueller", "rossi", "kim", "nguyen", "patel", "silva", "cohen",
    "dubois", "jensen", "novak", "okafor", "tanaka", "ivanova", "larsen", "moreau", "schmidt",
    "kowalski", "yilmaz", "haddad", "brennan", "costa", "fischer", "gomez", "hansen", "ito",
    "kaur", "lopez",
)


@dataclass
class World:
    """Named handles of a seeded world ("" where the world has no such thing)."""

    account: str = ACCOUNT_ID
    region: str = REGION
    org_id: str = ""
    org_alias: str = ""
    domain: str = ""
    inactive_org_id: str = ""
    enabled_user: str = ""
    disabled_user: str = ""
    deleted_user: str = ""
    group_id: str = ""
    room_id: str = ""
    equipment_id: str = ""
    user_ids: list[str] = field(default_factory=list)  # every ENABLED user, in seed order
    good_role_arn: str = ""
    legacy_role_arn: str = ""
    untrusted_role_arn: str = ""
    no_kms_role_arn: str = ""
    wrong_prefix_role_arn: str = ""
    unrelated_role_arns: list[str] = field(default_factory=list)
    good_key_arn: str = ""
    disabled_key_arn: str = ""
    asymmetric_key_arn: str = ""
    pending_deletion_key_arn: str = ""
    other_region_key_arn: str = ""
    good_bucket: str = ""
    public_bucket: str = ""
    other_region_bucket: str = ""
    good_prefix: str = ""
    # entity id -> export bytes per MB of mailbox (the simulator's export writer; others small)
    export_bytes_per_mb: dict[str, int] = field(default_factory=dict)


def person_names(count: int, start: int = 0) -> list[tuple[str, str]]:
    """(username, display name) pairs, all different: alice.wong, bob.smith, ..."""
    pairs = itertools.islice(
        ((f, LAST_NAMES[(i + f_i) % len(LAST_NAMES)], i)
         for i in itertools.count() for f_i, f in enumerate(FIRST_NAMES)), start, start + count)
    names = []
    for first, last, round_no in pairs:
        suffix = str(round_no) if round_no else ""
        names.append((f"{first}.{last}{suffix}", f"{first.title()} {last.title()}"))
    return names


def empty_world(workmail: WorkMailBackend) -> World:
    return World()


def _seed_directory(workmail: WorkMailBackend, world: World) -> None:
    alias = "example-corp"
    world.org_alias = alias
    world.domain = f"{alias}.awsapps.com"
    world.org_id = org = workmail.create_organization(alias, REGION, "Active", world.domain)
    for username, display in person_names(50):
        world.user_ids.append(workmail.create_user(
            org, username, display, f"{username}@{world.domain}"))
    world.enabled_user = world.user_ids[0]  # alice.wong
    for state, people in (("DISABLED", person_names(3, 50)), ("DELETED", person_names(2, 53))):
        for username, display in people:
            user = workmail.create_user(org, username, display, f"{username}@{world.domain}",
                                        state=state)
            if state == "DISABLED" and not world.disabled_user:
                world.disabled_user = user
            if state == "DELETED" and not world.deleted_user:
                world.deleted_user = user
    world.room_id = workmail.create_resource(org, "boardroom", "ROOM",
                                             f"boardroom@{world.domain}")
    workmail.create_resource(org, "harbor-room", "ROOM", f"harbor-room@{world.domain}")
    world.equipment_id = workmail.create_resource(org, "projector", "EQUIPMENT",
                                                  f"projector@{world.domain}")
    world.group_id = workmail.create_group(org, "all-staff", f"all-staff@{world.domain}")
    world.inactive_org_id = old = workmail.create_organization(
        "example-corp-archive", REGION, "Inactive")
    for username, display in person_names(2, 60):
        workmail.create_user(old, username, display, f"{username}@example-corp-archive.awsapps.com")


def _seed_keys(world: World) -> None:
    world.good_key_arn = aws_seed.create_key(REGION, "WorkMail mailbox exports",
                                             "alias/workmail-export")
    world.disabled_key_arn = aws_seed.create_key(REGION, "Old export key", "alias/old-export-key",
                                                 state="Disabled")
    world.asymmetric_key_arn = aws_seed.create_key(REGION, "Code signing", "alias/signing-key",
                                                   key_spec="RSA_2048", key_usage="SIGN_VERIFY")
    world.pending_deletion_key_arn = aws_seed.create_key(
        REGION, "Retired key", "alias/retired-key", state="PendingDeletion")
    world.other_region_key_arn = aws_seed.create_key(OTHER_REGION, "EU export key",
                                                     "alias/workmail-export-eu")


def _seed_buckets(world: World) -> None:
    world.good_bucket = aws_seed.create_bucket("example-corp-mail-export", REGION)
    world.public_bucket = aws_seed.create_bucket("example-corp-public-share", REGION,
                                                 block_public_access=False,
                                                 policy=public_read("example-corp-public-share"))
    world.other_region_bucket = aws_seed.create_bucket("example-corp-mail-export-eu",
                                                       OTHER_REGION)
    aws_seed.create_bucket("example-corp-logs", REGION)


def _seed_roles(world: World, org_arn: str) -> None:
    good, key, prefix = world.good_bucket, world.good_key_arn, world.good_prefix
    permissions = {"WorkMailExport": export_permissions(good, key, prefix, REGION)}
    world.good_role_arn = aws_seed.create_role(
        "WorkMailExportRole", trust_current(ACCOUNT_ID, org_arn), permissions,
        "Lets WorkMail export mailboxes of example-corp to S3")
    world.legacy_role_arn = aws_seed.create_role(
        "WorkMailExportRoleLegacy", trust_legacy(ACCOUNT_ID), permissions,
        "Made from the older guide (sts:ExternalId)")
    world.untrusted_role_arn = aws_seed.create_role(
        "WorkMailExportEc2", trust_service("ec2.amazonaws.com"), permissions,
        "Right permissions, but trusts EC2 instead of WorkMail")
    world.no_kms_role_arn = aws_seed.create_role(
        "WorkMailExportNoKms", trust_current(ACCOUNT_ID),
        {"WorkMailExport": export_permissions(good, key, prefix, REGION, with_kms=False)},
        "Trusted by WorkMail, but may not use the KMS key")
    world.wrong_prefix_role_arn = aws_seed.create_role(
        "WorkMailExportOtherPrefix", trust_current(ACCOUNT_ID),
        {"WorkMailExport": export_permissions(good, key, "other/", REGION)},
        "Its KMS condition covers other/ only")
    world.unrelated_role_arns = [
        aws_seed.create_role("lambda-basic-execution", trust_service("lambda.amazonaws.com")),
        aws_seed.create_role("ci-deploy", trust_account(ACCOUNT_ID),
                             {"ReadLogs": read_only_logs("example-corp-logs")}),
        aws_seed.create_role("OrganizationAccountAccessRole", trust_account("210987654321")),
    ]


def demo_world(workmail: WorkMailBackend) -> World:
    """The story the demo tells: one good path and one broken thing of each kind."""
    mock_random.seed(20270331)
    world = World(good_prefix="exports/")
    _seed_directory(workmail, world)
    _seed_keys(world)
    _seed_buckets(world)
    _seed_roles(world, workmail.directory.org(world.org_id).arn)
    return world


def fresh_world(workmail: WorkMailBackend) -> World:
    """An account that has never exported: the demo's organization and its people, and no
    IAM role, KMS key or S3 bucket at all (what setup starts from)."""
    mock_random.seed(20270331)
    world = World()
    _seed_directory(workmail, world)
    return world


LARGE_USERS, LARGE_ROLES, LARGE_KEYS, LARGE_BUCKETS = 20_000, 1_000, 300, 500
# A few mailboxes of the large world export for real: a quarter MiB per MB of mailbox, so
# 225-375 MiB each (the rest stay small); only an export someone reads is ever written.
BIG_EXPORTS, BIG_EXPORT_BYTES_PER_MB = 3, 256 * 1024


def large_world(workmail: WorkMailBackend) -> World:
    """The demo world grown to benchmark size: 20,000 users in its organization, 1,000 roles,
    300 keys and 500 buckets in all."""
    world = demo_world(workmail)
    org = world.org_id
    existing = len(list(workmail.directory.org(org).of_kind("USER")))
    for username, display in person_names(LARGE_USERS - existing, 62):
        world.user_ids.append(workmail.create_user(org, username, display,
                                                   f"{username}@{world.domain}"))
    for user in world.user_ids[1:1 + BIG_EXPORTS]:  # bob.smith, carol.garcia, david.mueller
        world.export_bytes_per_mb[user] = BIG_EXPORT_BYTES_PER_MB
    for i in range(LARGE_ROLES - 8):
        aws_seed.create_role(f"app-role-{i:04d}", trust_service("lambda.amazonaws.com"))
    for i in range(LARGE_KEYS - 5):
        aws_seed.create_key(REGION if i % 3 else OTHER_REGION, f"app key {i}",
                            f"alias/app-key-{i:03d}")
    for i in range(LARGE_BUCKETS - 4):
        aws_seed.create_bucket(f"example-corp-data-{i:03d}", REGION if i % 4 else OTHER_REGION)
    return world


WORLDS = {"empty": empty_world, "fresh": fresh_world, "demo": demo_world,
          "large": large_world}
