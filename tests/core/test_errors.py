"""Error translation: every failure the core expects becomes a code, a message and a fix."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore import exceptions as bx
from botocore.awsrequest import AWSResponse
from botocore.parsers import ResponseParserError

from tui.core.errors import translate
from tui.core.model import AwsProblem, CoreError, Field


def client_error(code: str, message: str = "", status: int = 400,
                 operation: str = "StartMailboxExportJob") -> bx.ClientError:
    return bx.ClientError({
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"RequestId": "req-1234", "HTTPStatusCode": status},
    }, operation)


# (code, status, expected field, a phrase the hint must contain)
CLIENT_ERRORS: list[tuple[str, int, Field | None, str]] = [
    ("InvalidParameterException", 400, None, "Correct the value"),
    ("OrganizationNotFoundException", 400, Field.ORGANIZATION, "--region"),
    ("OrganizationStateException", 400, Field.ORGANIZATION, "Pick an Active organization"),
    ("EntityNotFoundException", 400, Field.ENTITY, "groups have no mailbox"),
    ("EntityStateException", 400, Field.ENTITY, "Pick another mailbox"),
    ("LimitExceededException", 400, None, "at most 10 export jobs at a time"),
    ("AccessDenied", 403, Field.CONNECTION, "Ask an administrator to allow it"),
    ("AccessDeniedException", 400, Field.CONNECTION, "Ask an administrator to allow it"),
    ("403", 403, Field.CONNECTION, "Ask an administrator to allow it"),
    ("ThrottlingException", 400, None, "Wait a few seconds"),
    ("TooManyRequestsException", 429, None, "Wait a few seconds"),
    ("Throttling", 400, None, "Wait a few seconds"),
    ("ExpiredToken", 400, Field.CONNECTION, "aws sso login --profile work"),
    ("ExpiredTokenException", 400, Field.CONNECTION, "aws sso login --profile work"),
    ("RequestExpired", 400, Field.CONNECTION, "clock"),
    ("UnrecognizedClientException", 400, Field.CONNECTION, "--profile"),
    ("InvalidClientTokenId", 403, Field.CONNECTION, "aws configure list"),
    ("InternalFailure", 500, None, "Try again in a minute"),
    ("ServiceUnavailable", 503, None, "Try again in a minute"),
    ("SomethingNew", 502, None, "Try again in a minute"),  # any 5xx
    ("SomethingNew", 400, None, "request id"),
]


@pytest.mark.parametrize(("code", "status", "field", "phrase"), CLIENT_ERRORS)
def test_client_errors_carry_code_status_request_id_field_and_a_hint(
        code: str, status: int, field: Field | None, phrase: str) -> None:
    problem = translate(client_error(code, "The service said no", status),
                        "workmail:DescribeUser", profile="work")
    assert problem.code == code
    assert problem.message == "The service said no."
    assert phrase in problem.hint
    assert problem.field == field
    assert problem.request_id == "req-1234"
    assert problem.http_status == status
    assert problem.operation == "workmail:DescribeUser"
    assert problem.sentence().startswith(f"{code}: The service said no. ")
    assert not problem.outcome_unknown


SERVER_SIDE = [("InternalFailure", 500), ("ServiceUnavailableException", 503),
               ("SomethingNew", 502)]


@pytest.mark.parametrize(("code", "status"), SERVER_SIDE)
def test_a_5xx_to_a_read_says_nothing_changed(code: str, status: int) -> None:
    problem = translate(client_error(code, "Service unavailable", status), "workmail:ListUsers")
    assert "Try again in a minute; a failed read like this one changes nothing." in problem.hint
    assert not problem.outcome_unknown


@pytest.mark.parametrize(("code", "status"), SERVER_SIDE)
def test_a_5xx_to_a_start_says_the_job_may_exist_and_how_to_find_out(code: str,
                                                                      status: int) -> None:
    problem = translate(client_error(code, "Service unavailable", status),
                        "workmail:StartMailboxExportJob")
    assert "changes nothing" not in problem.hint and "nothing was changed" not in problem.hint
    assert problem.hint.startswith("The request may have reached AWS, so the export job may "
                                   "exist. `workmail-export jobs` lists the organization's jobs")
    assert "same ClientToken is safe" in problem.hint
    assert problem.outcome_unknown


def test_a_5xx_to_a_cancel_says_the_cancel_may_have_happened() -> None:
    problem = translate(client_error("InternalFailure", "oops", 500), "CancelMailboxExportJob")
    assert problem.hint.startswith("The cancel may have reached AWS. `workmail-export status "
                                   "JOB_ID` shows whether the job is CANCELLED")
    assert problem.outcome_unknown


def test_a_refusal_of_a_start_is_a_known_outcome() -> None:
    problem = translate(client_error("LimitExceededException", "too many", 400),
                        "workmail:StartMailboxExportJob")
    assert not problem.outcome_unknown
    assert "at most 10 export jobs" in problem.hint


@pytest.mark.parametrize("exc", [
    bx.ConnectionClosedError(endpoint_url="https://workmail.us-east-1.amazonaws.com/"),
    bx.ReadTimeoutError(endpoint_url="https://workmail.us-east-1.amazonaws.com/"),
    bx.EndpointConnectionError(endpoint_url="https://workmail.us-east-1.amazonaws.com/"),
    ResponseParserError("Unable to parse response"),
])
def test_no_answer_to_a_start_says_it_may_have_reached_aws(exc: BaseException) -> None:
    start = translate(exc, "workmail:StartMailboxExportJob")
    assert start.hint.startswith("The request may have reached AWS, so the export job may exist.")
    assert start.outcome_unknown and start.field is None
    read = translate(exc, "workmail:ListUsers")
    assert not read.outcome_unknown and "may have reached" not in read.hint


def test_access_denied_names_the_action_from_the_message_or_the_operation() -> None:
    denied = client_error("AccessDenied", "User: arn:aws:iam::1:user/x is not authorized to "
                          "perform: iam:GetRole on resource: role/y", 403, "GetRole")
    assert "may not call iam:GetRole." in translate(denied, "GetRole").hint
    plain = client_error("403", "", 403, "DescribeKey")
    problem = translate(plain, "kms:DescribeKey")
    assert problem.message == "Access denied."
    assert "may not call kms:DescribeKey." in problem.hint


def test_an_invalid_parameter_names_the_field_when_the_message_names_its_parameter() -> None:
    problem = translate(client_error("InvalidParameterException",
                                     "S3Prefix must match the bucket policy"), "Start")
    assert problem.field is Field.PREFIX
    vague = translate(client_error("InvalidParameterException", "RoleArn or KmsKeyArn wrong"),
                      "Start")
    assert vague.field is None


def test_without_a_profile_the_login_hint_says_where_the_name_goes() -> None:
    problem = translate(client_error("ExpiredToken", "expired"), "GetCallerIdentity")
    assert "aws sso login --profile NAME" in problem.hint


# (exception, code, field, a phrase the hint must contain, a phrase the message must contain)
BOTOCORE_ERRORS: list[tuple[BaseException, str, Field | None, str, str]] = [
    (bx.NoCredentialsError(), "NoCredentials", Field.CONNECTION, "aws configure",
     "Unable to locate credentials"),
    (bx.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
     "PartialCredentials", Field.CONNECTION, "Complete or remove them", "AWS_SECRET_ACCESS_KEY"),
    (bx.ProfileNotFound(profile="work"), "ProfileNotFound", Field.CONNECTION,
     "aws configure list-profiles", "(work)"),
    (bx.TokenRetrievalError(provider="sso", error_msg="Token has expired"), "TokenRetrieval",
     Field.CONNECTION, "aws sso login --profile work", "Token has expired"),
    (bx.SSOTokenLoadError(error_msg="no cached token"), "SSOTokenLoad", Field.CONNECTION,
     "aws sso login --profile work", "no cached token"),
    (bx.UnauthorizedSSOTokenError(), "ExpiredSSOToken", Field.CONNECTION,
     "aws sso login --profile work", "SSO session"),
    (bx.EndpointConnectionError(endpoint_url="https://workmail.us-east-1.amazonaws.com/"),
     "NoConnection", Field.CONNECTION, "Check the network", "workmail.us-east-1"),
    (bx.ConnectTimeoutError(endpoint_url="https://sts.amazonaws.com/"), "NoConnection",
     Field.CONNECTION, "Check the network", "Connect timeout"),
    (bx.ConnectionClosedError(endpoint_url="https://kms.eu-west-1.amazonaws.com/"),
     "ConnectionClosed", Field.CONNECTION, "Check the network", "closed"),
    (bx.ReadTimeoutError(endpoint_url="https://iam.amazonaws.com/"), "ReadTimeout",
     Field.CONNECTION, "allow more time with --timeout SECONDS", "Read timeout"),
    (ResponseParserError("Unable to parse response (not well-formed), invalid XML received"),
     "NotAnAwsAnswer", Field.CONNECTION, "What answered was not AWS: check --endpoint-url",
     "invalid XML received"),
    (bx.NoRegionError(), "NoRegion", Field.CONNECTION,
     "--region (one of eu-west-1, us-east-1, us-west-2)", "region"),
    (bx.ParamValidationError(report="Invalid length for parameter S3Prefix, value: 0"),
     "ParamValidation", Field.PREFIX, "Correct the value", "S3Prefix"),
]


@pytest.mark.parametrize(("exc", "code", "field", "hint", "message"), BOTOCORE_ERRORS)
def test_botocore_exceptions_become_problems_with_a_fix(
        exc: BaseException, code: str, field: Field | None, hint: str, message: str) -> None:
    problem = translate(exc, "GetCallerIdentity", profile="work")
    assert (problem.code, problem.field) == (code, field)
    assert hint in problem.hint
    assert message in problem.message
    assert problem.request_id == "" and problem.http_status is None
    assert "Traceback" not in problem.sentence()


def test_an_unexpected_exception_still_reads_as_a_sentence() -> None:
    problem = translate(ValueError("boom"), "ListUsers")
    assert problem.code == "ValueError"
    assert problem.message == "boom"
    assert "bug in workmail-export" in problem.hint


def test_a_core_error_keeps_its_problem() -> None:
    problem = AwsProblem(code="X", message="m", hint="h")
    assert translate(CoreError(problem), "op") is problem


# --- through a real client: botocore parses the service's answer ------------------------------


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> list[bytes]:
        return [self.data]


def test_a_parsed_workmail_error_keeps_request_id_and_status() -> None:
    client = boto3.client("workmail", region_name="us-east-1")
    body = json.dumps({"__type": "EntityNotFoundException", "Message": "No such entity"})

    def answer(request: Any, **_: Any) -> AWSResponse:
        headers = {"x-amzn-RequestId": "abc-123", "Content-Type": "application/x-amz-json-1.1"}
        return AWSResponse(request.url, 400, headers, _Body(body.encode()))

    client.meta.events.register("before-send.workmail", answer)
    with pytest.raises(client.exceptions.EntityNotFoundException) as raised:
        client.describe_user(OrganizationId="m-" + "0" * 32, UserId="nobody")
    problem = translate(raised.value, "DescribeUser")
    assert problem.code == "EntityNotFoundException"
    assert problem.message == "No such entity."
    assert problem.request_id == "abc-123"
    assert problem.http_status == 400
    assert problem.field is Field.ENTITY
