"""The public catalog as an open-data download: its stable columns (documented in the README, one table per file).

Column keys are English snake_case and never translated, so machine readers can rely on row 1; names come in both
languages as their own columns.
"""

from __future__ import annotations

from catalog.models import Product
from catalog.tabular import Column
from config.api.links import detail_link


def product_columns(base_url: str) -> list[Column[Product]]:
    """``base_url``: scheme and host the ``url`` and ``html_url`` links start with."""
    api = detail_link(base_url, "api:product-detail")
    page = detail_link(base_url, "catalog:product-detail")
    return [
        Column("id", lambda p: p.pk),
        Column("model_number", lambda p: p.model_number),
        Column("name_zh", lambda p: p.name_zh),
        Column("name_en", lambda p: p.name_en),
        Column("category_code", lambda p: p.category.code),
        Column("category_name_zh", lambda p: p.category.name_zh),
        Column("category_name_en", lambda p: p.category.name_en),
        Column("manufacturer_id", lambda p: p.manufacturer_id),
        Column("manufacturer_name_zh", lambda p: p.manufacturer.name_zh),
        Column("manufacturer_name_en", lambda p: p.manufacturer.name_en),
        Column("manufacturer_province", lambda p: p.manufacturer.province_id),
        Column("country_of_origin", lambda p: str(p.country_of_origin)),
        Column("is_domestic", lambda p: p.is_domestic),
        Column("domestic_content", lambda p: p.domestic_content),
        Column("price_min", lambda p: p.price_min),
        Column("price_max", lambda p: p.price_max),
        Column("lead_time_days", lambda p: p.lead_time_days),
        Column("warranty_months", lambda p: p.warranty_months),
        Column("provinces_served", lambda p: ";".join(sorted(pr.code for pr in p.provinces_served.all()))),
        Column("evaluation_count", lambda p: p.evaluation_count),
        Column("evaluation_score", lambda p: p.evaluation_score),
        Column("published_at", lambda p: p.published_at),
        Column("url", lambda p: api(p.pk)),
        Column("html_url", lambda p: page(p.pk)),
    ]
