"""What the search indexes hold, read from the database: one ``SearchDocument`` per searchable row.

Both backends index these documents, so a product is described once. Only published products and open
demands produce a document; an id without one is removed from the indexes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from accounts.regions import PROVINCES
from search.tokenizer import Synonyms, synonyms_from_file

KINDS = ("products", "demands")
# Bit positions of the province mask (SearchEntry.province_mask). GB/T 2260's province level is a fixed list;
# should it ever grow, new codes must be appended (never inserted) or the mask needs a rebuild.
PROVINCE_CODES: tuple[str, ...] = tuple(code for code, _zh, _en in PROVINCES)
PROVINCE_BITS = {code: bit for bit, code in enumerate(PROVINCE_CODES)}


def province_mask(codes: list[str]) -> int:
    mask = 0
    for code in codes:
        if code in PROVINCE_BITS:
            mask |= 1 << PROVINCE_BITS[code]
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


def _specifications(product: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in product.specifications.all():
        key = spec.parameter.key
        if spec.value is not None:
            values[key] = spec.value
        elif spec.value_min is not None or spec.value_max is not None:
            values[key] = (spec.value_min, spec.value_max)
        elif spec.value_text:
            values[key] = spec.value_text
        elif spec.value_bool is not None:
            values[key] = spec.value_bool
    return values


def product_documents(ids: Sequence[int]) -> list[SearchDocument]:
    from catalog.models import Product

    products = (
        Product.objects.filter(pk__in=list(ids), status=Product.Status.PUBLISHED)
        .select_related("category", "manufacturer")
        .prefetch_related("provinces_served", "specifications__parameter")
        .order_by("id")
    )
    return [
        SearchDocument(
            kind="products",
            id=p.pk,
            title_zh=p.name_zh,
            title_en=p.name_en,
            model_number=p.model_number,
            description_zh=p.description_zh,
            description_en=p.description_en,
            category_id=p.category_id,
            category_path=p.category.path,
            category_names=[p.category.name_zh, p.category.name_en],
            organization_id=p.manufacturer_id,
            organization_names=[p.manufacturer.name_zh, p.manufacturer.name_en],
            is_domestic=p.is_domestic,
            provinces=sorted(pr.code for pr in p.provinces_served.all()),
            price_min=p.price_min,
            price_max=p.price_max,
            sort_date=p.published_at or p.created_at,
            status=p.status,
            specifications=_specifications(p),
        )
        for p in products
    ]


def demand_documents(ids: Sequence[int]) -> list[SearchDocument]:
    from procurement.models import Demand

    demands = (
        Demand.objects.filter(pk__in=list(ids), status=Demand.Status.OPEN)
        .select_related("category", "institution")
        .order_by("id")
    )
    return [
        SearchDocument(
            kind="demands",
            id=d.pk,
            title_zh=d.title,
            description_zh="\n".join(x for x in (d.description, d.free_text_requirements) if x),
            category_id=d.category_id,
            category_path=d.category.path,
            category_names=[d.category.name_zh, d.category.name_en],
            organization_id=d.institution_id,
            organization_names=[d.institution.name_zh, d.institution.name_en],
            provinces=[d.delivery_province_id],
            budget=d.budget,
            deadline=d.deadline,
            sort_date=d.opened_at or d.created_at,
            status=d.status,
        )
        for d in demands
    ]


def documents_for(kind: str, ids: Sequence[int]) -> list[SearchDocument]:
    if kind == "products":
        return product_documents(ids)
    if kind == "demands":
        return demand_documents(ids)
    raise ValueError(f"unknown search kind {kind!r}")


def searchable_ids(kind: str, *, by_category: bool = False) -> Iterator[int]:
    """Every id of ``kind`` that belongs in the index, in id order or category order (streamed, for rebuilds)."""
    if kind == "products":
        from catalog.models import Product

        qs = Product.objects.filter(status=Product.Status.PUBLISHED)
    elif kind == "demands":
        from procurement.models import Demand

        qs = Demand.objects.filter(status=Demand.Status.OPEN)  # type: ignore[assignment]
    else:
        raise ValueError(f"unknown search kind {kind!r}")
    order = ("category__path", "id") if by_category else ("id",)
    return qs.order_by(*order).values_list("id", flat=True).iterator(chunk_size=5000)


def searchable_count(kind: str) -> int:
    if kind == "products":
        from catalog.models import Product

        return Product.objects.filter(status=Product.Status.PUBLISHED).count()
    from procurement.models import Demand

    return Demand.objects.filter(status=Demand.Status.OPEN).count()


def display_texts(kind: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The text a result shows (for highlighting), read from the source rows of one page."""
    if kind == "products":
        from catalog.models import Product

        products = Product.objects.filter(pk__in=list(ids))
        return [dict(row) for row in products.values("id", "name_zh", "name_en", "description_zh", "description_en")]
    from procurement.models import Demand

    return [dict(row) for row in Demand.objects.filter(pk__in=list(ids)).values("id", "title", "description")]
