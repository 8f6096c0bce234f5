"""The one shape of a public change, served by the feed and posted to webhooks (documented in the README)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import cache
from typing import Any, NamedTuple

from django.urls import reverse

from feed.models import FeedEntry

# entity -> (API detail route, page route)
ROUTES: dict[str, tuple[str, str]] = {
    "product": ("api:product-detail", "catalog:product-detail"),
    "demand": ("api:demand-detail", "procurement:demand-detail"),
    "report": ("api:report-detail", "matching:report-detail"),
    "award": ("api:award-detail", "procurement:award-detail"),
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


class EntryRow(NamedTuple):
    """The columns of a feed entry an event is made of (a page reads only these, as tuples)."""

    id: int
    kind: str
    entity: str
    object_id: int
    occurred_at: datetime.datetime


ENTRY_COLUMNS = EntryRow._fields


def _time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def event_payload(entry: FeedEntry | EntryRow, *, base_url: str) -> dict[str, Any]:
    """``base_url``: scheme and host the links start with (no trailing slash)."""
    api_route, page_route = ROUTES[entry.entity]
    return {
        "id": entry.pk if isinstance(entry, FeedEntry) else entry.id,
        "kind": entry.kind,
        "entity": entry.entity,
        "object_id": entry.object_id,
        "time": _time(entry.occurred_at),
        "url": _url(base_url, api_route, entry.object_id),
        "html_url": _url(base_url, page_route, entry.object_id),
    }


def event_payloads(entries: Iterable[EntryRow], *, base_url: str) -> list[dict[str, Any]]:
    """The events of a page of rows: ``event_payload`` of each, with the link templates looked up once per page."""
    links = {}
    for entity, (api_route, page_route) in ROUTES.items():
        api_head, api_tail = _url_template(api_route)
        page_head, page_tail = _url_template(page_route)
        links[entity] = (base_url + api_head, api_tail, base_url + page_head, page_tail)
    utc = datetime.UTC
    events = []
    for pk, kind, entity, object_id, occurred_at in entries:
        api_head, api_tail, page_head, page_tail = links[entity]
        events.append(
            {
                "id": pk,
                "kind": kind,
                "entity": entity,
                "object_id": object_id,
                "time": occurred_at.astimezone(utc).isoformat().replace("+00:00", "Z"),
                "url": f"{api_head}{object_id}{api_tail}",
                "html_url": f"{page_head}{object_id}{page_tail}",
            }
        )
    return events
