"""Where each Region's exports go: the role, key and bucket (and base prefix) of a Region.

The organization, the KMS key and the bucket of an export must be in the same Region, so a
run of every organization needs one set per Region. An admin gives them in a JSON file
(`batch --all-organizations --regions-file FILE`), one object per Region:

    {"us-east-1": {"role_arn": "arn:aws:iam::...:role/WorkMailExport",
                   "kms_key_arn": "arn:aws:kms:us-east-1:...:key/...",
                   "bucket": "acme-mail-export-us-east-1", "prefix": "exports/"},
     "eu-west-1": {...}}

or, for one Region, with the usual --role-arn/--kms-key-arn/--bucket/--prefix flags, whose
Region is the key's (a key ARN names its Region). JSON because Python 3.10 reads it without a
dependency and the setup assistant can write the same file. Every value is checked with the
field rules of a single export.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tui.core.fields import check_field
from tui.core.model import Field
from tui.core.session import region_problem

KEYS = {"role_arn": Field.ROLE, "kms_key_arn": Field.KMS_KEY, "bucket": Field.BUCKET,
        "prefix": Field.PREFIX}


@dataclass(frozen=True)
class RegionSettings:
    """The role, key and bucket (and base prefix) of the exports of one Region."""

    region: str
    role_arn: str
    kms_key_arn: str
    bucket: str
    prefix: str = ""


def key_region(kms_key_arn: str) -> str:
    """The Region a KMS key ARN names (arn:aws:kms:REGION:...), or ''."""
    parts = kms_key_arn.split(":")
    return parts[3] if len(parts) > 5 and parts[2] == "kms" else ""


def settings_of(region: str, values: Mapping[str, object], where: str) -> RegionSettings:
    """One Region's settings from a mapping; ValueError with a sentence naming `where`."""
    problem = region_problem(region)
    if problem:
        raise ValueError(f"{where}: {problem}")
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise ValueError(f"{where}: {region} has {', '.join(unknown)}, which is not one of "
                         f"{', '.join(KEYS)}.")
    missing = [name for name in ("role_arn", "kms_key_arn", "bucket") if not values.get(name)]
    if missing:
        raise ValueError(f"{where}: {region} needs {', '.join(missing)}.")
    texts = {name: str(values.get(name) or "").strip() for name in KEYS}
    for name, field in KEYS.items():
        message = check_field(field, texts[name]) if texts[name] else None
        if message:
            raise ValueError(f"{where}: {region} {name}: {message}")
    if key_region(texts["kms_key_arn"]) not in ("", region):
        raise ValueError(f"{where}: the key of {region} is in {key_region(texts['kms_key_arn'])}"
                         "; the organization, key and bucket must share a Region.")
    return RegionSettings(region, texts["role_arn"], texts["kms_key_arn"], texts["bucket"],
                          texts["prefix"])


def read_regions_file(path: str | Path) -> dict[str, RegionSettings]:
    """The settings of every Region a JSON file gives; ValueError with a sentence when it
    cannot be read or a value is wrong."""
    target = Path(path).expanduser()
    try:
        document = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValueError(f"The Regions file {target} cannot be read ({reason}).") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"The Regions file {target} is not JSON ({exc}).") from exc
    if not isinstance(document, dict) or not all(isinstance(v, dict)
                                                 for v in document.values()):
        raise ValueError(f"The Regions file {target} must hold one object per Region, like "
                         '{"us-east-1": {"role_arn": ..., "kms_key_arn": ..., "bucket": ...}}.')
    return {region: settings_of(region, values, str(target))
            for region, values in document.items()}
