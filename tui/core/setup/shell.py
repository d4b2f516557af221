"""A plan as a shell script of `aws` commands (AWS CLI v1 or v2), for someone who may make the
calls: each step one command, with the same parameters and documents the tool would send.

Operation and parameter names follow the AWS CLI's own rule (botocore's xform_name with
dashes). Structures and documents are passed as JSON. A value that only exists once a step
has run (the new key's ARN and id) is captured from that command's answer (`--query`) into
a shell variable and written as `${NEW_KEY_ARN}` in the later commands; every other string is
single-quoted, so nothing in a document is expanded by the shell.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from tui.core.setup.plan import NEW_KEY_ARN, NEW_KEY_ID, Call, Plan, Step, mentions

VARIABLES = {NEW_KEY_ARN: "NEW_KEY_ARN", NEW_KEY_ID: "NEW_KEY_ID"}
CLI_SERVICE = {"s3": "s3api"}  # boto3's name -> the AWS CLI's


def _dashed(name: str) -> str:
    from botocore import xform_name

    return str(xform_name(name, "-"))


def _double_quoted(text: str) -> str:
    """`text` in double quotes with only the tokens expanded (as ${VARIABLE})."""
    escaped = "".join("\\" + c if c in '"\\$`' else c for c in text)
    for token, variable in VARIABLES.items():
        escaped = escaped.replace(token, "${" + variable + "}")
    return f'"{escaped}"'


def _quoted(text: str) -> str:
    if any(token in text for token in VARIABLES):
        return _double_quoted(text)
    return shlex.quote(text)


def _argument(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return f"--{_dashed(name)}" if value else f"--no-{_dashed(name)}"
    if isinstance(value, (Mapping, list)):
        document = name in ("AssumeRolePolicyDocument", "PolicyDocument", "Policy")
        text = json.dumps(value, indent=2) if document else json.dumps(value,
                                                                       separators=(",", ":"))
        return f"--{_dashed(name)} {_quoted(text)}"
    return f"--{_dashed(name)} {_quoted(str(value))}"


def command(call: Call, region: str) -> str:
    """The `aws` command of one call, one argument a line."""
    service = CLI_SERVICE.get(call.service, call.service)
    parts = [f"aws {service} {_dashed(call.operation)}", f"--region {shlex.quote(region)}"]
    parts += [_argument(name, value) for name, value in call.params.items()]
    return " \\\n  ".join(parts)


def _step_lines(number: int, step: Step, region: str) -> list[str]:
    lines = [f"# {number}. {line}" if i == 0 else f"#    {line}"
             for i, line in enumerate(_wrapped(step.summary))]
    text = command(step.call, region)
    if step.outputs:
        tokens = list(step.outputs)
        query = "[" + ",".join(step.outputs[t] for t in tokens) + "]"
        lines.append(f"answer=$({text} \\\n  --query {shlex.quote(query)} --output text)")
        lines.append(f'read -r {" ".join(VARIABLES[t] for t in tokens)} <<<"$answer"')
    else:
        lines.append(text + " >/dev/null")
    return lines


def _wrapped(text: str, width: int = 94) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def shell_script(plan: Plan) -> str:
    """The whole script: what it does and needs in comments, then one command a step."""
    lines = ["#!/usr/bin/env bash",
             *(f"# {line}" for line in _wrapped(plan.title)),
             f"# Organization {plan.organization_id or '(every one)'} in {plan.region}. "
             "Written by workmail-export setup --format shell.",
             *(f"# {line}" for line in _wrapped(
                 "Run it as an AWS identity allowed to call: " + ", ".join(plan.permissions)
                 + ".")),
             ]
    for blocker in plan.blockers:
        lines += [f"# Not fixed by this script: {line}" for line in _wrapped(blocker)]
    lines += ["set -euo pipefail", ""]
    if plan.empty:
        lines.append("echo 'Nothing to do: everything this plan covers is already in place.'")
    for number, step in enumerate(plan.steps, 1):
        lines += [*_step_lines(number, step, plan.region), ""]
    if mentions(plan.key_arn, NEW_KEY_ARN):
        lines.append('echo "The export key: ${NEW_KEY_ARN}"')
    return "\n".join(lines).rstrip("\n") + "\n"
