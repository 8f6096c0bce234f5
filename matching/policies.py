"""Who may see which match and report, and who runs matching and publishes reports (no writes).

Selectors, services, pages and the API use these rules alike. A match is seen by the demand's institution and the
product's manufacturer; once a published report lists the pair it is public (near misses never are). Platform
staff see every match and report and are the only ones to start runs and generate, annotate, publish or delete
reports.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from accounts.models import Organization
from accounts.policies import AnyUser, is_staff, user_organization_ids
from catalog.models import Product
from matching.models import MatchReport, MatchReportEntry
from procurement.models import Demand
from procurement.policies import can_see_demand


def _published_pair() -> Exists:
    return Exists(
        MatchReportEntry.objects.filter(
            report__status=MatchReport.Status.PUBLISHED,
            demand_id=OuterRef("demand_id"),
            product_id=OuterRef("product_id"),
        )
    )


def match_visibility_q(user: AnyUser) -> Q:
    """Matches (and near misses) of the user's institutions' demands and manufacturers' products; published pairs."""
    if is_staff(user):
        return Q()
    visible = Q(_published_pair(), is_near_miss=False)
    org_ids = user_organization_ids(user)
    if org_ids:
        visible |= Q(demand__institution_id__in=org_ids) | Q(product__manufacturer_id__in=org_ids)
    return visible


def can_see_demand_matches(user: AnyUser, demand: Demand) -> bool:
    """The matches fragment of a demand is there for whoever may see the demand (rows are scoped separately)."""
    return can_see_demand(user, demand)


def sees_all_matches_of(user: AnyUser, demand: Demand) -> bool:
    """The demand's institution (and staff) see all its matches and near misses, not only the published ones."""
    return is_staff(user) or demand.institution_id in user_organization_ids(user, kind=Organization.Kind.INSTITUTION)


def can_see_product_matches(user: AnyUser, product: Product) -> bool:
    """The demands a product matches: for its manufacturer's members and staff."""
    return is_staff(user) or product.manufacturer_id in user_organization_ids(user, kind=Organization.Kind.MANUFACTURER)


def report_visibility_q(user: AnyUser) -> Q:
    """Published reports for everyone; drafts for staff."""
    return Q() if is_staff(user) else Q(status=MatchReport.Status.PUBLISHED)


def can_manage_reports(user: AnyUser) -> bool:
    """Generate, annotate, publish, supersede and delete drafts of match reports."""
    return is_staff(user)


def can_start_match_run(user: AnyUser) -> bool:
    return is_staff(user)
