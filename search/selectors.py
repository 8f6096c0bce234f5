"""The search interface every page and API uses. (Minimal database version; the search work replaces the body
but keeps these signatures.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

KINDS = ("products", "demands")


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


@dataclass
class SearchResult:
    ids: list[int]
    total: int
    # facet name -> [(value, label, count)], most frequent first
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    # row id -> field name -> fragments with matches wrapped in <mark>
    highlights: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    backend: str = "database"
    # True when the configured backend failed and the database answered instead
    degraded: bool = False


def search(query: SearchQuery) -> SearchResult:
    if query.kind == "products":
        ids = _product_ids(query)
    elif query.kind == "demands":
        ids = _demand_ids(query)
    else:
        raise ValueError(f"unknown search kind {query.kind!r}")
    start = (query.page - 1) * query.page_size
    return SearchResult(ids=ids[start : start + query.page_size], total=len(ids))


def _subtree(category_id: int) -> Q:
    from catalog.models import Category

    path = Category.objects.filter(pk=category_id).values_list("path", flat=True).first() or "-"
    return Q(category__path=path) | Q(category__path__startswith=path + "/")


def _product_ids(query: SearchQuery) -> list[int]:
    from catalog.models import Product

    qs = Product.objects.filter(status=Product.Status.PUBLISHED)
    f = query.filters
    if f.get("category"):
        qs = qs.filter(_subtree(f["category"]))
    if f.get("is_domestic") is not None:
        qs = qs.filter(is_domestic=f["is_domestic"])
    if f.get("province"):
        qs = qs.filter(provinces_served__code=f["province"])
    if f.get("manufacturer"):
        qs = qs.filter(manufacturer_id=f["manufacturer"])
    if f.get("price_min") is not None:
        qs = qs.filter(price_max__gte=f["price_min"])
    if f.get("price_max") is not None:
        qs = qs.filter(price_min__lte=f["price_max"])
    if query.text:
        t = query.text
        qs = qs.filter(
            Q(name_zh__icontains=t)
            | Q(name_en__icontains=t)
            | Q(model_number__icontains=t)
            | Q(description_zh__icontains=t)
            | Q(description_en__icontains=t)
        )
    return list(qs.order_by("id").values_list("id", flat=True).distinct())


def _demand_ids(query: SearchQuery) -> list[int]:
    from procurement.models import Demand

    qs = Demand.objects.filter(status=Demand.Status.OPEN)
    f = query.filters
    if f.get("category"):
        qs = qs.filter(_subtree(f["category"]))
    if f.get("province"):
        qs = qs.filter(delivery_province__code=f["province"])
    if f.get("budget_min") is not None:
        qs = qs.filter(budget__gte=f["budget_min"])
    if f.get("budget_max") is not None:
        qs = qs.filter(budget__lte=f["budget_max"])
    if f.get("deadline_after"):
        qs = qs.filter(deadline__gte=f["deadline_after"])
    if f.get("deadline_before"):
        qs = qs.filter(deadline__lte=f["deadline_before"])
    if query.text:
        t = query.text
        qs = qs.filter(Q(title__icontains=t) | Q(description__icontains=t))
    return list(qs.order_by("id").values_list("id", flat=True).distinct())
