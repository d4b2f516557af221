"""Applying a plan: its steps in order, each reported as it starts and ends; the first failure
stops the rest, and the result says what was done, what was not, and how to finish or undo.

Every call goes through `discovery.call`, so a failure is a CoreError whose problem names the
IAM action ("could not apply: missing iam:CreateRole" when access is denied). Values known
only once a step has answered (the new key's ARN) fill the tokens of the later steps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from tui.core.discovery import call, is_access_denied
from tui.core.model import AwsProblem, CoreError
from tui.core.setup.plan import NEW_KEY_ARN, Call, Plan, Step, fill

if TYPE_CHECKING:
    from tui.core.session import Aws


class Event(str, Enum):
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"


Progress = Callable[[int, Step, Event], None]  # (index in the plan, step, what happened)


@dataclass(frozen=True)
class Applied:
    """What applying a plan did: the steps done, the one that failed (with why) and those
    not tried; `values` holds what the answers filled in (the new key's ARN)."""

    plan: Plan
    done: tuple[Step, ...]
    failed: Step | None = None
    problem: AwsProblem | None = None
    remaining: tuple[Step, ...] = ()
    values: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failed is None

    @property
    def key_arn(self) -> str:
        """The key an export uses now (the new key's real ARN once it exists)."""
        return str(fill(self.plan.key_arn, self.values))

    @property
    def missing_permission(self) -> str:
        """The IAM action the caller lacks, when the failure is an access denial ("")."""
        if self.failed is None or self.problem is None or not is_access_denied(self.problem):
            return ""
        return self.failed.call.permission

    def undo_calls(self) -> list[Call]:
        """The calls that take back what was done, newest first (tokens filled in)."""
        return [Call(s.undo.service, s.undo.operation, fill(dict(s.undo.params), self.values))
                for s in reversed(self.done) if s.undo is not None]

    def failure_sentence(self) -> str:
        """What went wrong, as a person reads it ("" when nothing did)."""
        if self.failed is None or self.problem is None:
            return ""
        if self.missing_permission:
            return (f"could not apply: missing {self.missing_permission} "
                    f"({self.failed.summary})")
        return f"could not apply: {self.failed.summary} {self.problem.sentence()}"


def _answer_value(answer: Mapping[str, Any], path: str) -> str:
    value: Any = answer
    for part in path.split("."):
        value = value.get(part, "") if isinstance(value, Mapping) else ""
    return str(value)


def run_call(aws: Aws, to_call: Call, values: Mapping[str, str] | None = None
             ) -> Mapping[str, Any]:
    """One call of a plan (tokens filled from `values`); CoreError when AWS refuses it."""
    from botocore import xform_name

    client = aws.client(to_call.service)
    method = getattr(client, xform_name(to_call.operation))
    answer: Mapping[str, Any] = call(to_call.permission, method, **to_call.api_params(values))
    return answer


def apply_plan(aws: Aws, plan: Plan, progress: Progress | None = None) -> Applied:
    """Run the plan's steps in order; stop at the first failure."""
    values: dict[str, str] = {}
    done: list[Step] = []
    for index, step in enumerate(plan.steps):
        if progress:
            progress(index, step, Event.STARTED)
        try:
            answer = run_call(aws, step.call, values)
        except CoreError as error:
            if progress:
                progress(index, step, Event.FAILED)
            return Applied(plan, tuple(done), step, error.problem, plan.steps[index + 1:],
                           dict(values))
        for token, path in step.outputs.items():
            values[token] = _answer_value(answer, path)
        done.append(step)
        if progress:
            progress(index, step, Event.DONE)
    return Applied(plan, tuple(done), values=dict(values))


def uses_new_key(plan: Plan) -> bool:
    """Whether the plan creates the key its export uses."""
    return plan.key_arn == NEW_KEY_ARN
