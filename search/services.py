"""Keeping the search index fresh. (Interface placeholder: the search work fills it in.)"""

from __future__ import annotations

from collections.abc import Iterable


def index_mark(*, kind: str, ids: Iterable[int]) -> None:
    """Record, in the caller's transaction, that rows of ``kind`` ("products" or "demands") need (re)indexing."""
