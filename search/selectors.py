"""The search interface every page and API uses, and read-only views of the indexing state."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from changes.models import ChangeDelivery
from search.backends import SearchUnavailable, database_backend, get_backend, index_backends
from search.backends.base import SORTS, BackendResult
from search.documents import KINDS, searchable_count
from search.query import SearchQuery
from search.registry import CONSUMER, facet_labels, source
from search.registry import category_path as registered_category_path

logger = logging.getLogger(__name__)

# After the configured backend fails, searches go straight to the database for this long instead of waiting
# on a dead cluster's timeout again with every request.
CIRCUIT_OPEN_SECONDS = 30
# Internal callers (matching, list pages) may ask for long pages; the API allows 100.
MAX_PAGE_SIZE = 1000
# No result set is this deep; the cap keeps the offset of a typed-in `?page=` inside PostgreSQL's bigint.
MAX_PAGE = 1_000_000
_CIRCUIT_KEY = "search:backend-down:{}"


@dataclass
class SearchResult:
    ids: list[int]
    total: int
    # facet name -> [(value, label, count)], most frequent first
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    # row id -> field name -> fragments with matches wrapped in <mark>
    highlights: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    backend: str = "database"
    # True when the configured backend failed and the database answered instead
    degraded: bool = False
    # False when a very broad match was sampled: total and facet counts are then estimates
    total_is_exact: bool = True


def search(query: SearchQuery) -> SearchResult:
    """Ordered ids of one page of results, with total, facets and highlights; rows are loaded by the caller."""
    if query.kind not in KINDS:
        raise ValueError(f"unknown search kind {query.kind!r}")
    if query.sort not in SORTS[query.kind]:
        raise ValueError(f"unknown sort {query.sort!r} for {query.kind}")
    # Backends assume a sane window; callers that skipped validation get the nearest one, not a SQL error.
    page = min(max(1, int(query.page)), MAX_PAGE)
    page_size = min(max(1, int(query.page_size)), MAX_PAGE_SIZE)
    if (page, page_size) != (query.page, query.page_size):
        query = replace(query, page=page, page_size=page_size)
    category_path = registered_category_path(query.filters.get("category"))
    backend = get_backend()
    degraded = False
    raw: BackendResult | None = None
    if backend.name != "database" and cache.get(_CIRCUIT_KEY.format(backend.name)):
        degraded = True
    elif backend.name != "database":
        try:
            raw = backend.search(query, category_path=category_path)
        except SearchUnavailable:
            logger.warning("search: %s failed; answering from the database", backend.name, exc_info=True)
            cache.set(_CIRCUIT_KEY.format(backend.name), True, CIRCUIT_OPEN_SECONDS)
            degraded = True
    if raw is None:
        backend = database_backend()
        raw = backend.search(query, category_path=category_path)
    return SearchResult(
        ids=raw.ids,
        total=raw.total,
        facets=_labelled_facets(raw.facets),
        highlights=raw.highlights,
        backend=backend.name,
        degraded=degraded,
        total_is_exact=raw.total_is_exact,
    )


def search_matching_ids(kind: str, text: str) -> QuerySet[Any, Any]:
    """Every id of ``kind`` whose indexed text holds every word of ``text``, as a subquery for ``pk__in``: no page
    and no cap, for lists that filter and order in the database themselves.

    It reads the database index, which the outbox keeps whatever backend answers searches (Elasticsearch's result
    window would cap it again), with the tokens ``search`` matches.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown search kind {kind!r}")
    return database_backend().matching_ids(kind, text)


# Values shown per facet (the backends' limit too).
FACET_LIMIT = 30


def facets_from_counts(counts: dict[str, dict[str, int]]) -> dict[str, list[tuple[str, str, int]]]:
    """Facet counts a list page computed from the database itself (browsing, no words), most frequent first and
    labelled like search results' facets: {name: {value: count}} -> {name: [(value, label, count)]}."""
    ordered = {
        name: [
            (str(value), count)
            for value, count in sorted(values.items(), key=lambda item: (-item[1], str(item[0])))[:FACET_LIMIT]
            if value not in (None, "")
        ]
        for name, values in counts.items()
    }
    return _labelled_facets(ordered)


def _labelled_facets(facets: dict[str, list[tuple[str, int]]]) -> dict[str, list[tuple[str, str, int]]]:
    labels: dict[str, dict[str, str]] = {}
    for name, values in facets.items():
        resolve = facet_labels(name)
        labels[name] = resolve([v for v, _count in values]) if resolve is not None and values else {}
    if "domestic" in facets:
        labels["domestic"] = {"true": _("Domestic"), "false": _("Imported")}
    return {
        name: [(value, labels[name].get(value, value), count) for value, count in values]
        for name, values in facets.items()
    }


def search_rows(kind: str, ids: list[int]) -> list[Any]:
    """The rows for ``ids`` in that order, with what result lists show already joined."""
    rows = source(kind).rows(ids)
    return [rows[i] for i in ids if i in rows]


@dataclass
class KindStatus:
    kind: str
    pending: int
    # claimed by a worker whose lease ran out (it crashed or hangs)
    stale_claims: int
    failing: int
    oldest_pending_at: Any
    database_count: int
    # backend name -> documents in that index, or None when the backend cannot be reached
    index_counts: dict[str, int | None]

    def differences(self) -> dict[str, int | None]:
        return {
            name: None if count is None else count - self.database_count for name, count in self.index_counts.items()
        }


def outbox_status() -> list[KindStatus]:
    """Pending work and index-versus-database counts, per kind."""
    now = timezone.now()
    pending = ChangeDelivery.objects.filter(consumer=CONSUMER, done_at__isnull=True)
    stats = {
        row["change__entity"]: row
        for row in pending.values("change__entity").annotate(
            pending=Count("id"),
            stale=Count("id", filter=Q(claimed_until__lt=now)),
            failing=Count("id", filter=~Q(last_error="")),
            oldest=Min("change__created_at"),
        )
    }
    backends = index_backends()
    result = []
    for kind in KINDS:
        counts: dict[str, int | None] = {}
        for backend in backends:
            try:
                counts[backend.name] = backend.count(kind)
            except SearchUnavailable:
                counts[backend.name] = None
        row = stats.get(source(kind).entity, {})
        result.append(
            KindStatus(
                kind=kind,
                pending=row.get("pending", 0),
                stale_claims=row.get("stale", 0),
                failing=row.get("failing", 0),
                oldest_pending_at=row.get("oldest"),
                database_count=searchable_count(kind),
                index_counts=counts,
            )
        )
    return result
