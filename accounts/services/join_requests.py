"""Asking to join an organization, and its administrators' decision."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import notices, policies
from accounts.models import JoinRequest, Membership, Organization, User
from accounts.selectors import organization_admins
from config.exceptions import ApplicationError
from notifications.messages import localized
from notifications.services import notify


def join_request_create(*, user: User, organization: Organization, message: str = "") -> JoinRequest:
    """Ask to join a verified organization; its administrators are notified."""
    if not organization.is_verified:
        raise ApplicationError(_("Only verified organizations accept join requests."), field="organization")
    if Membership.objects.filter(user=user, organization=organization).exists():
        raise ApplicationError(_("You are already a member of this organization."), field="organization")
    if JoinRequest.objects.filter(user=user, organization=organization, status=JoinRequest.Status.PENDING).exists():
        raise ApplicationError(
            _("You have already asked to join this organization; its administrators will decide."),
            field="organization",
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                join_request = JoinRequest.objects.create(
                    user=user, organization=organization, message=(message or "").strip()[:500]
                )
        except IntegrityError as exc:
            raise ApplicationError(
                _("You have already asked to join this organization; its administrators will decide."),
                field="organization",
            ) from exc
        notify(
            users=organization_admins(organization),
            kind=notices.JOIN_REQUESTED,
            params={
                "person": user.get_full_name(),
                "organization": localized(organization.name_zh, organization.name_en),
                "message": join_request.message,
            },
            url=reverse("accounts:profile") + f"#organization-{organization.pk}",
            key=f"join-request:{join_request.pk}",
        )
    return join_request


def join_request_decide(*, join_request: JoinRequest, decided_by: User, approve: bool) -> JoinRequest:
    """An organization administrator approves (the person becomes a member) or rejects a pending request."""
    if not policies.can_decide_join_request(decided_by, join_request):
        raise PermissionDenied(_("Only the administrators of this organization can decide join requests."))
    with transaction.atomic():
        locked = JoinRequest.objects.select_for_update().select_related("organization", "user").get(pk=join_request.pk)
        if locked.status != JoinRequest.Status.PENDING:
            raise ApplicationError(_("This request has already been decided."))
        locked.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.REJECTED
        locked.decided_by = decided_by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        if approve:
            Membership.objects.get_or_create(
                user=locked.user, organization=locked.organization, defaults={"role": Membership.Role.MEMBER}
            )
        notify(
            users=[locked.user],
            kind=notices.JOIN_APPROVED if approve else notices.JOIN_DECLINED,
            params={"organization": localized(locked.organization.name_zh, locked.organization.name_en)},
            url=reverse("accounts:profile") + (f"#organization-{locked.organization_id}" if approve else ""),
            key=f"join-request-decided:{locked.pk}",
        )
    return locked
