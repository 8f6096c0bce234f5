"""Which saved searches a product or demand meets: the search run backwards, in the database.

A saved search is compiled when it is saved into what the database search backend would run: the tsquery of its
words and exact-value filters (``search.backends.database``'s own lexemes) and its range filters. A document is
then tested against every saved search of its kind in one SQL statement (its tsvector ``@@`` each stored
tsquery), so it meets a saved search exactly when that search would list it. Elsewhere than PostgreSQL (the
embedded SQLite platform) the same rules run in Python over the tokenizer's output. The Elasticsearch backend
percolates instead (``alerts.es_percolator``), with the very query its search sends.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from alerts.models import SavedSearch
from search.backends.database import entry_from_document, filter_tokens
from search.documents import SearchDocument
from search.registry import category_path as registered_category_path
from search.selectors import SearchQuery
from search.tokenizer import query_tokens, tsquery

# Filters stored as text in ``SavedSearch.filters`` and the type they are read back as.
_DECIMALS = ("price_min", "price_max", "budget_min", "budget_max")
_DATES = ("deadline_after", "deadline_before")
_INTEGERS = ("category", "manufacturer")


def stored_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """Validated filter values as JSON (decimals and dates as text), in a stable key order."""
    stored: dict[str, Any] = {}
    for name in sorted(filters):
        value = filters[name]
        if value is None or value == "":
            continue
        if isinstance(value, Decimal):
            value = format(value, "f")
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        stored[name] = value
    return stored


def loaded_filters(stored: dict[str, Any]) -> dict[str, Any]:
    """``stored_filters`` read back as the search's own types."""
    values: dict[str, Any] = {}
    for name, value in stored.items():
        if name in _DECIMALS:
            values[name] = Decimal(str(value))
        elif name in _DATES:
            values[name] = datetime.date.fromisoformat(str(value))
        elif name in _INTEGERS:
            values[name] = int(value)
        elif name == "is_domestic":
            values[name] = bool(value)
        else:
            values[name] = str(value)
    return values


def search_query(saved: SavedSearch) -> SearchQuery:
    """The search a saved search stands for, as the search page and API would run it."""
    return SearchQuery(kind=saved.kind, text=saved.text, filters=loaded_filters(saved.filters or {}))


# The columns ``compile_saved_search`` fills (what a bulk recompile writes back).
COMPILED_FIELDS = ("tsquery", "category_path", "matches_nothing", *_DECIMALS, *_DATES)


def compile_saved_search(saved: SavedSearch, *, category_paths: dict[str, str] | None = None) -> None:
    """Fill the percolation columns of ``saved`` from its text and filters (the caller saves it).

    ``category_paths`` (category id as text -> path), when given, is where the category filter's path is read
    (a batch of saved searches compiled again reads the paths of their categories in one query)."""
    query = search_query(saved)
    f = query.filters
    category = f.get("category")
    if category_paths is not None and category not in (None, ""):
        path = category_paths.get(str(category), "")
    else:
        path = registered_category_path(category) or ""
    tokens = query_tokens(query.text)
    exact = filter_tokens(query, path or None)
    saved.category_path = path
    saved.matches_nothing = bool(query.text.strip() and not tokens) or (f.get("category") is not None and not path)
    saved.tsquery = tsquery([*tokens, *exact]) or None
    for name in (*_DECIMALS, *_DATES):
        setattr(saved, name, f.get(name))


# --- Evaluating documents --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    saved_search_id: int
    object_id: int


def percolate_database(kind: str, documents: Sequence[SearchDocument]) -> list[Hit]:
    """Every (saved search, document) pair where the saved search would list the document, by SQL."""
    if not documents:
        return []
    if connection.vendor != "postgresql":
        return _percolate_portable(kind, documents)
    entries = [entry_from_document(doc, postgres=True) for doc in documents]
    # The documents as one unnested row set; every saved search of the kind is tested against each in one scan.
    sql = f"""
        SELECT s.id, d.object_id
        FROM {SavedSearch._meta.db_table} s
        JOIN unnest(%s::bigint[], %s::tsvector[], %s::numeric[], %s::numeric[], %s::numeric[], %s::date[])
            AS d(object_id, vector, price_min, price_max, budget, deadline) ON TRUE
        WHERE s.kind = %s AND NOT s.matches_nothing
          AND (s.tsquery IS NULL OR d.vector @@ s.tsquery)
          AND (s.price_min IS NULL OR d.price_max >= s.price_min)
          AND (s.price_max IS NULL OR d.price_min <= s.price_max)
          AND (s.budget_min IS NULL OR d.budget >= s.budget_min)
          AND (s.budget_max IS NULL OR d.budget <= s.budget_max)
          AND (s.deadline_after IS NULL OR d.deadline >= s.deadline_after)
          AND (s.deadline_before IS NULL OR d.deadline <= s.deadline_before)
        ORDER BY d.object_id, s.id
    """
    params: list[Any] = [
        [e.object_id for e in entries],
        [e.vector or "" for e in entries],
        [e.price_min for e in entries],
        [e.price_max for e in entries],
        [e.budget for e in entries],
        [e.deadline for e in entries],
        kind,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Hit(saved_search_id=s, object_id=o) for s, o in cursor.fetchall()]


def _contains(terms: str, token: Any) -> bool:
    return (f" {token.text}" if token.prefix else f" {token.text} ") in terms


def document_meets(saved: SavedSearch, doc: SearchDocument) -> bool:
    """The database backend's portable (SQLite) rules for one document and one saved search."""
    if saved.matches_nothing or saved.kind != doc.kind:
        return False
    query = search_query(saved)
    f = query.filters
    entry = entry_from_document(doc, postgres=False)
    for token in query_tokens(query.text):
        if not any(_contains(terms, token) for terms in (entry.terms_title, entry.terms_meta, entry.terms_body)):
            return False
    path = saved.category_path
    if f.get("category") is not None and not (doc.category_path == path or doc.category_path.startswith(f"{path}/")):
        return False
    if f.get("province") and f["province"] not in doc.provinces:
        return False
    if doc.kind == "products":
        if f.get("is_domestic") is not None and doc.is_domestic is not f["is_domestic"]:
            return False
        if f.get("manufacturer") is not None and doc.organization_id != f["manufacturer"]:
            return False
    bounds = (
        ("price_min", doc.price_max, 1),
        ("price_max", doc.price_min, -1),
        ("budget_min", doc.budget, 1),
        ("budget_max", doc.budget, -1),
        ("deadline_after", doc.deadline, 1),
        ("deadline_before", doc.deadline, -1),
    )
    for name, value, sign in bounds:
        bound = f.get(name)
        if bound is None:
            continue
        if value is None or (value < bound if sign > 0 else value > bound):
            return False
    return True


def _percolate_portable(kind: str, documents: Sequence[SearchDocument]) -> list[Hit]:
    saved = list(SavedSearch.objects.filter(kind=kind, matches_nothing=False).order_by("id"))
    return [
        Hit(saved_search_id=s.pk, object_id=doc.id)
        for doc in sorted(documents, key=lambda d: d.id)
        for s in saved
        if document_meets(s, doc)
    ]
