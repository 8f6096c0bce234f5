"""Quotes: a verified manufacturer's offer of one of its published products on an open demand."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import Product
from catalog.selectors import category_is_within
from config.exceptions import ApplicationError
from notifications.messages import localized
from notifications.services import notify
from procurement import notices, policies
from procurement.models import Demand, Quote

MAX_UNIT_PRICE = Decimal("1000000000")
MAX_LEAD_TIME_DAYS = 3 * 365


@transaction.atomic
def quote_submit(
    *,
    user: User,
    demand: Demand,
    product: Product,
    unit_price: Decimal,
    lead_time_days: int | None = None,
    message: str = "",
) -> Quote:
    """Offer a product on an open demand; the buyer is told."""
    manufacturer = product.manufacturer
    if not policies.can_quote(user, product):
        raise PermissionDenied(_("Only members of the product's manufacturer may quote it."))
    if not manufacturer.is_verified:
        raise ApplicationError(_("Your manufacturer must be verified before it can quote."), field="product")
    if demand.status != Demand.Status.OPEN:
        raise ApplicationError(_("Only an open demand takes quotes."), field="demand")
    if product.status != Product.Status.PUBLISHED:
        raise ApplicationError(_("Only a published product can be quoted."), field="product")
    if not category_is_within(product.category, demand.category):
        raise ApplicationError(_("The product is not in the demand's category."), field="product")
    try:
        price = Decimal(unit_price)
    except (InvalidOperation, TypeError):
        raise ApplicationError(_("Enter the unit price as a number."), field="unit_price") from None
    if not price.is_finite() or price <= 0 or price > MAX_UNIT_PRICE:
        raise ApplicationError(_("The unit price must be positive and plausible."), field="unit_price")
    if lead_time_days is not None and not 0 <= lead_time_days <= MAX_LEAD_TIME_DAYS:
        raise ApplicationError(_("The lead time must be between 0 and 3 years."), field="lead_time_days")
    if Quote.objects.filter(demand=demand, product=product, status=Quote.Status.SUBMITTED).exists():
        raise ApplicationError(_("This product already has a live quote on this demand."), field="product")
    try:
        with transaction.atomic():
            quote = Quote.objects.create(
                demand=demand,
                manufacturer=manufacturer,
                product=product,
                unit_price=price.quantize(Decimal("0.01")),
                lead_time_days=lead_time_days,
                message=message,
                submitted_by=user,
            )
    except IntegrityError:
        raise ApplicationError(_("This product already has a live quote on this demand."), field="product") from None
    notify(
        users=[demand.posted_by],
        kind=notices.QUOTE_RECEIVED,
        params={
            "manufacturer": localized(manufacturer.name_zh, manufacturer.name_en),
            "title": demand.title,
            "product": localized(
                f"{product.name_zh} {product.model_number}",
                f"{product.name_en} {product.model_number}" if product.name_en else "",
            ),
            "price": f"{quote.unit_price:,.2f}",
        },
        url=reverse("procurement:demand-detail", args=[demand.pk]) + "#quotes",
        key=f"quote-received:{quote.pk}",
    )
    return quote


@transaction.atomic
def quote_withdraw(*, quote: Quote, user: User) -> Quote:
    if not policies.can_withdraw_quote(user, quote):
        raise PermissionDenied(_("Only the quoting manufacturer may withdraw its quote."))
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status != Quote.Status.SUBMITTED:
        raise ApplicationError(_("Only a submitted quote can be withdrawn."), field="status")
    quote.status = Quote.Status.WITHDRAWN
    quote.save(update_fields=["status", "updated_at"])
    return quote
