"""The AWS connection: Regions, profiles, client configuration, caching and identity."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse

from tui import __version__
from tui.core.model import ConnectionSettings, CoreError, Field
from tui.core.session import (
    DEFAULT_TIMEOUT,
    MAX_ATTEMPTS,
    TIMEOUT_ENV,
    Aws,
    available_profiles,
    caller_identity,
    connect,
    timeout_problem,
    workmail_regions,
)


class _Sent(Exception):
    """Raised by a before-send handler once it has seen the request."""


def _capture_request(client: Any) -> dict[str, Any]:
    """Make the client's next call stop before the network, keeping what it would send."""
    seen: dict[str, Any] = {}

    def grab(request: Any, **_: Any) -> None:
        seen.update(url=request.url, headers=dict(request.headers), body=request.body)
        raise _Sent

    client.meta.events.register("before-send", grab)
    return seen


def test_workmail_regions_come_from_botocores_endpoint_data() -> None:
    expected = sorted(botocore.session.get_session().get_available_regions("workmail"))
    assert workmail_regions() == expected
    assert {"us-east-1", "us-west-2", "eu-west-1"} <= set(workmail_regions())


def test_a_region_without_workmail_is_refused_with_the_list() -> None:
    with pytest.raises(CoreError) as raised:
        connect(ConnectionSettings(region="eu-central-1"))
    problem = raised.value.problem
    assert problem.code == "UnsupportedRegion"
    assert problem.field is Field.CONNECTION
    assert problem.message == ("Amazon WorkMail is not available in 'eu-central-1'; "
                               "use one of eu-west-1, us-east-1, us-west-2.")


def test_no_region_anywhere_is_a_problem_naming_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(CoreError) as raised:
        connect(ConnectionSettings())
    assert raised.value.problem.code == "NoRegion"
    assert "--region" in raised.value.problem.hint


def test_region_comes_from_the_flag_then_aws_region_then_aws_default_region(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert connect(ConnectionSettings(region="us-east-1")).region == "us-east-1"
    assert connect(ConnectionSettings()).region == "us-west-2"
    monkeypatch.delenv("AWS_REGION")
    assert connect(ConnectionSettings()).region == "eu-west-1"


def test_an_unknown_profile_is_a_problem_with_the_fix() -> None:
    with pytest.raises(CoreError) as raised:
        connect(ConnectionSettings(profile="nope"))
    problem = raised.value.problem
    assert problem.code == "ProfileNotFound"
    assert "(nope)" in problem.message
    assert "aws configure list-profiles" in problem.hint


def _write_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text("[default]\nregion = us-east-1\n[profile work]\nregion = eu-west-1\n")
    credentials = tmp_path / "credentials"
    credentials.write_text("[home]\naws_access_key_id = a\naws_secret_access_key = b\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))


def test_available_profiles_lists_config_and_credentials_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_profiles(tmp_path, monkeypatch)
    assert available_profiles() == ["default", "home", "work"]


def test_available_profiles_is_empty_without_files() -> None:
    assert available_profiles() == []


def test_a_profile_region_is_used_when_no_flag_or_environment_says_otherwise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_profiles(tmp_path, monkeypatch)
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    aws = connect(ConnectionSettings(profile="work"))
    assert (aws.region, aws.profile) == ("eu-west-1", "work")


def test_clients_send_the_tool_in_the_user_agent_and_retry_in_standard_mode() -> None:
    client = connect(ConnectionSettings(region="us-east-1")).client("sts")
    assert client.meta.config.retries["mode"] == "standard"
    seen = _capture_request(client)
    with pytest.raises(_Sent):
        client.get_caller_identity()
    assert f"workmail-export/{__version__}" in seen["headers"]["User-Agent"].decode()


def test_every_client_has_timeouts_and_a_retry_budget_that_fit_an_interactive_tool() -> None:
    aws = connect(ConnectionSettings(region="us-east-1"))
    for service in ("workmail", "iam", "kms", "s3", "sts"):
        config = aws.client(service).meta.config
        assert (config.connect_timeout, config.read_timeout) == (DEFAULT_TIMEOUT,
                                                                  DEFAULT_TIMEOUT)
        assert config.retries == {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}
    assert (DEFAULT_TIMEOUT, MAX_ATTEMPTS) == (10.0, 3)


def test_aws_max_attempts_still_sets_the_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    aws = connect(ConnectionSettings(region="us-east-1", timeout=2.0))
    assert aws.client("iam").meta.config.retries == {"mode": "standard",
                                                     "total_max_attempts": 1}
    assert aws.longest_wait == 2.0 + 3.0


def test_the_timeout_comes_from_the_settings_else_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "4.5")
    from_env = connect(ConnectionSettings(region="us-east-1")).client("kms").meta.config
    assert (from_env.connect_timeout, from_env.read_timeout) == (4.5, 4.5)
    given = connect(ConnectionSettings(region="us-east-1", timeout=2.0))
    assert given.client("kms").meta.config.read_timeout == 2.0
    assert given.longest_wait == 2.0 * MAX_ATTEMPTS + 3.0


@pytest.mark.parametrize("text", ["soon", "0", "-3", "601", "nan"])
def test_a_timeout_that_is_no_number_of_seconds_is_refused(
        text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert timeout_problem(text) is not None
    monkeypatch.setenv(TIMEOUT_ENV, text)
    with pytest.raises(CoreError) as raised:
        connect(ConnectionSettings(region="us-east-1"))
    problem = raised.value.problem
    assert (problem.code, problem.field) == ("BadTimeout", Field.CONNECTION)
    assert problem.message.startswith(f"{TIMEOUT_ENV}: {text!r} is not a number of seconds")


def test_endpoint_url_from_the_settings_is_where_calls_go() -> None:
    aws = connect(ConnectionSettings(region="us-east-1", endpoint_url="http://127.0.0.1:9"))
    client = aws.client("workmail")
    seen = _capture_request(client)
    with pytest.raises(_Sent):
        client.list_organizations()
    assert seen["url"].startswith("http://127.0.0.1:9")
    assert aws.endpoint_url == "http://127.0.0.1:9"


def test_aws_endpoint_url_from_the_environment_is_honoured(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:8")
    aws = connect(ConnectionSettings(region="us-east-1"))
    assert aws.endpoint_url == "http://127.0.0.1:8"
    s3 = aws.client("s3")
    seen = _capture_request(s3)
    with pytest.raises(_Sent):
        s3.get_bucket_location(Bucket="my-bucket")
    assert seen["url"].startswith("http://127.0.0.1:8/my-bucket")  # path style


def test_clients_are_cached_per_service_and_region() -> None:
    aws = connect(ConnectionSettings(region="us-east-1"))
    assert aws.client("kms") is aws.client("kms")
    assert aws.client("kms") is aws.client("kms", "us-east-1")
    other = aws.client("kms", "eu-west-1")
    assert other is not aws.client("kms")
    assert other.meta.region_name == "eu-west-1"


def test_clients_asked_for_from_many_threads_at_once_are_made_once() -> None:
    aws = connect(ConnectionSettings(region="us-east-1"))
    made: list[str] = []
    real_client = aws._session.create_client

    def slow_client(service: str, **kwargs: Any) -> Any:
        made.append(service)
        time.sleep(0.05)
        return real_client(service, **kwargs)

    aws._session.create_client = slow_client  # type: ignore[method-assign]
    start = threading.Barrier(6)
    got: list[Any] = []

    def ask() -> None:
        start.wait()
        got.append(aws.client("iam"))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made == ["iam"]
    assert len(got) == 6 and all(client is got[0] for client in got)


def _answer_sts(aws: Aws, status: int, body: str) -> None:
    class Body:
        def stream(self, **_: Any) -> list[bytes]:
            return [body.encode()]

    def answer(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, status, {"x-amzn-RequestId": "r-1"}, Body())

    aws.client("sts").meta.events.register("before-send.sts", answer)


def test_caller_identity_reads_sts() -> None:
    aws = connect(ConnectionSettings(region="eu-west-1"))
    _answer_sts(aws, 200, """<GetCallerIdentityResponse><GetCallerIdentityResult>
        <Arn>arn:aws:iam::111122223333:user/admin</Arn><UserId>AIDAEXAMPLE</UserId>
        <Account>111122223333</Account></GetCallerIdentityResult></GetCallerIdentityResponse>""")
    identity = caller_identity(aws)
    assert (identity.account, identity.arn, identity.user_id, identity.region) == (
        "111122223333", "arn:aws:iam::111122223333:user/admin", "AIDAEXAMPLE", "eu-west-1")


def test_caller_identity_with_an_expired_token_says_how_to_log_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_profiles(tmp_path, monkeypatch)
    aws = connect(ConnectionSettings(profile="home", region="us-east-1"))
    _answer_sts(aws, 403, """<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>
        <Message>The security token included in the request is expired</Message></Error>
        <RequestId>r-1</RequestId></ErrorResponse>""")
    with pytest.raises(CoreError) as raised:
        caller_identity(aws)
    problem = raised.value.problem
    assert (problem.code, problem.http_status, problem.request_id) == ("ExpiredToken", 403, "r-1")
    assert "aws sso login --profile home" in problem.hint
    assert problem.field is Field.CONNECTION


def test_caller_identity_without_credentials_says_how_to_get_some(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    aws = connect(ConnectionSettings(region="us-east-1"))
    with pytest.raises(CoreError) as raised:
        caller_identity(aws)
    assert raised.value.problem.code == "NoCredentials"
    assert "aws configure" in raised.value.problem.hint


def test_a_connection_reads_no_model_or_endpoint_file_a_field_check_already_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A command checks its JOB_ID against the WorkMail model and its Region against the
    endpoint data before it connects; making the client must not read those files again."""
    from botocore.loaders import JSONFileLoader

    from tui.core import botocore_data, fields

    fields.check_value("job_id", "a" * 36)
    botocore_data.service_regions("workmail")
    read: list[str] = []
    original = JSONFileLoader.load_file

    def counted(self: JSONFileLoader, file_path: str) -> Any:
        read.append(file_path)
        return original(self, file_path)

    monkeypatch.setattr(JSONFileLoader, "load_file", counted)
    aws = Aws(ConnectionSettings(region="us-east-1"))
    aws.client("workmail")
    assert not [path for path in read if "workmail" in path or "endpoints" in path]
    Aws(ConnectionSettings(region="us-east-1"))
    paths = botocore_data._loader().search_paths
    assert len(paths) == len(set(paths))  # boto3's folder kept once however many sessions
