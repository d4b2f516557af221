"""Discovery: what an export can be made of - organizations, mailboxes, roles, keys, buckets.

Every list is read page by page (botocore paginators) and nothing is loaded to be searched:
mailboxes are found by WorkMail's server-side prefix filters, all filters issued at once on a
small thread pool so a search costs one round trip of latency whatever the organization's
size. Calls that fan out per item (DescribeKey, GetBucketLocation) run on the same pool.

Decisions where the service is silent:
- Prefix filters: whether WorkMail compares them case-sensitively is unverified. The text is
  sent as typed to the name and display-name filters and lower-cased to the email filters
  (addresses are stored lower-case; ASSUMPTION). A search for "ali" therefore finds "alice"
  and alice@..., a search for "Ali" finds display names starting "Ali".
- Public access is not part of listing buckets: it costs four calls per bucket. The bucket
  check (checks.check_bucket) reads it for the chosen bucket.
- A key or bucket the caller may not describe is listed as not usable with that reason
  instead of failing the whole list.
Failures raise CoreError (errors.translate).
"""

from __future__ import annotations

import atexit
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from tui.core import errors, policies
from tui.core.model import (
    AwsProblem,
    BucketChoice,
    CoreError,
    KeyChoice,
    Mailbox,
    Organization,
    RoleChoice,
)

if TYPE_CHECKING:
    from tui.core.session import Aws

T = TypeVar("T")

MAX_PAGE = 100  # WorkMail's MaxResults upper bound
MAX_FILTER = 256  # WorkMail's prefix filter length bound
US_EAST_1 = "us-east-1"  # GetBucketLocation answers None for it

POOL_SIZE = 16  # calls in flight at once; they mostly wait on the network
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def pool() -> ThreadPoolExecutor:
    """The thread pool of concurrent AWS calls (boto3 clients are thread-safe). Its tasks
    never wait on other tasks of the pool, so it cannot deadlock."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=POOL_SIZE,
                                       thread_name_prefix="workmail-export-aws")
            atexit.register(_pool.shutdown, wait=False)
        return _pool


def call(operation: str, function: Callable[..., T], /, *args: Any, **params: Any) -> T:
    """One AWS call; a failure AWS or botocore reports (`errors.aws_failures()`: ClientError,
    any BotoCoreError such as no connection, no credentials or a bad parameter, and an answer
    that is not AWS's) becomes a CoreError carrying the translated problem. Anything else is a
    bug and is raised as it is: shown as "could not check", it would look like a missing
    permission.

    `operation` is named as IAM names the action ("kms:DescribeKey"), so an access-denied
    hint says which permission is missing.
    """
    try:
        return function(*args, **params)
    except errors.aws_failures() as exc:
        raise errors.fail(exc, operation) from exc


def call_unless(absent: tuple[str, ...], operation: str, function: Callable[..., T],
                /, **params: Any) -> T | None:
    """`call`, but None when the failure's code says the thing is simply not there."""
    try:
        return call(operation, function, **params)
    except CoreError as error:
        if error.problem.code in absent:
            return None
        raise


_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden",
                 "403"}


def is_access_denied(problem: AwsProblem) -> bool:
    """Whether a failure means the caller may not make the call (moto's KMS says '403')."""
    return problem.code in _DENIED_CODES or problem.http_status == 403


def gather(futures: list[Future[T]]) -> list[T]:
    """The results of concurrent calls, in order; the first failure is raised."""
    return [future.result() for future in futures]


def pages(client: Any, operation: str, key: str, **params: Any) -> Iterator[Mapping[str, Any]]:
    """The items under `key` of every page of a paginated operation, read lazily."""
    paginator = client.get_paginator(operation)
    meta = client.meta
    name = f"{meta.service_model.endpoint_prefix}:{meta.method_to_api_mapping[operation]}"
    iterator = iter(paginator.paginate(**params))
    while True:
        page = call(name, next, iterator, None)
        if page is None:
            return
        yield from page.get(key, [])


# --- organizations --------------------------------------------------------------------------


def list_organizations(aws: Aws) -> list[Organization]:
    """Every WorkMail organization of the account in this Region, Active ones first."""
    organizations = [
        Organization(id=o["OrganizationId"], alias=o.get("Alias", ""), state=o.get("State", ""),
                     default_domain=o.get("DefaultMailDomain", ""))
        for o in pages(aws.client("workmail"), "list_organizations", "OrganizationSummaries")
    ]
    return sorted(organizations, key=lambda o: (not o.selectable, o.alias.lower(), o.id))


# --- mailboxes ------------------------------------------------------------------------------


def _user(item: Mapping[str, Any]) -> Mailbox:
    return Mailbox(id=item.get("Id") or item["UserId"], name=item.get("Name", ""),
                   email=item.get("Email", ""), kind="USER", state=item.get("State", ""),
                   display_name=item.get("DisplayName", ""),
                   disabled_at=item.get("DisabledDate"))


def _resource(item: Mapping[str, Any]) -> Mailbox:
    return Mailbox(id=item.get("Id") or item["ResourceId"], name=item.get("Name", ""),
                   email=item.get("Email", ""), kind="RESOURCE", state=item.get("State", ""),
                   resource_type=item.get("Type", ""), disabled_at=item.get("DisabledDate"))


def _group(item: Mapping[str, Any]) -> Mailbox:
    return Mailbox(id=item.get("Id") or item["GroupId"], name=item.get("Name", ""),
                   email=item.get("Email", ""), kind="GROUP", state=item.get("State", ""))


_LISTINGS: dict[str, tuple[str, str, Callable[[Mapping[str, Any]], Mailbox]]] = {
    "users": ("ListUsers", "Users", _user),
    "resources": ("ListResources", "Resources", _resource),
    "groups": ("ListGroups", "Groups", _group),
}


def list_all(aws: Aws, org_id: str, what: str,
             filters: Mapping[str, str] | None = None) -> Iterator[Mailbox]:
    """Every user, resource or group (`what`) of an organization, page by page, lazily."""
    _operation, key, convert = _LISTINGS[what]
    params: dict[str, Any] = {"OrganizationId": org_id}
    if filters:
        params["Filters"] = dict(filters)
    for item in pages(aws.client("workmail"), f"list_{what}", key, **params):
        yield convert(item)


def _first_page(client: Any, org_id: str, what: str, limit: int,
                filters: Mapping[str, str] | None) -> list[Mailbox]:
    operation, key, convert = _LISTINGS[what]
    params: dict[str, Any] = {"OrganizationId": org_id, "MaxResults": limit}
    if filters:
        params["Filters"] = dict(filters)
    page = call(f"workmail:{operation}", getattr(client, f"list_{what}"), **params)
    return [convert(item) for item in page.get(key, [])]


def _search_queries(text: str) -> list[tuple[str, dict[str, str] | None]]:
    if not text:
        return [("users", None), ("resources", None)]
    email = text.lower()
    return [
        ("users", {"UsernamePrefix": text}),
        ("users", {"DisplayNamePrefix": text}),
        ("users", {"PrimaryEmailPrefix": email}),
        ("resources", {"NamePrefix": text}),
        ("resources", {"PrimaryEmailPrefix": email}),
    ]


def search_mailboxes(aws: Aws, org_id: str, text: str, limit: int = 50) -> list[Mailbox]:
    """Users and resources whose name, display name or email starts with `text`.

    All prefix filters go out at once (one round trip of latency); each reads its first page
    only (MaxResults = limit), the results are merged, de-duplicated by id, sorted by name and
    cut to `limit`. Empty text lists the first page of users and resources.
    """
    text = text.strip()
    limit = max(1, min(limit, MAX_PAGE))
    if len(text) > MAX_FILTER:
        return []
    client = aws.client("workmail")
    futures = [pool().submit(_first_page, client, org_id, what, limit, filters)
               for what, filters in _search_queries(text)]
    merged: dict[str, Mailbox] = {}
    for found in gather(futures):
        for mailbox in found:
            merged.setdefault(mailbox.id, mailbox)
    ordered = sorted(merged.values(), key=lambda m: (m.name.lower(), m.email.lower(), m.id))
    return ordered[:limit]


_NOT_FOUND = ("EntityNotFoundException", "InvalidParameterException")


def _describe(client: Any, org_id: str, what: str, identifier: str) -> Mailbox | None:
    """DescribeUser/DescribeResource by id, name or email; None when there is no such one."""
    operation, parameter, convert = {
        "user": ("DescribeUser", "UserId", _user),
        "resource": ("DescribeResource", "ResourceId", _resource),
    }[what]
    answer = call_unless(_NOT_FOUND, f"workmail:{operation}",
                         getattr(client, f"describe_{what}"),
                         OrganizationId=org_id, **{parameter: identifier})
    return convert(answer) if answer is not None else None


def _group_by_email(client: Any, org_id: str, email: str) -> Mailbox | None:
    entity = call_unless(_NOT_FOUND, "workmail:DescribeEntity", client.describe_entity,
                         OrganizationId=org_id, Email=email)
    if entity is None or entity.get("Type") != "GROUP":
        return None
    return _named(_first_page(client, org_id, "groups", MAX_PAGE,
                              {"PrimaryEmailPrefix": email.lower()}), email)


def _named(found: list[Mailbox], text: str) -> Mailbox | None:
    """The one whose id, name or email is `text` (email compared case-insensitively)."""
    for mailbox in found:
        if text in (mailbox.id, mailbox.name) or mailbox.email.lower() == text.lower():
            return mailbox
    return None


def _listed_by_name(client: Any, org_id: str, what: str, filter_name: str,
                    text: str) -> Mailbox | None:
    return _named(_first_page(client, org_id, what, MAX_PAGE, {filter_name: text}), text)


_ENTITY_ID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$|^S-1-[0-9-]+$")


def _group_by_id(client: Any, org_id: str, group_id: str) -> Mailbox | None:
    """The group with this id. ListGroups has no id filter and the simulator no DescribeGroup,
    so the groups are paged until it shows up (organizations have few groups)."""
    for item in pages(client, "list_groups", "Groups", OrganizationId=org_id):
        if item.get("Id") == group_id:
            return _group(item)
    return None


def resolve_mailbox(aws: Aws, org_id: str, text: str) -> Mailbox | None:
    """The user, resource or group that is exactly `text` (id, name or email), else None.

    Groups come back with kind GROUP, so a face can refuse them and say why. Every lookup
    goes out at once: DescribeUser and DescribeResource (they take an id, name or email),
    DescribeEntity for an email, name-prefix listings compared exactly, and for an id the
    groups (paged). Users win over
    resources, resources over groups.
    """
    text = text.strip()
    if not text or len(text) > MAX_FILTER:
        return None
    client = aws.client("workmail")
    submit = pool().submit
    lookups: list[Future[Mailbox | None]] = [
        submit(_describe, client, org_id, "user", text),
        submit(_describe, client, org_id, "resource", text),
    ]
    if "@" in text:
        lookups.append(submit(_group_by_email, client, org_id, text))
    elif _ENTITY_ID.match(text):
        lookups.append(submit(_group_by_id, client, org_id, text))
    else:
        for what, filter_name in (("users", "UsernamePrefix"), ("resources", "NamePrefix"),
                                  ("groups", "NamePrefix")):
            lookups.append(submit(_listed_by_name, client, org_id, what, filter_name, text))
    found = [m for m in gather(lookups) if m is not None]
    rank = {"USER": 0, "RESOURCE": 1, "GROUP": 2}
    return min(found, key=lambda m: rank.get(m.kind, 3)) if found else None


# --- roles ----------------------------------------------------------------------------------


def role_choice(role: Mapping[str, Any], organization_id: str = "",
                region: str = "") -> RoleChoice:
    """A role of ListRoles/GetRole with what its trust policy says about WorkMail export;
    given the organization (and its Region), for that organization of the role's account."""
    account = role["Arn"].split(":")[4]
    org_arn = policies.organization_arn(region, account, organization_id) if organization_id \
        else None
    verdict = policies.analyse_trust(role.get("AssumeRolePolicyDocument") or {},
                                     account if organization_id else None, org_arn)
    if verdict.trusted:
        note = f"trusts {policies.EXPORT_SERVICE} ({verdict.form.value if verdict.form else ''})"
    elif organization_id:
        note = f"does not let {policies.EXPORT_SERVICE} assume it for this organization"
    else:
        note = f"does not trust {policies.EXPORT_SERVICE}"
    return RoleChoice(arn=role["Arn"], name=role["RoleName"], trusts_workmail=verdict.trusted,
                      note=note, for_organization=verdict.names_organization)


def list_roles(aws: Aws, organization_id: str = "") -> list[RoleChoice]:
    """Every IAM role: first those whose trust names the organization, then the others
    WorkMail's export service may assume, then the rest, each group by name."""
    roles = [role_choice(r, organization_id, aws.region)
             for r in pages(aws.client("iam"), "list_roles", "Roles",
                            PaginationConfig={"PageSize": 1000})]
    return sorted(roles, key=lambda r: (not r.trusts_workmail, not r.for_organization,
                                        r.name.lower()))


# --- keys -----------------------------------------------------------------------------------

SYMMETRIC = "SYMMETRIC_DEFAULT"
ENCRYPT_DECRYPT = "ENCRYPT_DECRYPT"
ENABLED = "Enabled"


def arn_region(arn: str) -> str:
    """The Region field of an ARN ('' when it has none)."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 else ""


def key_issue(metadata: Mapping[str, Any], region: str) -> tuple[str, str] | None:
    """Why an export cannot use this key and what to do (None when it can): spec, usage,
    state, Region, in that order."""
    spec = metadata.get("KeySpec") or metadata.get("CustomerMasterKeySpec") or ""
    usage = metadata.get("KeyUsage", "")
    state = metadata.get("KeyState", "")
    key_id = metadata.get("KeyId", "")
    key_region = arn_region(metadata.get("Arn", "")) or region
    choose = f"Choose a symmetric ENCRYPT_DECRYPT key that is Enabled in {region}."
    if spec != SYMMETRIC:
        return f"It is an asymmetric or HMAC key ({spec}); exports need a symmetric key.", choose
    if usage and usage != ENCRYPT_DECRYPT:
        return f"Its usage is {usage}; exports need a key for ENCRYPT_DECRYPT.", choose
    if state == "PendingDeletion":
        return ("It is scheduled for deletion (PendingDeletion).",
                f"Cancel the deletion and enable it (aws kms cancel-key-deletion --key-id "
                f"{key_id}, then aws kms enable-key --key-id {key_id}), or: {choose}")
    if state != ENABLED:
        return (f"It is {state or 'not Enabled'}, not Enabled.",
                f"Enable it (aws kms enable-key --key-id {key_id}), or: {choose}")
    if key_region != region:
        return (f"It is in {key_region}, the organization in {region}; the key must be in the "
                "organization's Region.", choose)
    return None


def key_choice(metadata: Mapping[str, Any], aliases: tuple[str, ...], region: str) -> KeyChoice:
    return KeyChoice(
        arn=metadata["Arn"], key_id=metadata["KeyId"], aliases=aliases,
        region=arn_region(metadata["Arn"]) or region,
        spec=metadata.get("KeySpec") or metadata.get("CustomerMasterKeySpec") or "",
        usage=metadata.get("KeyUsage", ""), state=metadata.get("KeyState", ""),
        why_not=(key_issue(metadata, region) or ("", ""))[0])


def _describe_key(client: Any, key: Mapping[str, Any], aliases: tuple[str, ...],
                  region: str) -> KeyChoice:
    try:
        metadata = call("kms:DescribeKey", client.describe_key, KeyId=key["KeyId"])["KeyMetadata"]
    except CoreError as error:
        if not is_access_denied(error.problem):
            raise
        return KeyChoice(arn=key.get("KeyArn", key["KeyId"]), key_id=key["KeyId"],
                         aliases=aliases, region=region, spec="", usage="", state="",
                         why_not="You may not describe it (kms:DescribeKey was refused).")
    return key_choice(metadata, aliases, region)


def list_keys(aws: Aws) -> list[KeyChoice]:
    """The KMS keys of this Region with their aliases; usable ones first.

    ListKeys and ListAliases are paged; one DescribeKey per key runs on the thread pool.
    """
    client = aws.client("kms")
    aliases: dict[str, list[str]] = {}
    for alias in pages(client, "list_aliases", "Aliases"):
        if alias.get("TargetKeyId"):
            aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    futures = [pool().submit(_describe_key, client, key,
                             tuple(sorted(aliases.get(key["KeyId"], []))), aws.region)
               for key in pages(client, "list_keys", "Keys")]
    keys = gather(futures)
    return sorted(keys, key=lambda k: (not k.usable, (k.aliases or ("~",))[0], k.key_id))


# --- buckets --------------------------------------------------------------------------------


def bucket_region(client: Any, bucket: str) -> str:
    """GetBucketLocation's Region (None and '' mean us-east-1, 'EU' eu-west-1)."""
    answer = call("s3:GetBucketLocation", client.get_bucket_location, Bucket=bucket)
    location = answer.get("LocationConstraint") or US_EAST_1
    return "eu-west-1" if location == "EU" else location


def bucket_choice(name: str, region: str, organization_region: str) -> BucketChoice:
    why_not = ""
    if region != organization_region:
        why_not = (f"It is in {region}, the organization in {organization_region}; the bucket "
                   "must be in the organization's Region.")
    return BucketChoice(name=name, region=region, why_not=why_not)


def _locate(client: Any, bucket: Mapping[str, Any], organization_region: str) -> BucketChoice:
    region = bucket.get("BucketRegion")
    if not region:
        try:
            region = bucket_region(client, bucket["Name"])
        except CoreError as error:
            if not is_access_denied(error.problem):
                raise
            return BucketChoice(bucket["Name"], "", "You may not read its Region "
                                "(s3:GetBucketLocation was refused).")
    return bucket_choice(bucket["Name"], region, organization_region)


def list_buckets(aws: Aws) -> list[BucketChoice]:
    """Every bucket with its Region; those in the organization's Region first.

    ListBuckets is paged (its BucketRegion is used when the service sends it); buckets
    without it get one GetBucketLocation each, on the thread pool.
    """
    client = aws.client("s3")
    futures = [pool().submit(_locate, client, bucket, aws.region)
               for bucket in pages(client, "list_buckets", "Buckets",
                                   PaginationConfig={"PageSize": 1000})]
    return sorted(gather(futures), key=lambda b: (not b.usable, b.name))
