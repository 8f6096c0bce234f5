"""What the domain apps tell search, in their ``AppConfig.ready``: how to read each kind's documents and rows,
how to label facet values, where a category sits in the tree, and the provinces.

Search never imports a domain app; its documents live with the models they describe (``catalog/search.py``,
``procurement/search.py``), as the outbox consumer and the backends only ask this registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from search.documents import SearchDocument


@dataclass(frozen=True)
class DocumentSource:
    kind: str
    # The change outbox's entity for rows of this kind.
    entity: str
    # Documents for the searchable ids among ``ids`` (the others are removed from the indexes).
    documents: Callable[[Sequence[int]], list[SearchDocument]]
    # The searchable rows (a queryset with ``id`` and ``category__path``), counted and streamed for rebuilds.
    searchable: Callable[[], QuerySet[Any]]
    # The text a result shows, for highlighting: dicts with "id" and the text fields.
    display_texts: Callable[[Sequence[int]], list[dict[str, Any]]]
    # Rows for result lists, with what they show joined: id -> row.
    rows: Callable[[Sequence[int]], dict[int, Any]]


# Search's name as a consumer of the change outbox.
CONSUMER = "search"
# The outbox entity of a category that moved or was renamed (recorded by catalog): the change's category_path is
# the path it had before, and every indexed row at or below that path is indexed again.
CATEGORY_ENTITY = "category"

_SOURCES: dict[str, DocumentSource] = {}
_FACET_LABELS: dict[str, Callable[[list[str]], dict[str, str]]] = {}
_CATEGORY_PATH: list[Callable[[Any], str | None]] = []
# (code, Chinese name, English name); a code's position is its bit in the database index's province mask.
_PROVINCES: list[tuple[str, str, str]] = []


def register_documents(source: DocumentSource) -> None:
    _SOURCES[source.kind] = source


def source(kind: str) -> DocumentSource:
    try:
        return _SOURCES[kind]
    except KeyError:
        raise ValueError(f"unknown search kind {kind!r}") from None


def source_for_entity(entity: str) -> DocumentSource | None:
    return next((s for s in _SOURCES.values() if s.entity == entity), None)


def entities() -> list[str]:
    return [*(s.entity for s in _SOURCES.values()), CATEGORY_ENTITY]


def register_facet_labels(name: str, labels: Callable[[list[str]], dict[str, str]]) -> None:
    """``labels(values)`` names facet values in the active language."""
    _FACET_LABELS[name] = labels


def facet_labels(name: str) -> Callable[[list[str]], dict[str, str]] | None:
    return _FACET_LABELS.get(name)


def register_category_path(resolve: Callable[[Any], str | None]) -> None:
    """``resolve(category_id)`` gives the category's path, or None for an unknown category."""
    _CATEGORY_PATH[:] = [resolve]


def category_path(category_id: Any) -> str | None:
    if category_id in (None, "") or not _CATEGORY_PATH:
        return None
    return _CATEGORY_PATH[0](category_id)


def register_provinces(provinces: Iterable[tuple[str, str, str]]) -> None:
    """The province list. It is a fixed list (GB/T 2260); should it grow, new codes are appended, never
    inserted, or the database index needs a rebuild."""
    _PROVINCES[:] = list(provinces)


def provinces() -> list[tuple[str, str, str]]:
    return list(_PROVINCES)
