"""Whether a quoted product is a 本国产品 for a procurement, and the price preference that follows.

The one seam between procurement and the domestic-product rule (``catalog.domestic``): the comparison, the award
and the dossier ask here, on the procurement's date (the day the demand opened), never ``Product.is_domestic``
(which is the rule on today's date, for matching). A quote is judged on what its manufacturer declares for the
offer: the origin and the China-made component cost share (which default to the product's); key components and
processes come from the product.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from catalog.domestic import DomesticStatus, RuleBook, status_on
from catalog.models import Product
from procurement.models import Demand, Quote

__all__ = ["DomesticStatus", "RuleBook", "domestic_status", "procurement_date", "quote_domestic_status"]


def procurement_date(demand: Demand) -> datetime.date:
    """The date whose rule governs a demand's comparison and award: the day it opened (today for a draft)."""
    return timezone.localdate(demand.opened_at) if demand.opened_at else timezone.localdate()


def domestic_status(product: Product, on: datetime.date, *, rules: RuleBook | None = None) -> DomesticStatus:
    """What the rule in force on ``on`` says of ``product`` as it is described in the catalog."""
    return status_on(product, on, rules=rules)


@dataclass
class _Offer:
    """A product as a quote declares it (``catalog.domestic.ProductLike``)."""

    country_of_origin: Any
    domestic_content: Any
    key_components: Any
    key_processes: Any
    category: Any


def quote_domestic_status(quote: Quote, on: datetime.date, *, rules: RuleBook | None = None) -> DomesticStatus:
    """What the rule in force on ``on`` says of the quoted product, as the quote declares it."""
    product = quote.product
    offer = _Offer(
        country_of_origin=quote.declared_origin.code or str(product.country_of_origin),
        domestic_content=(
            quote.component_cost_share if quote.component_cost_share is not None else product.domestic_content
        ),
        key_components=product.key_components,
        key_processes=product.key_processes,
        category=product.category,
    )
    return status_on(offer, on, rules=rules)
