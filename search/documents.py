"""What the search indexes hold, read from the database: one ``SearchDocument`` per searchable row.

Both backends index these documents, so a product is described once. The apps that own the rows build them
(``catalog/search.py``, ``procurement/search.py``, registered in ``search.registry``). Only published products and
open demands produce a document; an id without one is removed from the indexes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from search.registry import provinces, source
from search.tokenizer import Synonyms, synonyms_from_file

# The kinds the indexes are laid out for (Elasticsearch mappings, the database index's columns); the apps that own
# them register how to read them.
KINDS = ("products", "demands")


def province_codes() -> tuple[str, ...]:
    """Bit positions of the province mask (SearchEntry.province_mask), in the registered province order."""
    return tuple(code for code, _zh, _en in provinces())


def province_bits() -> dict[str, int]:
    return {code: bit for bit, code in enumerate(province_codes())}


def province_mask(codes: list[str]) -> int:
    bits = province_bits()
    mask = 0
    for code in codes:
        if code in bits:
            mask |= 1 << bits[code]
    return mask


@dataclass
class SearchDocument:
    kind: str
    id: int
    title_zh: str
    title_en: str = ""
    model_number: str = ""
    description_zh: str = ""
    description_en: str = ""
    category_id: int | None = None
    category_path: str = ""
    category_names: list[str] = field(default_factory=list)
    # manufacturer for products, institution for demands
    organization_id: int | None = None
    organization_names: list[str] = field(default_factory=list)
    is_domestic: bool | None = None
    provinces: list[str] = field(default_factory=list)
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    budget: Decimal | None = None
    deadline: datetime.date | None = None
    sort_date: datetime.datetime | None = None
    status: str = ""
    # parameter key -> canonical value(s): float, (min, max), str or bool
    specifications: dict[str, Any] = field(default_factory=dict)


def synonyms() -> Synonyms:
    return synonyms_from_file(str(settings.SEARCH_SYNONYMS_FILE))


def documents_for(kind: str, ids: Sequence[int]) -> list[SearchDocument]:
    return source(kind).documents(ids)


def searchable_ids(kind: str, *, by_category: bool = False) -> Iterator[int]:
    """Every id of ``kind`` that belongs in the index, in id order or category order (streamed, for rebuilds)."""
    order = ("category__path", "id") if by_category else ("id",)
    return source(kind).searchable().order_by(*order).values_list("id", flat=True).iterator(chunk_size=5000)


def searchable_count(kind: str) -> int:
    return source(kind).searchable().count()


def display_texts(kind: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The text a result shows (for highlighting), read from the source rows of one page."""
    return source(kind).display_texts(ids)
