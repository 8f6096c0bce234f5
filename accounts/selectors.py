"""Reads about users and organizations that carry rules (membership, visibility)."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import JoinRequest, Membership, Organization, User
from accounts.policies import AnyUser, organization_visibility_q


def user_memberships(user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("organization", "organization__province")


def organization_list(*, user: AnyUser) -> QuerySet[Organization]:
    """Verified organizations for everyone; staff and members also see unverified ones they may act on."""
    return Organization.objects.select_related("province", "verified_by").filter(organization_visibility_q(user))


def organization_admins(organization: Organization | int) -> QuerySet[User]:
    org_id = organization if isinstance(organization, int) else organization.pk
    return User.objects.filter(
        memberships__organization_id=org_id, memberships__role=Membership.Role.ADMIN, is_active=True
    ).order_by("pk")


def organization_members(organization: Organization | int) -> QuerySet[Membership]:
    """The organization's memberships with their people, administrators first."""
    org_id = organization if isinstance(organization, int) else organization.pk
    return (
        Membership.objects.filter(organization_id=org_id)
        .select_related("user", "organization")
        .order_by("role", "user__email")  # "admin" sorts before "member"
    )


def organization_verification_queue() -> QuerySet[Organization]:
    """Organizations waiting for staff verification, oldest first, with their members for the reviewer."""
    return (
        Organization.objects.filter(is_verified=False)
        .select_related("province")
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("user")))
        .order_by("created_at", "pk")
    )


def organization_join_choices() -> QuerySet[Organization]:
    """Organizations a person may ask to join: the verified ones."""
    return Organization.objects.filter(is_verified=True).order_by("name_zh", "pk")


def join_requests_for_admin(user: AnyUser) -> QuerySet[JoinRequest]:
    """Pending requests to join the organizations the user administers."""
    if not user.is_authenticated:
        return JoinRequest.objects.none()
    admin_of = Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values("organization_id")
    return (
        JoinRequest.objects.filter(organization_id__in=admin_of, status=JoinRequest.Status.PENDING)
        .select_related("user", "organization")
        .order_by("created_at", "pk")
    )


def user_join_requests(user: AnyUser) -> QuerySet[JoinRequest]:
    if not user.is_authenticated:
        return JoinRequest.objects.none()
    return JoinRequest.objects.filter(user=user).select_related("organization").order_by("-created_at", "-pk")


def memberships_of_organizations(organization_ids: list[int]) -> QuerySet[Membership]:
    """Every membership of the given organizations, with people, for the admins' member lists (one query)."""
    return (
        Membership.objects.filter(organization_id__in=organization_ids)
        .select_related("user")
        .order_by("organization_id", "role", "user__email")
    )


def organization_join_search(*, text: str = "", limit: int = 50) -> list[Organization]:
    """Verified organizations whose Chinese or English name contains ``text``, for the join picker."""
    qs = organization_join_choices()
    text = text.strip()
    if "\x00" in text:
        # No name holds a NUL byte, and PostgreSQL refuses one in a query.
        return []
    if text:
        qs = qs.filter(Q(name_zh__icontains=text) | Q(name_en__icontains=text))
    return list(qs[:limit])
