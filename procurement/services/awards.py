"""Awards: the buyer's choice on a frozen comparison, the import check, and the buyer's contract confirmation."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import Product
from changes.services import change_record
from config.exceptions import ApplicationError
from procurement import policies
from procurement.comparison import comparison_build, domestic_alternatives
from procurement.domestic import domestic_status, procurement_date
from procurement.models import Award, Demand, Quote
from procurement.services.demands import _require_member, _transition
from procurement.services.import_justifications import import_justification_allows

MIN_IMPORT_REASON_LENGTH = 20
# The outbox entity of award notices: the feed publishes each once (``award.published``).
AWARD_ENTITY = "award"


@transaction.atomic
def demand_award(
    *,
    demand: Demand,
    user: User,
    quote: Quote | None = None,
    product: Product | None = None,
    note: str = "",
) -> Award:
    """Record the buyer's choice (a quote on the demand, or a product bought outside the platform's quotes) with
    the comparison it was made on, frozen.

    Fiscal funds buy an imported product only when the demand said an imported product would be accepted and an
    approved import justification names that product. Whether a product is imported is asked of the
    domestic-product rule in force on the demand's date. Awarding an imported product while a domestic quote or a
    domestic match met every mandatory requirement needs a written reason and flags the award.
    """
    _require_member(user, demand)
    if quote is None and not demand.quotes_are_open:
        # The award freezes the comparison of every quote: on a sealed demand nothing is decided before they open.
        raise ApplicationError(_("A sealed demand is awarded after its quotes open at the deadline."), field="product")
    if quote is not None:
        if quote.demand_id != demand.pk:
            raise ApplicationError(_("This quote is not for this demand."), field="quote")
        if quote.status != Quote.Status.SUBMITTED:
            raise ApplicationError(_("Only a submitted quote can be awarded."), field="quote")
        if not demand.quotes_are_open:
            raise ApplicationError(_("Sealed quotes are awarded after they open at the deadline."), field="quote")
        product = quote.product
    if product is None:
        raise ApplicationError(_("Choose the quote or product that won."), field="product")
    comparison = comparison_build(demand=demand)
    column = next((c for c in comparison["quotes"] if quote is not None and c["quote"] == quote.pk), None)
    # A quote is judged as the comparison judged it (on what it declares); a product bought outside the quotes
    # as the catalog describes it. Both under the rule in force on the demand's date.
    if column is not None:
        is_imported = not column["is_domestic"]
    else:
        is_imported = not domestic_status(product, procurement_date(demand)).is_domestic
    if is_imported and demand.is_fiscal and not demand.accepts_imported:
        raise ApplicationError(
            _("Fiscal funds buy an imported product only when the demand accepts one and says why."),
            field="product",
        )
    if is_imported and demand.is_fiscal and not import_justification_allows(demand=demand, product=product):
        raise ApplicationError(
            _("Fiscal funds buy an imported product only after an approved import justification names it."),
            field="product",
        )
    alternatives = domestic_alternatives(demand, comparison) if is_imported else []
    note = (note or "").strip()
    if alternatives and len(note) < MIN_IMPORT_REASON_LENGTH:
        raise ApplicationError(
            _(
                "A domestic product met every mandatory requirement: explain in at least %(count)d characters why "
                "the imported one is bought instead."
            )
            % {"count": MIN_IMPORT_REASON_LENGTH},
            field="note",
            extra={"domestic_alternatives": alternatives},
        )
    demand = _transition(demand, user, allowed=(Demand.Status.OPEN,), status=Demand.Status.AWARDED, stamp="awarded_at")
    award = Award.objects.create(
        demand=demand,
        quote=quote,
        product=product,
        is_imported=is_imported,
        note=note,
        comparison=comparison,
        unit_price=quote.unit_price if quote is not None else None,
        total=quote.total if quote is not None else None,
        evaluated_price=Decimal(column["evaluated_price"]) if column else None,
        imported_despite_domestic=bool(alternatives),
        domestic_alternatives=alternatives,
        awarded_by=user,
    )
    # The notice is public from now on: the change feed (and the webhooks that want it) hear of it after commit.
    change_record(entity=AWARD_ENTITY, ids=[award.pk])
    if quote is not None:
        Quote.objects.filter(pk=quote.pk).update(status=Quote.Status.ACCEPTED, updated_at=timezone.now())
        Quote.objects.filter(demand=demand, status=Quote.Status.SUBMITTED).exclude(pk=quote.pk).update(
            status=Quote.Status.DECLINED, updated_at=timezone.now()
        )
    return award


@transaction.atomic
def award_confirm_contract(*, award: Award, user: User) -> Award:
    """The buyer confirms that the contract for the award is signed (once)."""
    if not policies.can_edit_demand(user, award.demand):
        raise PermissionDenied(_("Only the buyer institution confirms its contract."))
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.confirmed_at is not None:
        raise ApplicationError(_("The contract is already confirmed."), field="confirmed_at")
    award.confirmed_at = timezone.now()
    award.confirmed_by = user
    award.save(update_fields=["confirmed_at", "confirmed_by"])
    return award
