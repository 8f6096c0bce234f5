"""What every search backend provides. Selectors and services talk to this interface only."""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from search.query import SearchQuery


class SearchUnavailable(Exception):
    """The backend could not be reached or failed to answer; callers fall back or retry later."""


# Filters each kind accepts (SearchQuery.filters keys) and the facets each kind offers.
FILTERS = {
    "products": ("category", "is_domestic", "province", "manufacturer", "price_min", "price_max"),
    "demands": ("category", "province", "budget_min", "budget_max", "deadline_after", "deadline_before"),
}
FACETS = {
    "products": ("category", "domestic", "province", "manufacturer"),
    "demands": ("category", "province"),
}

# Orders each kind accepts (SearchQuery.sort). "" is the default: products domestic first (an imported product
# never ranks above a domestic one unless the person asks for another order), then by relevance to the words,
# then newest first.
SORTS = {
    "products": ("", "newest", "price", "-price"),
    "demands": ("", "newest", "deadline", "-budget"),
}
RELEVANCE = "_relevance"
_SORT_FIELDS = {
    "price": ("price_min", "asc"),
    "-price": ("price_min", "desc"),
    "deadline": ("deadline", "asc"),
    "-budget": ("budget", "desc"),
}


def sort_plan(kind: str, sort: str) -> list[tuple[str, str]]:
    """The order of ``sort`` as (field, "asc"/"desc") pairs, empty values last, ``RELEVANCE`` standing for the
    backend's ranking of the words (skipped without words); every backend ends with the object id."""
    if sort not in SORTS[kind]:
        raise ValueError(f"unknown sort {sort!r} for {kind}")
    plan: list[tuple[str, str]] = []
    if kind == "products" and not sort:
        plan.append(("is_domestic", "desc"))
    if sort in _SORT_FIELDS:
        plan.append(_SORT_FIELDS[sort])
    if not sort:
        plan.append((RELEVANCE, "desc"))
    plan.append(("sort_date", "desc"))
    return plan


@dataclass
class BackendResult:
    ids: list[int]
    total: int
    # facet name -> [(raw value, count)], most frequent first; labels are added by the selector
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    highlights: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    # False when the total (and the facet counts) are estimated from a sample of a very broad match
    total_is_exact: bool = True


@dataclass
class RebuildReport:
    kind: str
    indexed: int
    replayed: int
    index_name: str = ""


class SearchBackend(abc.ABC):
    name: str

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise SearchUnavailable when the backend cannot serve searches."""

    @abc.abstractmethod
    def search(self, query: SearchQuery, *, category_path: str | None = None) -> BackendResult:
        """Ordered ids of one page, the total, facet counts and highlights.

        ``category_path`` is the resolved path of ``query.filters["category"]`` (the subtree to search).
        """

    @abc.abstractmethod
    def index(self, kind: str, ids: Sequence[int]) -> None:
        """Bring the index in line with the database for ``ids``: index searchable rows, remove the rest."""

    @abc.abstractmethod
    def delete(self, kind: str, ids: Sequence[int]) -> None:
        """Remove ``ids`` from the index (missing ids are fine)."""

    @abc.abstractmethod
    def count(self, kind: str) -> int:
        """How many documents of ``kind`` the index holds."""

    @abc.abstractmethod
    def rebuild(
        self, kind: str, *, replay: Callable[[], Sequence[int]], progress: Any = None, cluster: bool = False
    ) -> RebuildReport:
        """Index every searchable row from scratch; then index the ids ``replay()`` returns (changes made
        while the rebuild ran). ``cluster`` asks for a physical reordering where the backend has one."""

    def has_index(self, kind: str) -> bool:
        """Whether the index for ``kind`` exists. The database index is a table made by migrations: always."""
        return True

    def top_facet_values(self, values: dict[Any, int], limit: int) -> list[tuple[str, int]]:
        ordered = sorted(values.items(), key=lambda item: (-item[1], str(item[0])))
        return [(str(value), count) for value, count in ordered[:limit] if value is not None and value != ""]
