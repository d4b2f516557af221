"""Turns AWS failures (ClientError and botocore's own exceptions) into AwsProblems to show.

`translate(exc, operation)` gives every failure the core expects a code, the service's
message, a hint saying what to do next, the wizard Field at fault where there is one, and the
request id and HTTP status from the response metadata. One table per kind of failure: error
codes of a ClientError, and botocore exception classes.

`operation` is the API operation that failed ("StartMailboxExportJob"); it may carry the IAM
service prefix ("kms:DescribeKey"), which then names the missing permission in hints.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tui.core.fields import FIELD_BY_MEMBER
from tui.core.model import AwsProblem, CoreError, Field
from tui.core.redact import masked_url

PERMISSIONS_DOC = "README section 'IAM permissions the tool itself needs'"


@dataclass(frozen=True)
class _Advice:
    """What to tell a person about one kind of failure. Hints may use {action} and {login}."""

    hint: str
    field: Field | None = None
    message: str = ""  # used when the failure itself carries no message


_RENEW = ("Your AWS credentials have expired (or this computer's clock is wrong). "
          "Get new ones, e.g. {login}, and try again.")
_WRONG_KEYS = ("AWS does not recognise these credentials. Check the access key of the "
               "profile in use (aws configure list), or pick another with --profile.")
_DENIED = ("Your AWS identity may not call {action}. Ask an administrator to allow it (see the "
           f"{PERMISSIONS_DOC}), or use another --profile.")
_THROTTLED = "AWS is limiting how fast requests may come. Wait a few seconds and try again."
_SERVER = ("AWS had a problem on its side. Try again in a minute; nothing was changed by "
           "the failed call. If it persists, check the AWS Health Dashboard.")

_BY_CODE: dict[str, _Advice] = {
    "InvalidParameterException": _Advice(
        "AWS refused one of the values. Correct the value named in the message and try again."),
    "ValidationException": _Advice(
        "AWS refused one of the values. Correct the value named in the message and try again."),
    "OrganizationNotFoundException": _Advice(
        "No WorkMail organization has this id in this Region. Pick the organization again, "
        "or switch to the Region it lives in (--region).", Field.ORGANIZATION),
    "OrganizationStateException": _Advice(
        "The organization is not Active, so it accepts no export jobs. Pick an Active "
        "organization, or wait until this one is Active.", Field.ORGANIZATION),
    "EntityNotFoundException": _Advice(
        "No user or resource of this organization matches. Search for the mailbox again; "
        "groups have no mailbox and cannot be exported.", Field.ENTITY),
    "EntityStateException": _Advice(
        "The user or resource is not in a state that allows this (it may be disabled or "
        "deleted). Pick another mailbox, or enable this one in the WorkMail console.",
        Field.ENTITY),
    "LimitExceededException": _Advice(
        "An organization runs at most 10 export jobs at a time, and a mailbox can be exported "
        "once every 24 hours. Wait for running jobs to finish (workmail-export jobs), or try "
        "this mailbox again a day after its last export."),
    "AccessDenied": _Advice(_DENIED, Field.CONNECTION),
    "AccessDeniedException": _Advice(_DENIED, Field.CONNECTION),
    "403": _Advice(_DENIED, Field.CONNECTION, "Access denied."),
    "Forbidden": _Advice(_DENIED, Field.CONNECTION, "Access denied."),
    "UnauthorizedOperation": _Advice(_DENIED, Field.CONNECTION),
    "ThrottlingException": _Advice(_THROTTLED),
    "Throttling": _Advice(_THROTTLED),
    "TooManyRequestsException": _Advice(_THROTTLED),
    "RequestLimitExceeded": _Advice(_THROTTLED),
    "SlowDown": _Advice(_THROTTLED),
    "ExpiredToken": _Advice(_RENEW, Field.CONNECTION),
    "ExpiredTokenException": _Advice(_RENEW, Field.CONNECTION),
    "RequestExpired": _Advice(_RENEW, Field.CONNECTION),
    "UnrecognizedClientException": _Advice(_WRONG_KEYS, Field.CONNECTION),
    "InvalidClientTokenId": _Advice(_WRONG_KEYS, Field.CONNECTION),
    "InvalidSignatureException": _Advice(_WRONG_KEYS, Field.CONNECTION),
    "SignatureDoesNotMatch": _Advice(_WRONG_KEYS, Field.CONNECTION),
    "InternalFailure": _Advice(_SERVER),
    "InternalServerError": _Advice(_SERVER),
    "ServiceUnavailable": _Advice(_SERVER),
    "ServiceUnavailableException": _Advice(_SERVER),
}
_UNKNOWN_CODE = _Advice("Check the values and try again; if it keeps failing, the request id "
                        "above helps AWS Support find what happened.")


def translate(exc: BaseException, operation: str, profile: str | None = None) -> AwsProblem:
    """The problem to show for `exc`, raised while calling `operation`.

    `profile` (the --profile in use, if any) completes hints such as `aws sso login`.
    """
    if isinstance(exc, CoreError):
        return exc.problem
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        return _client_error(exc, operation, profile)
    for kind, build in _botocore_table():
        if isinstance(exc, kind):
            return build(exc, operation, profile)
    return AwsProblem(
        code=type(exc).__name__,
        message=masked_url(str(exc)) or "Something unexpected went wrong.",
        hint="This is a bug in workmail-export; please report it with the steps that led here.",
        operation=operation,
    )


def fail(exc: BaseException, operation: str, profile: str | None = None) -> CoreError:
    """A CoreError carrying the translation of `exc`, to `raise ... from exc`."""
    return CoreError(translate(exc, operation, profile))


# --- ClientError -------------------------------------------------------------------------------


def _client_error(exc: BaseException, operation: str, profile: str | None) -> AwsProblem:
    response = getattr(exc, "response", {}) or {}
    error = response.get("Error", {}) or {}
    meta = response.get("ResponseMetadata", {}) or {}
    code = str(error.get("Code") or "Unknown")
    status = meta.get("HTTPStatusCode")
    advice = _BY_CODE.get(code)
    if advice is None:
        advice = _Advice(_SERVER) if isinstance(status, int) and status >= 500 else _UNKNOWN_CODE
    message = str(error.get("Message") or advice.message or f"{operation} failed.")
    return AwsProblem(
        code=code,
        message=_sentence(message),
        hint=_fill(advice.hint, message, operation, profile),
        operation=operation,
        request_id=str(meta.get("RequestId") or ""),
        http_status=status if isinstance(status, int) else None,
        field=advice.field or _field_named_in(message),
    )


def _field_named_in(message: str) -> Field | None:
    """The field whose API parameter name the service's message mentions, if exactly one."""
    named = {field for member, field in FIELD_BY_MEMBER.items()
             if re.search(rf"\b{member}\b", message)}
    return named.pop() if len(named) == 1 else None


_ACTION_IN_MESSAGE = re.compile(r"perform: ([a-z0-9-]+:[A-Za-z0-9]+)")


def _fill(hint: str, message: str, operation: str, profile: str | None) -> str:
    found = _ACTION_IN_MESSAGE.search(message)
    action = found.group(1) if found else (operation or "this operation")
    return hint.format(action=action, login=_login_command(profile))


def _login_command(profile: str | None) -> str:
    return f"aws sso login --profile {profile}" if profile else "aws sso login --profile NAME"


def _sentence(text: str) -> str:
    """One line, ending in a full stop, with any endpoint's credentials masked."""
    text = masked_url(" ".join(text.split()))
    return text if text.endswith((".", "!", "?")) else text + "."


# --- botocore's own exceptions ---------------------------------------------------------------

_Builder = Callable[[BaseException, str, "str | None"], AwsProblem]


def _problem(code: str, hint: str, field: Field | None = Field.CONNECTION) -> _Builder:
    def build(exc: BaseException, operation: str, profile: str | None) -> AwsProblem:
        regions = _regions() if "{regions}" in hint else ""
        return AwsProblem(code=code, message=_sentence(str(exc)),
                          hint=hint.format(login=_login_command(profile), regions=regions),
                          operation=operation, field=field)
    return build


def _invalid_parameters(exc: BaseException, operation: str, profile: str | None) -> AwsProblem:
    report = str(getattr(exc, "kwargs", {}).get("report", exc))
    return AwsProblem(code="ParamValidation", message=_sentence(report),
                      hint="Correct the value named in the message and try again.",
                      operation=operation, field=_field_named_in(report))


def _regions() -> str:
    from tui.core.session import workmail_regions

    return ", ".join(workmail_regions())


_NO_NETWORK = ("AWS could not be reached. Check the network connection (and the proxy, VPN or "
               "--endpoint-url, if one is set), then try again.")


def _botocore_table() -> list[tuple[type[BaseException], _Builder]]:
    """Botocore exception classes, most specific first, with how to explain each."""
    from botocore import exceptions as bx

    sso = "Your AWS SSO session is missing or expired. Sign in with `{login}`, then try again."
    return [
        (bx.NoCredentialsError, _problem(
            "NoCredentials", "No AWS credentials were found. Run `aws configure` or "
            "`{login}`, or choose a profile with --profile (or AWS_PROFILE).")),
        (bx.PartialCredentialsError, _problem(
            "PartialCredentials", "Some AWS credentials are set but not all. Complete or "
            "remove them (aws configure list shows where they come from).")),
        (bx.ProfileNotFound, _problem(
            "ProfileNotFound", "Check the name with `aws configure list-profiles`, then pass "
            "it with --profile.")),
        (bx.UnauthorizedSSOTokenError, _problem("ExpiredSSOToken", sso)),
        (bx.SSOTokenLoadError, _problem("SSOTokenLoad", sso)),
        (bx.TokenRetrievalError, _problem("TokenRetrieval", sso)),
        (bx.SSOError, _problem("SSOError", sso)),
        (bx.CredentialRetrievalError, _problem(
            "CredentialRetrieval", "The profile's credential source failed. Run it by hand "
            "to see why (or `{login}` for SSO), then try again.")),
        (bx.NoRegionError, _problem(
            "NoRegion", "Choose the Region of your WorkMail organization with --region "
            "(one of {regions}), or set AWS_REGION.")),
        (bx.ParamValidationError, _invalid_parameters),
        (bx.EndpointConnectionError, _problem("NoConnection", _NO_NETWORK)),
        (bx.ConnectionClosedError, _problem("ConnectionClosed", _NO_NETWORK)),
        (bx.ReadTimeoutError, _problem("ReadTimeout", _NO_NETWORK)),
        (bx.ConnectionError, _problem("NoConnection", _NO_NETWORK)),
        (bx.HTTPClientError, _problem("NoConnection", _NO_NETWORK)),
    ]
