"""What a search asks for: the one value every caller builds and every backend answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SearchQuery:
    """What to look for.

    ``filters`` for products: category (id, includes its subtree), is_domestic (bool), province (code served),
    manufacturer (id), price_min, price_max (CNY). For demands: category, province (delivery), budget_min,
    budget_max, deadline_after, deadline_before (dates). Only published products and open demands are searched.
    """

    kind: str
    text: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    facets: tuple[str, ...] = ()
    page: int = 1
    page_size: int = 20
    # One of search.backends.base.SORTS[kind]; "" is domestic first (products), then relevance, then newest.
    sort: str = ""
