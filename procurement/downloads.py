"""Open demands and award notices as open-data downloads: their stable columns (documented in the README).

Column keys are English snake_case and never translated. A download holds only what the public pages show:
no contact details, no quote of a demand (sealed or not), no draft.
"""

from __future__ import annotations

from typing import Any

from catalog.tabular import Column
from config.api.links import detail_link
from procurement.models import Award, Demand
from procurement.selectors import award_column


def _requirements(demand: Demand, *, mandatory: bool) -> str:
    """``key operator value unit`` per requirement, ``; `` between them (values as the buyer entered them)."""
    return "; ".join(str(r) for r in demand.requirements.all() if r.is_mandatory == mandatory)


def demand_columns(base_url: str) -> list[Column[Demand]]:
    """``base_url``: scheme and host the ``url`` and ``html_url`` links start with."""
    api = detail_link(base_url, "api:demand-detail")
    page = detail_link(base_url, "procurement:demand-detail")
    return [
        Column("id", lambda d: d.pk),
        Column("title", lambda d: d.title),
        Column("category_code", lambda d: d.category.code),
        Column("category_name_zh", lambda d: d.category.name_zh),
        Column("category_name_en", lambda d: d.category.name_en),
        Column("institution_id", lambda d: d.institution_id),
        Column("institution_name_zh", lambda d: d.institution.name_zh),
        Column("institution_name_en", lambda d: d.institution.name_en),
        Column("quantity", lambda d: d.quantity),
        Column("budget", lambda d: d.budget),
        Column("deadline", lambda d: d.deadline),
        Column("delivery_province", lambda d: d.delivery_province_id),
        Column("funding", lambda d: d.funding),
        Column("is_sealed", lambda d: d.is_sealed),
        Column("accepts_imported", lambda d: d.accepts_imported),
        Column("requirements", lambda d: _requirements(d, mandatory=True)),
        Column("preferred_requirements", lambda d: _requirements(d, mandatory=False)),
        Column("revision", lambda d: d.revision),
        Column("opened_at", lambda d: d.opened_at),
        Column("url", lambda d: api(d.pk)),
        Column("html_url", lambda d: page(d.pk)),
    ]


def _quantity(award: Award) -> Any:
    # The winning quote's quantity, as the notice states it (its column of the frozen comparison).
    return (award_column(award) or {}).get("quantity")


def award_columns(base_url: str) -> list[Column[Award]]:
    api = detail_link(base_url, "api:award-detail")
    page = detail_link(base_url, "procurement:award-detail")
    return [
        Column("id", lambda a: a.pk),
        Column("awarded_at", lambda a: a.created_at),
        Column("demand_id", lambda a: a.demand_id),
        Column("demand_title", lambda a: a.demand.title),
        Column("buyer_id", lambda a: a.demand.institution_id),
        Column("buyer_name_zh", lambda a: a.demand.institution.name_zh),
        Column("buyer_name_en", lambda a: a.demand.institution.name_en),
        Column("category_code", lambda a: a.demand.category.code),
        Column("product_id", lambda a: a.product_id),
        Column("product_model", lambda a: a.product.model_number if a.product else None),
        Column("product_name_zh", lambda a: a.product.name_zh if a.product else None),
        Column("product_name_en", lambda a: a.product.name_en if a.product else None),
        Column("supplier_id", lambda a: a.product.manufacturer_id if a.product else None),
        Column("supplier_name_zh", lambda a: a.product.manufacturer.name_zh if a.product else None),
        Column("supplier_name_en", lambda a: a.product.manufacturer.name_en if a.product else None),
        Column("is_domestic", lambda a: not a.is_imported),
        Column("unit_price", lambda a: a.unit_price),
        Column("quantity", _quantity),
        Column("total", lambda a: a.total),
        Column("evaluated_price", lambda a: a.evaluated_price),
        Column("imported_despite_domestic", lambda a: a.imported_despite_domestic),
        Column("reason", lambda a: a.note),
        Column("contract_confirmed_at", lambda a: a.confirmed_at),
        Column("url", lambda a: api(a.pk)),
        Column("html_url", lambda a: page(a.pk)),
    ]
