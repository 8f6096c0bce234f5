"""The product documents search indexes, registered with search in ``CatalogConfig.ready``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from catalog.models import Category, Product, Specification
from search.documents import SearchDocument
from search.registry import DocumentSource, register_category_path, register_documents, register_facet_labels


def _specifications(product_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each product's specification values by parameter key, read as plain rows (no model instances)."""
    values: dict[int, dict[str, Any]] = defaultdict(dict)
    rows = Specification.objects.filter(product_id__in=product_ids).values_list(
        "product_id", "parameter__key", "value", "value_min", "value_max", "value_text", "value_bool"
    )
    for product_id, key, value, value_min, value_max, value_text, value_bool in rows:
        if value is not None:
            values[product_id][key] = value
        elif value_min is not None or value_max is not None:
            values[product_id][key] = (value_min, value_max)
        elif value_text:
            values[product_id][key] = value_text
        elif value_bool is not None:
            values[product_id][key] = value_bool
    return values


def _provinces(product_ids: Sequence[int]) -> dict[int, list[str]]:
    codes: dict[int, list[str]] = defaultdict(list)
    through = Product.provinces_served.through
    for product_id, code in through.objects.filter(product_id__in=product_ids).values_list("product_id", "province_id"):
        codes[product_id].append(code)
    return codes


def _searchable() -> QuerySet[Product]:
    return Product.objects.filter(status=Product.Status.PUBLISHED)


def product_documents(ids: Sequence[int]) -> list[SearchDocument]:
    products = list(
        _searchable()
        .filter(pk__in=list(ids))
        .select_related("category", "manufacturer")
        .only(
            "name_zh",
            "name_en",
            "model_number",
            "description_zh",
            "description_en",
            "is_domestic",
            "price_min",
            "price_max",
            "published_at",
            "created_at",
            "status",
            "category",
            "manufacturer",
            "category__path",
            "category__name_zh",
            "category__name_en",
            "manufacturer__name_zh",
            "manufacturer__name_en",
        )
        .order_by("id")
    )
    found = [p.pk for p in products]
    specifications, provinces = _specifications(found), _provinces(found)
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
            provinces=sorted(provinces.get(p.pk, [])),
            price_min=p.price_min,
            price_max=p.price_max,
            sort_date=p.published_at or p.created_at,
            status=p.status,
            specifications=specifications.get(p.pk, {}),
        )
        for p in products
    ]


def _display_texts(ids: Sequence[int]) -> list[dict[str, Any]]:
    rows = Product.objects.filter(pk__in=list(ids))
    return [dict(row) for row in rows.values("id", "name_zh", "name_en", "description_zh", "description_en")]


def _rows(ids: Sequence[int]) -> dict[int, Any]:
    return Product.objects.select_related("category", "manufacturer").in_bulk(list(ids))


def _category_labels(values: list[str]) -> dict[str, str]:
    ids = [int(v) for v in values if v.isascii() and v.isdigit()]
    return {str(c.pk): c.name for c in Category.objects.filter(pk__in=ids)}


def _category_path(category_id: Any) -> str | None:
    try:
        pk = int(category_id)
    except (TypeError, ValueError):
        return None
    return Category.objects.filter(pk=pk).values_list("path", flat=True).first()


def register() -> None:
    register_documents(
        DocumentSource(
            kind="products",
            entity="product",
            documents=product_documents,
            searchable=_searchable,
            display_texts=_display_texts,
            rows=_rows,
        )
    )
    register_facet_labels("category", _category_labels)
    register_category_path(_category_path)
