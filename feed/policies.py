"""Who may do what with webhooks: an organization's administrators manage its endpoints and read their
deliveries; nobody else sees them (not its other members: an endpoint holds the signing secret)."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import Membership, Organization
from accounts.policies import AnyUser, user_is_org_admin


def can_manage_webhooks(user: AnyUser, organization: Organization | int) -> bool:
    return user_is_org_admin(user, organization)


def webhook_visibility_q(user: AnyUser, *, prefix: str = "") -> Q:
    """Endpoints (or, with ``prefix="endpoint__"``, deliveries) of the organizations the user administers."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    admin_of = Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values("organization_id")
    return Q(**{f"{prefix}organization_id__in": admin_of})
