"""The demand documents search indexes, registered with search in ``ProcurementConfig.ready``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from procurement.models import Demand
from search.documents import SearchDocument
from search.registry import DocumentSource, register_documents


def _searchable() -> QuerySet[Demand]:
    return Demand.objects.filter(status=Demand.Status.OPEN)


def demand_documents(ids: Sequence[int]) -> list[SearchDocument]:
    demands = _searchable().filter(pk__in=list(ids)).select_related("category", "institution").order_by("id")
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


def _display_texts(ids: Sequence[int]) -> list[dict[str, Any]]:
    return [dict(row) for row in Demand.objects.filter(pk__in=list(ids)).values("id", "title", "description")]


def _rows(ids: Sequence[int]) -> dict[int, Any]:
    return Demand.objects.select_related("category", "institution", "delivery_province").in_bulk(list(ids))


def register() -> None:
    register_documents(
        DocumentSource(
            kind="demands",
            entity="demand",
            documents=demand_documents,
            searchable=_searchable,
            display_texts=_display_texts,
            rows=_rows,
        )
    )
