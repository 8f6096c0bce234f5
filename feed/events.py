"""The one shape of a public change, served by the feed and posted to webhooks (documented in the README)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from django.urls import reverse

from feed.models import FeedEntry

# entity -> (API detail route, page route)
ROUTES: dict[str, tuple[str, str]] = {
    "product": ("api:product-detail", "catalog:product-detail"),
    "demand": ("api:demand-detail", "procurement:demand-detail"),
    "report": ("api:report-detail", "matching:report-detail"),
}
_PLACEHOLDER = 987654321987


@cache
def _url_template(route: str) -> tuple[str, str]:
    """A route's path split around its pk: reversing once, not once per entry (a page holds 1,000)."""
    head, _sep, tail = reverse(route, kwargs={"pk": _PLACEHOLDER}).partition(str(_PLACEHOLDER))
    return head, tail


def _url(base: str, route: str, pk: int) -> str:
    head, tail = _url_template(route)
    return f"{base}{head}{pk}{tail}"


def event_payload(entry: FeedEntry, *, base_url: str) -> dict[str, Any]:
    """``base_url``: scheme and host the links start with (no trailing slash)."""
    api_route, page_route = ROUTES[entry.entity]
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "entity": entry.entity,
        "object_id": entry.object_id,
        "time": entry.occurred_at.isoformat().replace("+00:00", "Z"),
        "url": _url(base_url, api_route, entry.object_id),
        "html_url": _url(base_url, page_route, entry.object_id),
    }


def event_payloads(entries: Iterable[FeedEntry], *, base_url: str) -> list[dict[str, Any]]:
    return [event_payload(entry, base_url=base_url) for entry in entries]
