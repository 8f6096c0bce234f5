"""Who may do what with people and organizations, in one place (no writes).

Selectors, services, pages and the API all ask these functions, and services always do, so no entry point can
forget a rule. The membership facts the other apps' policies build on live here too.

Platform staff moderate: they see every organization, verify organizations, and see any organization's members.
They never act *for* an organization (edit it, add members, decide join requests) by being staff; for that they
must be one of its administrators like anyone else.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from accounts.models import JoinRequest, Membership, Organization, User

AnyUser = User | AnonymousUser


def _org_id(organization: Organization | int) -> int:
    return organization if isinstance(organization, int) else organization.pk


# --- Membership facts --------------------------------------------------------------------------------------------


def is_staff(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def user_organization_ids(user: AnyUser, *, kind: str | None = None) -> set[int]:
    """Ids of the organizations the user belongs to (optionally of one kind). Cached on the user object."""
    if not user.is_authenticated:
        return set()
    cache_attr = "_organization_ids_by_kind"
    by_kind: dict[str, set[int]] | None = getattr(user, cache_attr, None)
    if by_kind is None:
        by_kind = {}
        for org_id, org_kind in Membership.objects.filter(user=user).values_list(
            "organization_id", "organization__kind"
        ):
            by_kind.setdefault(org_kind, set()).add(org_id)
        setattr(user, cache_attr, by_kind)
    if kind is None:
        return set().union(*by_kind.values()) if by_kind else set()
    return set(by_kind.get(kind, set()))


def user_is_member(user: AnyUser, organization: Organization | int) -> bool:
    return _org_id(organization) in user_organization_ids(user)


def user_is_org_admin(user: AnyUser, organization: Organization | int) -> bool:
    # Not cached: a role may change in the same request (a demotion, the last admin stepping down).
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, organization_id=_org_id(organization), role=Membership.Role.ADMIN
    ).exists()


def user_is_verified_manufacturer(user: AnyUser) -> bool:
    """Whether the user belongs to at least one verified manufacturer."""
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, organization__kind=Organization.Kind.MANUFACTURER, organization__is_verified=True
    ).exists()


# --- Organizations -------------------------------------------------------------------------------------------------


def organization_visibility_q(user: AnyUser) -> Q:
    """Verified organizations for everyone; a member also sees its own unverified ones; staff see all."""
    if is_staff(user):
        return Q()
    member_of = user_organization_ids(user)
    visible = Q(is_verified=True)
    if member_of:
        visible |= Q(pk__in=member_of)
    return visible


def can_see_organization(user: AnyUser, organization: Organization) -> bool:
    return is_staff(user) or organization.is_verified or user_is_member(user, organization)


def can_register_organization(user: AnyUser) -> bool:
    """Anyone signed in registers organizations (they wait for verification)."""
    return bool(user.is_authenticated)


def can_edit_organization(user: AnyUser, organization: Organization | int) -> bool:
    return user_is_org_admin(user, organization)


def can_verify_organization(user: AnyUser) -> bool:
    return is_staff(user)


def can_see_members(user: AnyUser, organization: Organization | int) -> bool:
    return is_staff(user) or user_is_member(user, organization)


def can_manage_members(user: AnyUser, organization: Organization | int) -> bool:
    """Add members, change roles, remove members: the organization's administrators only."""
    return user_is_org_admin(user, organization)


def can_leave(user: AnyUser, membership: Membership) -> bool:
    """A member may always remove themself (the last-administrator rule is a business rule of the service)."""
    return bool(user.is_authenticated and membership.user_id == user.pk)


def can_decide_join_request(user: AnyUser, join_request: JoinRequest) -> bool:
    return user_is_org_admin(user, join_request.organization_id)


def can_ask_to_join(user: AnyUser, organization: Organization) -> bool:
    """Signed-in people ask to join verified organizations they do not belong to yet."""
    return bool(user.is_authenticated and organization.is_verified and not user_is_member(user, organization))
