"""Celery tasks: thin wrappers over the outbox's consuming service; a redelivered task finds nothing to do."""

from __future__ import annotations

import logging

from celery import shared_task

from changes.consume import changes_consume, changes_sweep
from changes.registry import RetryLater

logger = logging.getLogger(__name__)

MAX_RETRIES = 6


@shared_task(name="changes.consume", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def consume(self, consumer_name: str) -> int:
    """One consumer takes every pending change; kicked after each commit that records changes for it."""
    try:
        return changes_consume(consumer_name=consumer_name).changes
    except RetryLater as exc:
        if self.request.is_eager:
            # Inline (embedded) mode has no delayed retry; the changes stay pending for the sweep.
            logger.warning("changes: %s failed, changes stay pending: %s", consumer_name, exc)
            return 0
        # 30 s, 1 min, 2 min ... 16 min: an outage delays the work, the sweep covers anything beyond.
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task(name="changes.sweep", acks_late=True)
def sweep() -> dict[str, int]:
    """Periodic safety net: every consumer takes what is still pending."""
    return changes_sweep()
