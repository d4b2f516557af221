"""The simulator's answers against the botocore output shapes of the workmail model: every
member known to the model, of the model's type, within its bounds, patterns and enums.
GetMailboxDetails (the sizes of a bulk plan) and ListUsers (DisabledDate of disabled users)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from botocore.model import Shape

from tui.sim.backend import WorkMailBackend
from tui.sim.validation import workmail_model

TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "long": (int,), "double": (int, float),
    "float": (int, float), "boolean": (bool,), "timestamp": (datetime,),
    "structure": (dict,), "list": (list,), "map": (dict,),
}


def shape_problems(path: str, shape: Shape, value: Any) -> list[str]:
    """Every way `value` departs from `shape` (empty when it fits)."""
    if not isinstance(value, TYPES[shape.type_name]) or (
            shape.type_name in ("integer", "long") and isinstance(value, bool)):
        return [f"{path}: {type(value).__name__} is not {shape.type_name}"]
    meta, problems = shape.metadata, []
    if shape.type_name == "string":
        if "min" in meta and len(value) < meta["min"]:
            problems.append(f"{path}: shorter than {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: longer than {meta['max']}")
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            problems.append(f"{path}: does not match {meta['pattern']}")
        if shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} not in {shape.enum}")
    elif shape.type_name in ("integer", "long", "double", "float"):
        if "min" in meta and value < meta["min"]:
            problems.append(f"{path}: below {meta['min']}")
        if "max" in meta and value > meta["max"]:
            problems.append(f"{path}: above {meta['max']}")
    elif shape.type_name == "structure":
        for name in value:
            if name not in shape.members:
                problems.append(f"{path}.{name}: not in the model")
        for name in shape.required_members:
            if name not in value:
                problems.append(f"{path}.{name}: required, missing")
        for name, member in shape.members.items():
            if name in value:
                problems += shape_problems(f"{path}.{name}", member, value[name])
    elif shape.type_name == "list":
        for i, item in enumerate(value):
            problems += shape_problems(f"{path}[{i}]", shape.member, item)
    return problems


def answer(sim: Any, operation: str, params: dict[str, Any], region: str = "us-east-1"
           ) -> dict[str, Any]:
    backend: WorkMailBackend = sim.workmail
    return backend.call(operation, params, region)


def check(operation: str, value: dict[str, Any]) -> list[str]:
    shape = workmail_model().operation_model(operation).output_shape
    return shape_problems(operation, shape, value)


@pytest.mark.parametrize("who", ["enabled_user", "disabled_user", "room_id", "equipment_id"])
def test_get_mailbox_details_fits_the_model(sim: Any, who: str) -> None:
    entity = getattr(sim.world, who)
    value = answer(sim, "GetMailboxDetails", {"OrganizationId": sim.world.org_id,
                                              "UserId": entity})
    assert check("GetMailboxDetails", value) == []
    assert set(value) == {"MailboxQuota", "MailboxSize"}
    assert isinstance(value["MailboxSize"], float) and value["MailboxSize"] > 0


def test_the_size_is_the_seeded_one_and_a_deleted_user_has_no_mailbox(sim: Any) -> None:
    sim.workmail.set_mailbox_sizes({sim.world.enabled_user: 0.0})
    value = answer(sim, "GetMailboxDetails", {"OrganizationId": sim.world.org_id,
                                              "UserId": sim.world.enabled_user})
    assert value["MailboxSize"] == 0.0 and check("GetMailboxDetails", value) == []
    with pytest.raises(Exception, match="No mailbox"):
        answer(sim, "GetMailboxDetails", {"OrganizationId": sim.world.org_id,
                                          "UserId": sim.world.deleted_user})


def test_list_users_with_disabled_dates_fits_the_model(sim: Any) -> None:
    value = answer(sim, "ListUsers", {"OrganizationId": sim.world.org_id, "MaxResults": 100})
    assert check("ListUsers", value) == []
    disabled = [u for u in value["Users"] if u["State"] == "DISABLED"]
    assert len(disabled) == 3 and all("DisabledDate" in u for u in disabled)
    assert sorted(u["DisabledDate"] for u in disabled)[0] < sim.clock.now()


def test_the_check_finds_what_departs_from_the_model() -> None:
    assert check("GetMailboxDetails", {"MailboxQuota": 0, "MailboxSize": "12",
                                       "Size": 1}) == [
        "GetMailboxDetails.Size: not in the model",
        "GetMailboxDetails.MailboxQuota: below 1",
        "GetMailboxDetails.MailboxSize: str is not double"]
