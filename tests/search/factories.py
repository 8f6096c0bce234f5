"""Helpers for search tests: rows from the shared factories, indexed through the change outbox like real writes."""

from __future__ import annotations

from typing import Any

from changes.services import change_record
from search.services import search_sync

ENTITY = {"products": "product", "demands": "demand"}


def index_now(kind: str, *rows: Any) -> None:
    """Record ``rows`` as changed and let search take them, as a committed service call followed by the task would."""
    change_record(entity=ENTITY[kind], ids=[row.pk for row in rows])
    search_sync()
