"""The "orgs" world: one account with five Active organizations in two Regions, 200
mailboxes each, and per Region the key, bucket and role an export there needs.

For `batch --all-organizations` and its tests: three organizations in us-east-1, two in
eu-west-1, and an Inactive one (which cannot take part). Each organization has 194 enabled
users, 2 disabled ones (disabled 25 and 10 days ago), 4 rooms and one deleted user. Mailbox
sizes are drawn once from a log-normal law (median 20 GB, seeded per organization), so job
lengths differ the way real mailboxes do (they follow size on the simulator:
jobs.export_seconds; about 17 minutes for 20 GB).
Seeding takes a few tens of milliseconds.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta
from typing import TYPE_CHECKING

from . import aws_seed
from .directory import ACCOUNT_ID
from .world_policies import export_permissions, trust_current
from .worlds import OTHER_REGION, REGION, World, person_names

if TYPE_CHECKING:
    from .backend import WorkMailBackend

ORGANIZATIONS = (("northwind", REGION), ("contoso", REGION), ("fabrikam", REGION),
                 ("adatum", OTHER_REGION), ("litware", OTHER_REGION))
INACTIVE = ("tailspin-archive", OTHER_REGION)
USERS, DISABLED, ROOMS = 194, 2, 4  # 200 mailboxes an organization
PREFIX = "exports/"
# Mailboxes of about 20 GB (a job of about 17 minutes on the simulator), from 200 MB to 50 GB.
MEDIAN_MB, SIGMA, SMALLEST_MB, LARGEST_MB = 20_000.0, 0.8, 200.0, 50_000.0


def bucket_name(region: str) -> str:
    return f"acme-mail-export-{region}"


def _region_setup(region: str) -> dict[str, str]:
    """The key, bucket and role (trusted by every organization of the account) of a Region."""
    key = aws_seed.create_key(region, f"WorkMail exports in {region}", "alias/workmail-export")
    bucket = aws_seed.create_bucket(bucket_name(region), region)
    role = aws_seed.create_role(
        f"WorkMailExport-{region}", trust_current(ACCOUNT_ID),
        {"WorkMailExport": export_permissions(bucket, key, PREFIX, region)},
        f"Lets WorkMail export every organization of {region} to {bucket}")
    return {"role_arn": role, "kms_key_arn": key, "bucket": bucket, "prefix": PREFIX}


def mailbox_size(rng: random.Random) -> float:
    size = rng.lognormvariate(math.log(MEDIAN_MB), SIGMA)
    return round(min(LARGEST_MB, max(SMALLEST_MB, size)), 1)


def numbered_organizations(count: int) -> tuple[tuple[str, str], ...]:
    """`count` organizations (org01, org02, ...), alternately in us-east-1 and eu-west-1:
    the benchmark's account of 20 organizations."""
    return tuple((f"org{i + 1:02d}", (REGION, OTHER_REGION)[i % 2]) for i in range(count))


def organizations_world(workmail: WorkMailBackend,
                        organizations: tuple[tuple[str, str], ...] = ORGANIZATIONS,
                        mailboxes: int = USERS + DISABLED + ROOMS) -> World:
    """The world of the module docstring; `organizations` and `mailboxes` (each) grow it for
    benchmarks (2 disabled users, 4 rooms and 1 deleted user stay)."""
    world = World(good_prefix=PREFIX)
    now = workmail.clock.now()
    sizes: dict[str, float] = {}
    users = mailboxes - DISABLED - ROOMS
    for alias, region in organizations:
        domain = f"{alias}.example"
        org = workmail.create_organization(alias, region, "Active", domain)
        world.org_ids.append(org)
        rng = random.Random(f"sizes/{alias}")
        people = person_names(users + DISABLED + 1)
        for index, (username, display) in enumerate(people):
            state = ("ENABLED" if index < users else
                     "DISABLED" if index < users + DISABLED else "DELETED")
            days = 25 if index == users else 10
            user = workmail.create_user(org, username, display, f"{username}@{domain}",
                                        state=state, disabled=now - timedelta(days=days))
            sizes[user] = mailbox_size(rng)
        for room in range(ROOMS):
            resource = workmail.create_resource(org, f"room-{room + 1}", "ROOM",
                                                f"room-{room + 1}@{domain}")
            sizes[resource] = mailbox_size(rng)
    alias, region = INACTIVE
    world.inactive_org_id = workmail.create_organization(alias, region, "Inactive")
    workmail.set_mailbox_sizes(sizes)
    world.org_id = world.org_ids[0]
    world.region_settings = {region: _region_setup(region) for region in (REGION, OTHER_REGION)}
    return world
