"""Which organizations of the account can take part in a run of every organization.

Every organization of the given Regions is listed (one ListOrganizations per Region, the
Regions side by side). One takes part when it is Active and its Region has a role, key and
bucket (regions.py); the others are kept with why, and so is a Region whose listing failed:
none of them stops the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from tui.core import discovery
from tui.core.batch.regions import RegionSettings
from tui.core.model import ConnectionSettings, CoreError, Organization
from tui.core.session import Aws, connect


class Connections:
    """One connection per Region (the same profile and endpoint), made on first use from any
    thread: `connections(region) -> Aws`."""

    def __init__(self, settings: ConnectionSettings | None = None) -> None:
        self.settings = settings or ConnectionSettings()
        self._made: dict[str, Aws] = {}
        self._lock = threading.Lock()

    def __call__(self, region: str) -> Aws:
        with self._lock:
            if region not in self._made:
                self._made[region] = connect(replace(self.settings, region=region))
            return self._made[region]


@dataclass(frozen=True)
class Candidate:
    """An organization (or, with an empty id, a whole Region that could not be listed) and
    why it cannot take part ('' when it can)."""

    region: str
    organization_id: str
    alias: str
    settings: RegionSettings | None
    why_not: str = ""

    @property
    def label(self) -> str:
        return self.alias or self.organization_id or f"(every organization of {self.region})"


def _of_region(connect: Callable[[str], Aws], region: str,
               settings: RegionSettings | None) -> list[Candidate]:
    try:
        found: list[Organization] = discovery.list_organizations(connect(region))
    except CoreError as exc:
        return [Candidate(region, "", "", settings, f"The organizations of {region} could not "
                                                    f"be listed: {exc.problem.sentence()}")]
    candidates = []
    for org in found:
        why = org.why_not or ("" if settings is not None else
                              f"No role, key and bucket were given for {region} (the "
                              "organization, key and bucket must share a Region; add "
                              f"{region} to --regions-file).")
        candidates.append(Candidate(region, org.id, org.alias, settings, why))
    return candidates


def candidates(connect: Callable[[str], Aws], regions: Sequence[str],
               settings: Mapping[str, RegionSettings]) -> list[Candidate]:
    """Every organization of `regions`, in Region order, Active ones first in each."""
    if not regions:
        return []
    with ThreadPoolExecutor(max_workers=len(regions),
                            thread_name_prefix="workmail-export-regions") as pool:
        found = list(pool.map(lambda r: _of_region(connect, r, settings.get(r)), regions))
    return [candidate for region in found for candidate in region]
