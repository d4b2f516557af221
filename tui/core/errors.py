"""Turns AWS failures (ClientError and botocore's own exceptions) into AwsProblems to show.

`translate(exc, operation)` gives every failure the core expects a code, the service's
message, a hint saying what to do next, the wizard Field at fault where there is one, and the
request id and HTTP status from the response metadata. One table per kind of failure: error
codes of a ClientError, and botocore exception classes.

`operation` is the API operation that failed ("StartMailboxExportJob"); it may carry the IAM
service prefix ("kms:DescribeKey"), which then names the missing permission in hints.

Hints are worded per operation where the outcome differs: a read that failed on AWS's side
changed nothing, but a 5xx, a timeout, a dropped connection or an unreadable answer to
StartMailboxExportJob or CancelMailboxExportJob does not say whether AWS acted on it
(`AwsProblem.outcome_unknown` tells a face so, e.g. to print the ClientToken and the retry
command).
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
_SERVER = ("AWS had a problem on its side. Try again in a minute; a failed read like this one "
           "changes nothing. If it persists, check the AWS Health Dashboard.")

START_OPERATION = "StartMailboxExportJob"
CANCEL_OPERATION = "CancelMailboxExportJob"
# Operations that change something, and what to say when their outcome is unknown.
_OUTCOME_UNKNOWN: dict[str, str] = {
    START_OPERATION: (
        "The request may have reached AWS, so the export job may exist. `workmail-export "
        "jobs` lists the organization's jobs; a retry with the same ClientToken is safe: AWS "
        "answers with the job it already started instead of starting a second one."),
    CANCEL_OPERATION: (
        "The cancel may have reached AWS. `workmail-export status JOB_ID` shows whether the "
        "job is CANCELLED; cancel again if it is still RUNNING."),
}

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
    server_side = isinstance(status, int) and status >= 500
    if advice is None:
        advice = _Advice(_SERVER) if server_side else _UNKNOWN_CODE
    unknown = (server_side or advice.hint == _SERVER) and bool(_unknown_outcome_hint(operation))
    if unknown:
        advice = _Advice(_unknown_outcome_hint(operation))
    message = str(error.get("Message") or advice.message or f"{operation} failed.")
    return AwsProblem(
        code=code,
        message=_sentence(message),
        hint=_fill(advice.hint, message, operation, profile),
        operation=operation,
        request_id=str(meta.get("RequestId") or ""),
        http_status=status if isinstance(status, int) else None,
        field=advice.field or _field_named_in(message),
        outcome_unknown=unknown,
    )


def _unknown_outcome_hint(operation: str) -> str:
    """What to say when `operation` changes something and its outcome is unknown ("" for
    reads, whose failure changes nothing)."""
    return _OUTCOME_UNKNOWN.get(operation.rsplit(":", 1)[-1], "")


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


def _problem(code: str, hint: str, field: Field | None = Field.CONNECTION, *,
             may_have_arrived: bool = False) -> _Builder:
    """How to explain one botocore exception. `may_have_arrived`: the request may have
    reached AWS (no answer came, or none that could be read), so a write's outcome is
    unknown."""
    def build(exc: BaseException, operation: str, profile: str | None) -> AwsProblem:
        regions = _regions() if "{regions}" in hint else ""
        said = hint.format(login=_login_command(profile), regions=regions)
        unknown = _unknown_outcome_hint(operation) if may_have_arrived else ""
        return AwsProblem(code=code, message=_sentence(_shorter(str(exc))),
                          hint=unknown or said, operation=operation,
                          field=None if unknown else field, outcome_unknown=bool(unknown))
    return build


def _shorter(text: str, longest: int = 300) -> str:
    """A message of reasonable length (an unreadable answer quotes the whole body)."""
    text = " ".join(text.split())
    return text if len(text) <= longest else text[:longest - 1] + "…"


def aws_failures() -> tuple[type[Exception], ...]:
    """What a boto3 call raises for a failure `translate` explains: ClientError, botocore's
    own exceptions, and ResponseParserError (an answer that is not AWS's, which botocore
    does not derive from BotoCoreError)."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    return (ClientError, BotoCoreError, ResponseParserError)


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
_NO_ANSWER = ("AWS (or whatever answers at this address) took the request but sent no answer "
              "in time, on every attempt. Check the network, proxy or VPN and --endpoint-url; "
              "try again later, or allow more time with --timeout SECONDS.")
_NOT_AWS = ("What answered was not AWS: check --endpoint-url (or AWS_ENDPOINT_URL), and any "
            "proxy, VPN or sign-in page of this network between here and AWS; then try again.")


def _botocore_table() -> list[tuple[type[BaseException], _Builder]]:
    """Botocore exception classes, most specific first, with how to explain each."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

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
        (bx.EndpointConnectionError, _problem("NoConnection", _NO_NETWORK,
                                              may_have_arrived=True)),
        (bx.ConnectionClosedError, _problem("ConnectionClosed", _NO_NETWORK,
                                            may_have_arrived=True)),
        (bx.ReadTimeoutError, _problem("ReadTimeout", _NO_ANSWER, may_have_arrived=True)),
        (bx.ConnectionError, _problem("NoConnection", _NO_NETWORK, may_have_arrived=True)),
        (bx.HTTPClientError, _problem("NoConnection", _NO_NETWORK, may_have_arrived=True)),
        (ResponseParserError, _problem("NotAnAwsAnswer", _NOT_AWS, may_have_arrived=True)),
    ]
