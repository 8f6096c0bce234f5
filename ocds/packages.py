"""Release and record packages, the OCDS envelopes of what the API and the bulk files publish."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from ocds.releases import demand_releases, ocid_for, stamp
from ocds.schemas import VERSION, merger
from ocds.selectors import ReleaseRef, demands_for_releases

PUBLICATION_POLICY = "/api/docs/"


def _envelope(uri: str) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": VERSION,
        "publishedDate": stamp(timezone.now()),
        "publisher": {"name": settings.OCDS_PUBLISHER_NAME},
    }


def releases_for(refs: list[ReleaseRef]) -> list[dict[str, Any]]:
    """The releases ``refs`` name, in their order (the demands are loaded once, in bulk)."""
    demands = demands_for_releases(sorted({ref.demand_id for ref in refs}))
    built: dict[tuple[int, str], dict[str, Any]] = {}
    for demand in demands.values():
        for release in demand_releases(demand):
            built[(demand.pk, release["tag"][0])] = release
    return [built[(ref.demand_id, ref.tag)] for ref in refs if (ref.demand_id, ref.tag) in built]


def release_package(*, uri: str, releases: list[dict[str, Any]], links: dict[str, str] | None = None) -> dict[str, Any]:
    package = _envelope(uri)
    package["releases"] = releases
    if links:
        # Paging as OCDS 1.2 and the OCDS API guidance do; 1.1.5 packages allow the extra member.
        package["links"] = links
    return package


def record_package(*, uri: str, demand_id: int) -> dict[str, Any] | None:
    """The record of one process: all its releases and the compiled release ocdsmerge makes of them."""
    demand = demands_for_releases([demand_id]).get(demand_id)
    if demand is None:
        return None
    releases = demand_releases(demand)
    package = _envelope(uri)
    package["records"] = [
        {
            "ocid": ocid_for(demand.pk),
            "releases": releases,
            "compiledRelease": merger().create_compiled_release(releases),
        }
    ]
    return package
