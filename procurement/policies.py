"""Who may see and do what with demands, quotes, import justifications and shared instruments (no writes).

Selectors scope their querysets with these rules, services refuse with them, and the pages and the API ask them
before offering an action, so every path answers the same.

Platform staff moderate: they see every demand (drafts too) with its contacts and every import justification,
review justifications and see every shared instrument. They never act for an institution or a manufacturer
(change or award a demand, quote, file a justification, keep a registry) by being staff. Quotes stay between the
manufacturer and the buyer, staff included; on a sealed demand the buyer sees only how many arrived until they open
after the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from accounts.models import Organization
from accounts.policies import AnyUser, is_staff, user_is_verified_manufacturer, user_organization_ids
from catalog.models import Product
from procurement.models import Demand, ExpertReview, Quote, SharedInstrument

# Statuses anyone may read; drafts and cancelled demands stay with their institution.
PUBLIC_STATUSES = (Demand.Status.OPEN, Demand.Status.AWARDED, Demand.Status.CLOSED, Demand.Status.EXPIRED)


@dataclass
class DemandAccess:
    """What one user may do with demands, computed once per request so lists stay at a fixed query count."""

    org_ids: set[int] = field(default_factory=set)
    is_staff: bool = False
    is_verified_manufacturer: bool = False

    def can_see(self, demand: Demand) -> bool:
        return self.is_staff or demand.status in PUBLIC_STATUSES or demand.institution_id in self.org_ids

    def can_edit(self, demand: Demand) -> bool:
        return demand.institution_id in self.org_ids

    def can_see_contact(self, demand: Demand) -> bool:
        return self.is_staff or self.is_verified_manufacturer or demand.institution_id in self.org_ids


def demand_access(user: AnyUser) -> DemandAccess:
    """The user's demand rights; cached on a signed-in user object for the rest of the request."""
    cached: DemandAccess | None = getattr(user, "_demand_access", None)
    if cached is not None:
        return cached
    access = DemandAccess(
        org_ids=user_organization_ids(user, kind=Organization.Kind.INSTITUTION),
        is_staff=is_staff(user),
        is_verified_manufacturer=user_is_verified_manufacturer(user),
    )
    if user.is_authenticated:
        setattr(user, "_demand_access", access)  # noqa: B010 (a per-request cache on the user object)
    return access


# --- Demands -----------------------------------------------------------------------------------------------------


def demand_visibility_q(user: AnyUser) -> Q:
    access = demand_access(user)
    if access.is_staff:
        return Q()
    visible = Q(status__in=PUBLIC_STATUSES)
    if access.org_ids:
        visible |= Q(institution_id__in=access.org_ids)
    return visible


def can_see_demand(user: AnyUser, demand: Demand) -> bool:
    return demand_access(user).can_see(demand)


def can_post_demand(user: AnyUser, institution: Organization) -> bool:
    """Demands are posted by members of the institution they belong to."""
    return institution.pk in demand_access(user).org_ids


def can_edit_demand(user: AnyUser, demand: Demand) -> bool:
    """Change, open, revise, answer the shared-instrument check, cancel, close, award: the institution's members."""
    return demand_access(user).can_edit(demand)


def can_see_demand_contact(user: AnyUser, demand: Demand) -> bool:
    return demand_access(user).can_see_contact(demand)


def can_see_demand_history(user: AnyUser, demand: Demand) -> bool:
    """Who changed the demand, its requirements, award and import justification: its institution and staff."""
    access = demand_access(user)
    return access.is_staff or access.can_edit(demand)


# --- Quotes -------------------------------------------------------------------------------------------------------


def quote_visibility_q(user: AnyUser) -> Q:
    """Quotes whose content the user may read: its manufacturer's always (drafts too); the buyer institution's once
    sent and, on a sealed demand, opened at the deadline; nobody else's (staff included)."""
    org_ids = user_organization_ids(user)
    if not org_ids:
        return Q(pk__in=[])
    opened = Q(demand__is_sealed=False) | Q(demand__quotes_opened_at__isnull=False)
    as_buyer = Q(demand__institution_id__in=org_ids) & ~Q(status=Quote.Status.DRAFT) & opened
    return Q(manufacturer_id__in=org_ids) | as_buyer


def can_see_quote(user: AnyUser, quote: Quote) -> bool:
    """``quote_visibility_q`` for one quote whose demand is loaded."""
    org_ids = user_organization_ids(user)
    if quote.manufacturer_id in org_ids:
        return True
    return quote.demand.institution_id in org_ids and not quote.is_draft and quote.demand.quotes_are_open


def can_compare_quotes(user: AnyUser, demand: Demand) -> bool:
    """The comparison of a demand's quotes: its institution, once the quotes may be read (opened, if sealed)."""
    return can_edit_demand(user, demand) and demand.quotes_are_open


def can_count_quotes(user: AnyUser, demand: Demand) -> bool:
    """How many quotes a demand received (not what they say): its institution, sealed or not."""
    return can_edit_demand(user, demand)


def can_quote(user: AnyUser, product: Product) -> bool:
    """Members of the product's manufacturer quote it (whether the manufacturer is verified is a rule of quoting)."""
    return product.manufacturer_id in user_organization_ids(user, kind=Organization.Kind.MANUFACTURER)


def can_see_quote_history(user: AnyUser, quote: Quote) -> bool:
    """A quote's changes: the quoting manufacturer only. The buyer and staff would otherwise read a sealed quote's
    content in its history before the opening."""
    return quote.manufacturer_id in user_organization_ids(user, kind=Organization.Kind.MANUFACTURER)


def can_withdraw_quote(user: AnyUser, quote: Quote) -> bool:
    return quote.manufacturer_id in user_organization_ids(user, kind=Organization.Kind.MANUFACTURER)


# --- Import justifications ------------------------------------------------------------------------------------


def can_justify_import(user: AnyUser, demand: Demand) -> bool:
    return can_edit_demand(user, demand)


def can_see_import_justification(user: AnyUser, demand: Demand) -> bool:
    """The buyer institution, staff, and the experts of its panel."""
    if is_staff(user) or can_edit_demand(user, demand):
        return True
    return bool(user.is_authenticated) and is_panel_expert(user, demand)


def is_panel_expert(user: AnyUser, demand: Demand) -> bool:
    return ExpertReview.objects.filter(justification__demand=demand, expert_id=user.pk).exists()


def can_review_import_justifications(user: AnyUser) -> bool:
    return is_staff(user)


# --- Shared instruments ---------------------------------------------------------------------------------------


def shared_instrument_visibility_q(user: AnyUser) -> Q:
    """Instruments open to outside users, plus all of the user's own institutions' instruments; staff see all."""
    if is_staff(user):
        return Q()
    visible = Q(is_open_to_external=True)
    org_ids = demand_access(user).org_ids
    if org_ids:
        visible |= Q(institution_id__in=org_ids)
    return visible


def can_manage_shared_instruments(user: AnyUser, institution: Organization | int) -> bool:
    """Add, change, delete and import an institution's shared instruments: its members."""
    org_id = institution if isinstance(institution, int) else institution.pk
    return org_id in demand_access(user).org_ids


def can_edit_shared_instrument(user: AnyUser, instrument: SharedInstrument) -> bool:
    return can_manage_shared_instruments(user, instrument.institution_id)
