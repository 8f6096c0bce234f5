"""Members and roles; only an organization's administrators change them, and one always remains."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policies
from accounts.models import JoinRequest, Membership, Organization, User
from accounts.services.users import _normalize_email
from config.exceptions import ApplicationError


def _require_org_admin(actor: User, organization: Organization | int) -> None:
    if not policies.can_manage_members(actor, organization):
        raise PermissionDenied(_("Only the administrators of this organization can manage its members."))


def _admin_count(organization_id: int) -> int:
    # Lock the organization's admin rows so two simultaneous demotions cannot both see "another admin is left".
    return len(
        list(
            Membership.objects.select_for_update()
            .filter(organization_id=organization_id, role=Membership.Role.ADMIN)
            .values_list("pk", flat=True)
        )
    )


def membership_add(
    *, organization: Organization, email: str, role: str = Membership.Role.MEMBER, added_by: User
) -> Membership:
    """An organization administrator adds a registered person by email."""
    _require_org_admin(added_by, organization)
    if role not in Membership.Role.values:
        raise ValidationError({"role": [_("Choose a valid role.")]})
    user = User.objects.filter(email__iexact=_normalize_email(email)).first()
    if user is None:
        raise ValidationError(
            {"email": [_("No one is registered with this email address; ask them to sign up first.")]}
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organization=organization, defaults={"role": role}
        )
        if not created:
            raise ValidationError({"email": [_("This person is already a member of the organization.")]})
        # A pending request from the same person is answered by being added.
        JoinRequest.objects.filter(user=user, organization=organization, status=JoinRequest.Status.PENDING).update(
            status=JoinRequest.Status.APPROVED, decided_by=added_by, decided_at=timezone.now()
        )
    return membership


def membership_change_role(*, membership: Membership, role: str, changed_by: User) -> Membership:
    """An organization administrator changes a member's role; the last administrator cannot step down."""
    _require_org_admin(changed_by, membership.organization_id)
    if role not in Membership.Role.values:
        raise ValidationError({"role": [_("Choose a valid role.")]})
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.role == role:
            return locked
        if locked.role == Membership.Role.ADMIN and _admin_count(locked.organization_id) <= 1:
            raise ApplicationError(
                _("An organization needs at least one administrator; make someone else an administrator first."),
                field="role",
            )
        locked.role = role
        locked.save(update_fields=["role"])
    return locked


def membership_remove(*, membership: Membership, removed_by: User) -> None:
    """An organization administrator removes a member (or a person leaves); the last administrator stays."""
    if not policies.can_leave(removed_by, membership):
        _require_org_admin(removed_by, membership.organization_id)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.role == Membership.Role.ADMIN and _admin_count(locked.organization_id) <= 1:
            raise ApplicationError(
                _("An organization needs at least one administrator; make someone else an administrator first."),
            )
        locked.delete()
