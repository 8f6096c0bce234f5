"""Celery tasks: thin wrappers over the outbox services, safe to run twice (claims are compare-and-set)."""

from __future__ import annotations

import logging

from celery import shared_task

from search.backends import SearchUnavailable
from search.services import outbox_prune, outbox_sync

logger = logging.getLogger(__name__)

MAX_RETRIES = 6


@shared_task(name="search.sync_pending", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def sync_pending(self) -> int:
    """Index what the outbox holds; kicked after each commit that marks rows."""
    try:
        return outbox_sync().rows
    except SearchUnavailable as exc:
        if self.request.is_eager:
            # Inline (embedded) mode has no delayed retry; the rows stay pending for the sweep.
            logger.warning("search: sync failed, rows stay pending: %s", exc)
            return 0
        # 30 s, 1 min, 2 min ... 16 min: an outage delays indexing, the sweep covers anything beyond.
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task(name="search.sweep_pending", acks_late=True)
def sweep_pending() -> int:
    """Periodic safety net: index anything still pending (lost kicks, outages, crashed workers)."""
    try:
        rows = outbox_sync().rows
    except SearchUnavailable as exc:
        logger.warning("search: sweep could not index, will try again next run: %s", exc)
        return 0
    outbox_prune()
    return rows
