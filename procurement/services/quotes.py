"""Quotes: a verified manufacturer's offer of one of its published products on an open demand.

A quote may be kept as a draft (seen by its manufacturer only) and is sent with ``quote_submit``. One quote per
manufacturer, product and demand is live (draft or submitted). On a sealed demand the buyer learns that a quote
arrived, not what it says, until ``quotes_open_due`` opens them all together after the deadline.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import Province, User
from catalog.models import Product
from catalog.selectors import category_is_within
from catalog.services.documents import sniff_upload
from config.exceptions import ApplicationError
from notifications.messages import localized
from notifications.services import Notice, notify, notify_each
from procurement import notices, policies
from procurement.models import Demand, Quote, QuoteDocument

MAX_UNIT_PRICE = Decimal("1000000000")
MAX_QUANTITY = 100000
MAX_LEAD_TIME_DAYS = 3 * 365
MAX_WARRANTY_MONTHS = 20 * 12
MAX_RESPONSE_HOURS = 365 * 24
MAX_DOCUMENTS = 10

# The terms a quote carries besides its product; quote_submit takes them by these names.
TERM_FIELDS = (
    "unit_price",
    "quantity",
    "lead_time_days",
    "warranty_months",
    "service_provinces",
    "service_response_hours",
    "declared_origin",
    "component_cost_share",
    "message",
)


def _bounded_int(errors: dict[str, list[str]], name: str, value: Any, low: int, high: int, message: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[name].append(message)
        return None
    if not low <= number <= high:
        errors[name].append(message)
        return None
    return number


def _price(errors: dict[str, list[str]], value: Any, *, required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors["unit_price"].append(_("Enter the unit price."))
        return None
    try:
        price = Decimal(str(value))
    except (InvalidOperation, TypeError):
        errors["unit_price"].append(_("Enter the unit price as a number."))
        return None
    if not price.is_finite() or price <= 0 or price > MAX_UNIT_PRICE:
        errors["unit_price"].append(_("The unit price must be positive and plausible."))
        return None
    return price.quantize(Decimal("0.01"))


def _share(errors: dict[str, list[str]], value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        share = Decimal(str(value))
    except (InvalidOperation, TypeError):
        share = Decimal("NaN")
    if not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
        errors["component_cost_share"].append(_("Give the component cost share as a ratio from 0 to 1."))
        return None
    return share.quantize(Decimal("0.001"))


def _check_documents(errors: dict[str, list[str]], documents: Sequence[UploadedFile], already: int) -> None:
    if already + len(documents) > MAX_DOCUMENTS:
        errors["documents"].append(_("A quote carries at most %(count)d documents.") % {"count": MAX_DOCUMENTS})
        return
    for upload in documents:
        if os.path.splitext(upload.name or "")[1].lower() != ".pdf":
            errors["documents"].append(_("“%(name)s” is not a PDF file.") % {"name": upload.name})
            continue
        try:
            sniff_upload(upload)
        except ApplicationError as exc:
            errors["documents"].append(f"{upload.name}: {exc.message}")


def deadline_has_passed(demand: Demand, *, today: datetime.date | None = None) -> bool:
    """Quotes are taken until the end of the deadline day (the platform's local date)."""
    return (today or timezone.localdate()) > demand.deadline


@transaction.atomic
def quote_submit(
    *,
    user: User,
    demand: Demand,
    product: Product,
    unit_price: Any = None,
    quantity: Any = None,
    lead_time_days: Any = None,
    warranty_months: Any = None,
    service_provinces: Iterable[Province] = (),
    service_response_hours: Any = None,
    declared_origin: str = "",
    component_cost_share: Any = None,
    message: str = "",
    documents: Sequence[UploadedFile] = (),
    draft: bool = False,
    quote: Quote | None = None,
) -> Quote:
    """Send (or, with ``draft``, keep for later) an offer of a product on an open demand; ``quote`` is the draft
    being completed. Every bad field is reported at once. A total above the budget is allowed and marked."""
    if not policies.can_quote(user, product):
        raise PermissionDenied(_("Only members of the product's manufacturer may quote it."))
    if quote is not None:
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        if not policies.can_withdraw_quote(user, quote) or quote.demand_id != demand.pk:
            raise PermissionDenied(_("Only the quoting manufacturer may change its quote."))
        if not quote.is_draft:
            raise ApplicationError(
                _("Only a draft quote can be changed; withdraw it and send a new one."), field="status"
            )
    manufacturer = product.manufacturer
    errors: dict[str, list[str]] = defaultdict(list)
    if not manufacturer.is_verified:
        errors["product"].append(_("Your manufacturer must be verified before it can quote."))
    if demand.status != Demand.Status.OPEN:
        errors["demand"].append(_("Only an open demand takes quotes."))
    elif deadline_has_passed(demand):
        errors["demand"].append(
            _("The deadline %(deadline)s has passed: the demand takes no more quotes.")
            % {"deadline": demand.deadline.isoformat()}
        )
    if product.status != Product.Status.PUBLISHED:
        errors["product"].append(_("Only a published product can be quoted."))
    if not category_is_within(product.category, demand.category):
        errors["product"].append(_("The product is not in the demand's category."))
    price = _price(errors, unit_price, required=not draft)
    count = _bounded_int(
        errors, "quantity", quantity, 1, MAX_QUANTITY, _("The quantity must be a whole number of at least 1.")
    )
    lead = _bounded_int(
        errors,
        "lead_time_days",
        lead_time_days,
        0,
        MAX_LEAD_TIME_DAYS,
        _("The lead time must be between 0 and 3 years."),
    )
    warranty = _bounded_int(
        errors,
        "warranty_months",
        warranty_months,
        0,
        MAX_WARRANTY_MONTHS,
        _("The warranty must be between 0 and 240 months."),
    )
    response = _bounded_int(
        errors,
        "service_response_hours",
        service_response_hours,
        0,
        MAX_RESPONSE_HOURS,
        _("The service response time must be between 0 hours and a year."),
    )
    origin = (declared_origin or "").strip().upper()
    if origin and origin not in dict(countries):
        errors["declared_origin"].append(_("Choose a country."))
    share = _share(errors, component_cost_share)
    already = quote.documents.count() if quote is not None else 0
    _check_documents(errors, documents, already)
    live = Quote.objects.filter(
        demand=demand, manufacturer=manufacturer, product=product, status__in=Quote.LIVE_STATUSES
    )
    if quote is not None:
        live = live.exclude(pk=quote.pk)
    if live.exists():
        errors["product"].append(_("This product already has a live quote on this demand."))
    if errors:
        first_field = next(iter(errors))
        raise ApplicationError(errors[first_field][0], field=first_field, extra={"fields": dict(errors)})

    count = count or demand.quantity
    total = None if price is None else (price * count).quantize(Decimal("0.01"))
    fields: dict[str, Any] = {
        "product": product,
        "unit_price": price,
        "quantity": count,
        "total": total,
        "exceeds_budget": total is not None and demand.budget is not None and total > demand.budget,
        "lead_time_days": lead,
        "warranty_months": warranty,
        "service_response_hours": response,
        "declared_origin": origin or product.country_of_origin,
        "component_cost_share": share if share is not None else product.domestic_content,
        "message": message or "",
        "status": Quote.Status.DRAFT if draft else Quote.Status.SUBMITTED,
        "submitted_at": None if draft else timezone.now(),
    }
    try:
        with transaction.atomic():
            if quote is None:
                quote = Quote.objects.create(demand=demand, manufacturer=manufacturer, submitted_by=user, **fields)
            else:
                for name, value in fields.items():
                    setattr(quote, name, value)
                quote.submitted_by = user
                quote.save()
    except IntegrityError:
        raise ApplicationError(_("This product already has a live quote on this demand."), field="product") from None
    quote.service_provinces.set(list(service_provinces))
    if documents:
        QuoteDocument.objects.bulk_create(
            [
                QuoteDocument(
                    quote=quote, title=upload.name or "", file=upload, size=upload.size or 0, uploaded_by=user
                )
                for upload in documents
            ]
        )
    if not draft:
        _notify_buyer(quote, demand)
    return quote


def _notify_buyer(quote: Quote, demand: Demand) -> None:
    url = reverse("procurement:demand-detail", args=[demand.pk]) + "#quotes"
    if not demand.quotes_are_open:
        # Nothing of the content: not the maker, not the price. Only that one more sealed quote arrived.
        notify(
            users=[demand.posted_by],
            kind=notices.SEALED_QUOTE_RECEIVED,
            params={"title": demand.title, "deadline": demand.deadline.isoformat()},
            url=url,
            key=f"quote-received:{quote.pk}",
        )
        return
    product = quote.product
    notify(
        users=[demand.posted_by],
        kind=notices.QUOTE_RECEIVED,
        params={
            "manufacturer": localized(quote.manufacturer.name_zh, quote.manufacturer.name_en),
            "title": demand.title,
            "product": localized(
                f"{product.name_zh} {product.model_number}",
                f"{product.name_en} {product.model_number}" if product.name_en else "",
            ),
            "price": f"{quote.unit_price:,.2f}",
        },
        url=url,
        key=f"quote-received:{quote.pk}",
    )


@transaction.atomic
def quote_withdraw(*, quote: Quote, user: User) -> Quote:
    """The manufacturer takes back a draft or a submitted quote (it may send a new one while the demand is open)."""
    if not policies.can_withdraw_quote(user, quote):
        raise PermissionDenied(_("Only the quoting manufacturer may withdraw its quote."))
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status not in Quote.LIVE_STATUSES:
        raise ApplicationError(_("Only a draft or submitted quote can be withdrawn."), field="status")
    quote.status = Quote.Status.WITHDRAWN
    quote.save(update_fields=["status", "updated_at"])
    return quote


def quotes_open_due(*, today: datetime.date | None = None) -> list[int]:
    """Open the sealed quotes of every demand whose deadline has passed, all of a demand's together, and tell each
    quoting manufacturer and the buyer once. Returns the demands opened; safe to run again and concurrently."""
    today = today or timezone.localdate()
    with transaction.atomic():
        # Rows another run holds are skipped, not waited for: that run opens them.
        due = list(
            Demand.objects.select_for_update(skip_locked=True)
            .filter(
                is_sealed=True,
                quotes_opened_at__isnull=True,
                deadline__lt=today,
                status__in=(Demand.Status.OPEN, Demand.Status.CLOSED, Demand.Status.EXPIRED),
            )
            .order_by("id")
            .values_list("id", flat=True)
        )
        if not due:
            return []
        now = timezone.now()
        Demand.objects.filter(pk__in=due).update(quotes_opened_at=now, updated_at=now)
        demands = {d.pk: d for d in Demand.objects.filter(pk__in=due).select_related("posted_by")}
        makers: dict[int, dict[int, User]] = defaultdict(dict)
        counts: dict[int, int] = defaultdict(int)
        for quote in Quote.objects.filter(demand_id__in=due, status=Quote.Status.SUBMITTED).select_related(
            "submitted_by"
        ):
            makers[quote.demand_id][quote.submitted_by_id] = quote.submitted_by
            counts[quote.demand_id] += 1
        batch: list[Notice] = []
        for demand_id, demand in demands.items():
            url = reverse("procurement:demand-detail", args=[demand_id]) + "#quotes"
            if makers[demand_id]:
                # A maker learns its quote is open, not how many others quoted: the count is the buyer's.
                batch.append(
                    Notice(
                        users=list(makers[demand_id].values()),
                        kind=notices.QUOTES_OPENED,
                        params={"title": demand.title},
                        url=url,
                        key=f"quotes-opened:{demand_id}",
                    )
                )
            batch.append(
                Notice(
                    users=[demand.posted_by],
                    kind=notices.QUOTES_OPENED_BUYER,
                    params={"title": demand.title, "quotes": counts[demand_id]},
                    url=url,
                    key=f"quotes-opened-buyer:{demand_id}",
                )
            )
        notify_each(batch)
    return due
