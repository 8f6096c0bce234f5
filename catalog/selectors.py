"""Catalog reads that carry rules."""

from __future__ import annotations

from typing import Any

from catalog.models import Product


def home_statistics() -> dict[str, Any]:
    published = Product.objects.filter(status=Product.Status.PUBLISHED)
    return {"products": published.count(), "domestic_products": published.filter(is_domestic=True).count()}
