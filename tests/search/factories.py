"""Helpers for search tests: rows from the shared factories, indexed through the outbox like real writes."""

from __future__ import annotations

from typing import Any

from search.services import index_mark, outbox_sync


def index_now(kind: str, *rows: Any) -> None:
    """Mark ``rows`` as changed and run the sync, as a committed service call followed by the task would."""
    index_mark(kind=kind, ids=[row.pk for row in rows])
    outbox_sync()
