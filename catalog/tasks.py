"""Celery tasks of the catalog: thin wrappers over catalog.services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from catalog.models import Category
from catalog.services import products_domestic_refresh


@shared_task(name="catalog.refresh_domestic", acks_late=True)
def refresh_domestic(category_id: int | None = None) -> int:
    """Re-derive is_domestic by the rule in force today, for a category's subtree (or every product)."""
    category = Category.objects.filter(pk=category_id).first() if category_id is not None else None
    if category_id is not None and category is None:
        return 0
    return products_domestic_refresh(category=category)
