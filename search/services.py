"""Keeping the search indexes fresh: the outbox, its sync, rebuilds.

Other apps call ``index_mark`` inside the transaction that changes a product or demand. The outbox row commits
with the change or not at all; a sync task is kicked after commit, and the periodic sweep indexes whatever a
lost task or an unreachable backend left pending. Nothing depends on the broker or Elasticsearch being up.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config.exceptions import ApplicationError
from search.backends import SearchUnavailable, get_backend, index_backends
from search.backends.base import RebuildReport, SearchBackend
from search.documents import KINDS
from search.models import SearchEntry, SearchOutbox

logger = logging.getLogger(__name__)

SYNC_BATCH = 500
# Rows that failed on an unreachable backend wait this long before a sync claims them again.
SYNC_RETRY_DELAY = datetime.timedelta(seconds=60)
# Outbox rows stay after indexing for this long so a rebuild can replay what changed while it ran.
OUTBOX_RETENTION = datetime.timedelta(days=2)
# A transaction that began before a rebuild started may commit after the rebuild read its rows; its outbox
# rows then carry a creation time slightly before the start. Replaying this much earlier covers it.
REPLAY_MARGIN = datetime.timedelta(minutes=10)


def _lease() -> datetime.timedelta:
    return getattr(settings, "SEARCH_STALE_AFTER", datetime.timedelta(minutes=5))


def index_mark(*, kind: str, ids: Iterable[int]) -> None:
    """Record, in the caller's transaction, that rows of ``kind`` ("products" or "demands") need (re)indexing."""
    if kind not in KINDS:
        raise ValueError(f"unknown search kind {kind!r}")
    object_ids = list(dict.fromkeys(int(i) for i in ids))
    if not object_ids:
        return
    SearchOutbox.objects.bulk_create([SearchOutbox(kind=kind, object_id=i) for i in object_ids])
    _schedule_sync()


def index_mark_category_subtree(*, path: str) -> None:
    """Record that every indexed product and demand of the category at ``path`` and below needs re-indexing.

    For a category that moved (its documents carry the old path) or was renamed. Rows that are not indexed need
    nothing: their documents are read fresh when they are.
    """
    in_subtree = Q(category_path=path) | Q(category_path__startswith=f"{path}/")
    for kind in KINDS:
        index_mark(kind=kind, ids=SearchEntry.objects.filter(in_subtree, kind=kind).values_list("object_id", flat=True))


def _schedule_sync() -> None:
    connection = transaction.get_connection()
    # One kick per transaction is enough: the sync takes every pending row.
    if connection.in_atomic_block and any(func is _kick_sync for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_kick_sync)


def _kick_sync() -> None:
    from search.tasks import sync_pending

    try:
        sync_pending.delay()
    except Exception:  # the broker being down (any error type) must never fail the caller's committed write
        logger.warning("search: could not queue search.sync_pending; the periodic sweep will index", exc_info=True)


@dataclass
class SyncReport:
    indexed: dict[str, int] = field(default_factory=dict)
    rows: int = 0


def search_index_objects(*, kind: str, ids: Iterable[int], backends: list[SearchBackend] | None = None) -> None:
    """Bring every index in line with the database for ``ids`` (index searchable rows, remove the others)."""
    object_ids = list(dict.fromkeys(ids))
    for backend in backends if backends is not None else index_backends():
        backend.index(kind, object_ids)


def _claim(limit: int) -> tuple[uuid.UUID, list[tuple[int, str, int]]]:
    """Claim up to ``limit`` pending rows with a lease; rows claimed by a live worker are skipped."""
    now = timezone.now()
    token = uuid.uuid4()
    claimable = Q(indexed_at__isnull=True) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    with transaction.atomic():
        candidates = list(
            SearchOutbox.objects.select_for_update(skip_locked=True)
            .filter(claimable)
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        if candidates:
            # Compare-and-set: only rows still claimable get our token, whatever happened since the select.
            SearchOutbox.objects.filter(claimable, id__in=candidates).update(
                claim_token=token, claimed_until=now + _lease(), attempts=F("attempts") + 1
            )
    rows = list(SearchOutbox.objects.filter(claim_token=token).values_list("id", "kind", "object_id"))
    return token, rows


def outbox_sync(*, batch_size: int = SYNC_BATCH, max_batches: int | None = None) -> SyncReport:
    """Index pending outbox rows in batches until none is left.

    Each batch goes to the database index first, then to the configured backend. When that backend is
    unreachable the batch stays pending (error recorded, retried after ``SYNC_RETRY_DELAY``) and the sync goes
    on with the next batch, so the database index (the fallback) is complete; SearchUnavailable is raised at
    the end for the caller's retry.
    """
    report = SyncReport()
    batches = 0
    failure: SearchUnavailable | None = None
    while max_batches is None or batches < max_batches:
        token, rows = _claim(batch_size)
        if not rows:
            break
        batches += 1
        by_kind: dict[str, list[int]] = defaultdict(list)
        for _, kind, object_id in rows:
            by_kind[kind].append(object_id)
        claimed = SearchOutbox.objects.filter(claim_token=token, indexed_at__isnull=True)
        try:
            for backend in index_backends():
                for kind, ids in by_kind.items():
                    search_index_objects(kind=kind, ids=ids, backends=[backend])
        except SearchUnavailable as exc:
            claimed.update(
                claim_token=None,
                claimed_until=timezone.now() + SYNC_RETRY_DELAY,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            failure = exc
            continue
        except Exception as exc:
            # A fault in our own code: release the rows at once and let it surface.
            claimed.update(claim_token=None, claimed_until=None, last_error=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        claimed.update(indexed_at=timezone.now(), claimed_until=None, last_error="")
        report.rows += len(rows)
        for kind, ids in by_kind.items():
            report.indexed[kind] = report.indexed.get(kind, 0) + len(set(ids))
    if failure is not None:
        raise failure
    return report


def outbox_prune(*, older_than: datetime.timedelta = OUTBOX_RETENTION) -> int:
    """Delete indexed rows past the retention; returns how many."""
    deleted, _ = SearchOutbox.objects.filter(
        indexed_at__isnull=False, indexed_at__lt=timezone.now() - older_than
    ).delete()
    return deleted


def _changed_since(kind: str, since: datetime.datetime) -> list[int]:
    return list(
        SearchOutbox.objects.filter(Q(created_at__gte=since) | Q(indexed_at__isnull=True), kind=kind)
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
    "SearchUnavailable",
    "SyncReport",
    "index_mark",
    "outbox_prune",
    "outbox_sync",
    "search_index_ensure",
    "search_index_objects",
    "search_index_rebuild",
]
