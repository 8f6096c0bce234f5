"""Who may see and do what in the catalog, in one place (no writes).

Selectors scope their querysets with these rules, services refuse with them, and the pages and the API ask them
before offering an action, so every path answers the same. Platform staff see every product, in any status, and
delete products (moderation); they change a product only as a member of its manufacturer, like anyone else.
"""

from __future__ import annotations

from django.db.models import Q

from accounts.models import Membership, Organization
from accounts.policies import AnyUser, is_staff, user_is_member, user_organization_ids
from catalog.models import Product


def _manufacturer_ids(user: AnyUser) -> set[int]:
    return user_organization_ids(user, kind=Organization.Kind.MANUFACTURER)


def product_visibility_q(user: AnyUser) -> Q:
    """Everyone sees published products; members of a manufacturer also its drafts and withdrawn ones; staff all."""
    if is_staff(user):
        return Q()
    visible = Q(status=Product.Status.PUBLISHED)
    own = _manufacturer_ids(user)
    if own:
        visible |= Q(manufacturer_id__in=own)
    return visible


def can_see_product(user: AnyUser, product: Product) -> bool:
    return is_staff(user) or product.is_published or product.manufacturer_id in _manufacturer_ids(user)


def can_manage_products_of(user: AnyUser, manufacturer: Organization | int) -> bool:
    """Create, change, publish, withdraw, import and document the products of this manufacturer: its members."""
    org_id = manufacturer if isinstance(manufacturer, int) else manufacturer.pk
    return org_id in _manufacturer_ids(user)


def can_manage_product(user: AnyUser, product: Product) -> bool:
    return can_manage_products_of(user, product.manufacturer_id)


def can_delete_product(user: AnyUser, product: Product) -> bool:
    """Deleting is moderation (staff); a manufacturer withdraws its product instead."""
    return is_staff(user)


def can_evaluate_for(user: AnyUser, organization: Organization) -> bool:
    """Evaluations are written on behalf of an organization the author belongs to."""
    return user_is_member(user, organization)


def is_own_product(user: AnyUser, product: Product) -> bool:
    """Members of a product's manufacturer never evaluate it."""
    return user_is_member(user, product.manufacturer_id)


def can_evaluate_product(user: AnyUser, product: Product) -> bool:
    """Whether to offer the evaluation form: a published product, not the user's own, and the user a member of a
    verified institution or testing agency (the service checks the kind of evaluation against the organization)."""
    if not (user.is_authenticated and product.is_published) or is_own_product(user, product):
        return False
    return Membership.objects.filter(
        user=user,
        organization__is_verified=True,
        organization__kind__in=(Organization.Kind.INSTITUTION, Organization.Kind.AGENCY),
    ).exists()


def can_manage_domestic_rules(user: AnyUser) -> bool:
    """Add or change versions of the domestic-product rule: platform staff."""
    return is_staff(user)


def can_see_product_history(user: AnyUser, product: Product) -> bool:
    """Who changed what on a product: the manufacturer's members and platform staff."""
    return is_staff(user) or can_manage_product(user, product)


def can_see_domestic_rule_history(user: AnyUser) -> bool:
    """Who changed the domestic-product rule: platform staff (the rule belongs to no organization)."""
    return is_staff(user)
