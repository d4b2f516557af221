"""An endpoint URL with a user name and password (`http://user:pass@proxy:port`) is shown as
`http://***@proxy:port` everywhere: AWS errors (lines and JSON), the printed AWS CLI command,
a refused --endpoint-url."""

from __future__ import annotations

import json
import socket
from typing import Any

from cli_runner import Cli

SECRET = "hunter2"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_connection_error_masks_the_endpoint_in_lines_and_json(cli: Cli) -> None:
    port = closed_port()
    endpoint = f"http://admin:{SECRET}@127.0.0.1:{port}"
    result = cli("jobs", "--json", "--endpoint-url", endpoint, "--region", "us-east-1",
                 "--organization", "m-0123456789abcdef0123456789abcdef")
    assert result.returncode == 1
    assert SECRET not in result.stdout + result.stderr
    assert f"http://***@127.0.0.1:{port}" in result.stderr
    assert f"http://***@127.0.0.1:{port}" in json.loads(result.stdout)["error"]["message"]


def test_the_printed_command_masks_the_endpoint(sim: Any, cli: Cli) -> None:
    endpoint = cli.url.replace("http://", f"http://admin:{SECRET}@")
    result = cli("check", "--json", "--endpoint-url", endpoint, "--organization",
                 sim.world.org_id)
    assert result.returncode == 0, result.stderr
    command = json.loads(result.stdout)["aws_cli"]
    assert SECRET not in result.stdout
    assert f"--endpoint-url '{cli.url.replace('http://', 'http://***@')}'" in command


def test_a_refused_endpoint_flag_masks_it(cli: Cli) -> None:
    result = cli("jobs", "--endpoint-url", f"ftp://admin:{SECRET}@files.example")
    assert result.returncode == 2
    assert SECRET not in result.stderr and "ftp://***@files.example" in result.stderr
