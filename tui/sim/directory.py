"""The WorkMail directory: organizations and their users, resources and groups.

Plain in-memory records with the lookups the service offers (by id, name or email) and the
prefix filters of ListUsers/ListResources/ListGroups. Seeding methods create records directly.
"""

from __future__ import annotations

import bisect
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from .service_error import WorkMailError, entity_not_found

ACCOUNT_ID = "123456789012"
_ID_NAMESPACE = uuid.UUID("5b0c6a1e-77a4-4a38-9b0e-6d1c1e2f0a11")


@dataclass
class Entity:
    """A user, resource (ROOM/EQUIPMENT) or group of an organization."""

    id: str
    kind: str  # USER | RESOURCE | GROUP
    name: str
    email: str | None
    state: str  # ENABLED | DISABLED | DELETED
    created: datetime
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""
    resource_type: str = ""  # ROOM | EQUIPMENT
    order: int = 0  # position in the organization, the order listings keep
    disabled: datetime | None = None  # when a DISABLED entity was disabled (default: created)

    @property
    def has_mailbox(self) -> bool:
        return self.kind in ("USER", "RESOURCE")


@dataclass
class SimOrganization:
    """A WorkMail organization in one Region, with its entities in creation order."""

    id: str
    alias: str
    region: str
    state: str
    default_domain: str
    created: datetime
    entities: dict[str, Entity] = field(default_factory=dict)
    _by_name: dict[str, Entity] = field(default_factory=dict)
    _by_email: dict[str, Entity] = field(default_factory=dict)
    _indexes: dict[tuple[str, str], PrefixIndex] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:aws:workmail:{self.region}:{ACCOUNT_ID}:organization/{self.id}"

    def add(self, entity: Entity) -> None:
        if entity.id in self.entities or entity.name.lower() in self._by_name:
            raise ValueError(f"{entity.kind} {entity.name} already exists in {self.alias}")
        entity.order = len(self.entities)
        self.entities[entity.id] = entity
        self._indexes.clear()
        self._by_name[entity.name.lower()] = entity
        if entity.email:
            self._by_email[entity.email.lower()] = entity

    def find(self, identifier: str) -> Entity | None:
        """An entity by id, name or email (names and emails case-insensitively)."""
        return (
            self.entities.get(identifier)
            or self._by_name.get(identifier.lower())
            or self._by_email.get(identifier.lower())
        )

    def by_email(self, email: str) -> Entity | None:
        return self._by_email.get(email.lower())

    def of_kind(self, kind: str) -> Iterator[Entity]:
        return (e for e in self.entities.values() if e.kind == kind)

    def search(self, kind: str, filters: dict[str, str], prefix_attrs: dict[str, str]
               ) -> list[Entity]:
        """The entities of a kind that match every given filter (AND), in listing order:
        prefixes on the attributes `prefix_attrs` names, and State exactly."""
        prefixes = {prefix_attrs[k]: v for k, v in filters.items() if k != "State" and v}
        # Narrow down with a sorted index on the longest prefix, then check every filter.
        attr, prefix = max(prefixes.items(), key=lambda item: len(item[1]), default=("", ""))
        if (kind, attr) not in self._indexes:
            self._indexes[(kind, attr)] = PrefixIndex(self.of_kind(kind), attr)
        candidates = self._indexes[(kind, attr)].starting_with(prefix)
        state = filters.get("State")
        if state is None and len(prefixes) <= 1:
            return candidates
        return [e for e in candidates if (state is None or e.state == state)
                and all(_starts(getattr(e, a, ""), p) for a, p in prefixes.items())]


def org_id_for(alias: str, region: str) -> str:
    return "m-" + hashlib.md5(f"{region}/{alias}".encode()).hexdigest()


def entity_id_for(org_id: str, kind: str, name: str) -> str:
    """Deterministic ids: resources look like r-<32 hex> (the botocore pattern), others GUIDs."""
    if kind == "RESOURCE":
        return "r-" + hashlib.md5(f"{org_id}/{name}".encode()).hexdigest()
    return str(uuid.uuid5(_ID_NAMESPACE, f"{org_id}/{kind}/{name}"))


def _starts(value: str | None, prefix: str) -> bool:
    # ASSUMPTION (unverified): the service's prefix filters ignore case.
    return (value or "").lower().startswith(prefix.lower())


class PrefixIndex:
    """Entities sorted by one lower-cased attribute, for prefix lookups in O(log n + k);
    with no attribute, simply all of them. Lookups answer in listing order."""

    def __init__(self, entities: Iterator[Entity], attr: str) -> None:
        pairs = sorted(((getattr(e, attr, "") or "").lower() if attr else "", e.order, e)
                       for e in entities)
        self._keys = [key for key, _, _ in pairs]
        self._entities = [e for _, _, e in pairs]

    def starting_with(self, prefix: str) -> list[Entity]:
        if not prefix:
            return list(self._entities)
        prefix = prefix.lower()
        start = bisect.bisect_left(self._keys, prefix)
        end = start
        while end < len(self._keys) and self._keys[end].startswith(prefix):
            end += 1
        return sorted(self._entities[start:end], key=lambda e: e.order)


# Filter name -> the entity attribute it matches by prefix (State is matched exactly).
USER_FILTERS = {
    "UsernamePrefix": "name",
    "DisplayNamePrefix": "display_name",
    "PrimaryEmailPrefix": "email",
    "IdentityProviderUserIdPrefix": "identity_provider_user_id",
}
RESOURCE_FILTERS = {"NamePrefix": "name", "PrimaryEmailPrefix": "email"}
GROUP_FILTERS = RESOURCE_FILTERS


class Directory:
    """All organizations of the simulated account, keyed by id."""

    def __init__(self) -> None:
        self.orgs: dict[str, SimOrganization] = {}

    def org(self, org_id: str) -> SimOrganization:
        org = self.orgs.get(org_id)
        if org is None:
            raise WorkMailError("OrganizationNotFoundException",
                                f"Organization {org_id} does not exist.")
        return org

    def active_org(self, org_id: str) -> SimOrganization:
        org = self.org(org_id)
        # ASSUMPTION (unverified): every organization-scoped call but DescribeOrganization
        # is refused for an organization that is not Active.
        if org.state != "Active":
            raise WorkMailError("OrganizationStateException",
                                f"Organization {org_id} is in state {org.state}, not Active.")
        return org

    def mailbox(self, org: SimOrganization, identifier: str) -> Entity:
        """The user or resource with a mailbox that an id, name or email names."""
        entity = org.find(identifier)
        if entity is None or entity.state == "DELETED":
            raise entity_not_found(f"Entity {identifier} not found in organization {org.id}.")
        if not entity.has_mailbox:
            # ASSUMPTION (unverified): a group given as EntityId is reported as not found.
            raise entity_not_found(
                f"Entity {identifier} is a group; groups have no mailbox to export.")
        return entity
