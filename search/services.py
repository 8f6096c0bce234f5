"""Keeping the search indexes fresh: the consumer of the change outbox, rebuilds.

Other apps record their changes with ``changes.services.change_record`` inside the transaction that makes them.
Search is one consumer of that outbox: it is kicked after commit, takes the changed products and demands in
batches and indexes them; the outbox's periodic sweep takes whatever a lost task or an unreachable backend left
pending. Nothing depends on the broker or Elasticsearch being up.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone

from changes.consume import ConsumeReport, changes_consume
from changes.models import Change
from changes.registry import RetryLater
from config.exceptions import ApplicationError
from search.backends import SearchUnavailable, get_backend, index_backends
from search.backends.base import RebuildReport, SearchBackend
from search.documents import KINDS
from search.models import SearchEntry
from search.registry import CATEGORY_ENTITY, CONSUMER, source, source_for_entity

SYNC_BATCH = 500
# A transaction that began before a rebuild started may commit after the rebuild read its rows; its outbox
# rows then carry a creation time slightly before the start. Replaying this much earlier covers it.
REPLAY_MARGIN = datetime.timedelta(minutes=10)


def search_index_objects(*, kind: str, ids: Iterable[int], backends: list[SearchBackend] | None = None) -> None:
    """Bring every index in line with the database for ``ids`` (index searchable rows, remove the others)."""
    object_ids = list(dict.fromkeys(ids))
    for backend in backends if backends is not None else index_backends():
        backend.index(kind, object_ids)


def search_consume(changes: Sequence[Change]) -> None:
    """The outbox consumer: index one batch of changed rows, the database index first, then the configured backend.

    A moved or renamed category brings every row indexed at or below its former path.

    An unreachable backend raises RetryLater: the batch stays pending (the database index, the fallback, already
    has it) and is retried.
    """
    by_kind: dict[str, list[int]] = defaultdict(list)
    moved_paths: list[str] = []
    for change in changes:
        found = source_for_entity(change.entity)
        if found is not None:
            by_kind[found.kind].append(change.object_id)
        elif change.entity == CATEGORY_ENTITY and change.category_path:
            moved_paths.append(change.category_path)
    for kind, object_id in _indexed_below(moved_paths):
        by_kind[kind].append(object_id)
    try:
        for backend in index_backends():
            for kind, ids in by_kind.items():
                search_index_objects(kind=kind, ids=ids, backends=[backend])
    except SearchUnavailable as exc:
        raise RetryLater(f"{type(exc).__name__}: {exc}") from exc


def _indexed_below(paths: Sequence[str]) -> list[tuple[str, int]]:
    """The indexed rows at or below these category paths (the database index holds every indexed row)."""
    if not paths:
        return []
    below = Q()
    for path in paths:
        below |= Q(category_path=path) | Q(category_path__startswith=f"{path}/")
    return list(SearchEntry.objects.filter(below).values_list("kind", "object_id"))


def search_sync(*, max_batches: int | None = None, batch_size: int | None = None) -> ConsumeReport:
    """Index every pending change now (the command line); raises RetryLater when a backend is unreachable."""
    return changes_consume(consumer_name=CONSUMER, max_batches=max_batches, batch_size=batch_size)


def _changed_since(kind: str, since: datetime.datetime) -> list[int]:
    pending = Q(deliveries__consumer=CONSUMER, deliveries__done_at__isnull=True)
    return list(
        Change.objects.filter(Q(created_at__gte=since) | pending, entity=source(kind).entity)
        .values_list("object_id", flat=True)
        .distinct()
    )


def search_index_rebuild(
    *, kind: str, backend: str | None = None, progress: Callable[[int], Any] | None = None, cluster: bool = False
) -> list[RebuildReport]:
    """Rebuild ``kind`` in every index (or only in ``backend``), replaying changes made while it ran.

    ``cluster`` also rewrites the database index in category order (PostgreSQL; briefly blocks searches).
    """
    if kind not in KINDS:
        raise ApplicationError(f"Unknown kind {kind!r}.", field="kind")
    targets = [b for b in index_backends() if backend in (None, b.name)]
    if not targets:
        raise ApplicationError(f"Backend {backend!r} is not in use.", field="backend")
    started = timezone.now()
    reports = []
    for target in targets:
        reports.append(
            target.rebuild(
                kind, replay=lambda: _changed_since(kind, started - REPLAY_MARGIN), progress=progress, cluster=cluster
            )
        )
    return reports


def search_index_ensure(*, kind: str, progress: Callable[[int], Any] | None = None) -> RebuildReport | None:
    """Build ``kind`` in the configured backend when it has no index yet; None when it has one.

    Only Elasticsearch can lack an index (first start, or a lost cluster). It is built by a full rebuild
    rather than left empty: an empty index would answer searches with nothing instead of failing over to the
    database, while the database may already hold rows (a restored backup). Running it again is a no-op.
    """
    if kind not in KINDS:
        raise ApplicationError(f"Unknown kind {kind!r}.", field="kind")
    backend = get_backend()
    if backend.has_index(kind):
        return None
    return search_index_rebuild(kind=kind, backend=backend.name, progress=progress)[0]


__all__ = [
    "CONSUMER",
    "SearchUnavailable",
    "search_consume",
    "search_index_ensure",
    "search_index_objects",
    "search_index_rebuild",
    "search_sync",
]
