"""Every change to users, organizations, memberships and join requests.

Field-level problems raise Django's ``ValidationError`` keyed by field (forms show it next to the field, the API
answers 400 with ``fields``); rule violations raise ``ApplicationError``; acting without the right raises
``PermissionDenied`` (403 in the API).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import JoinRequest, Membership, Organization, Province, User
from accounts.selectors import organization_admins, user_is_org_admin
from config.exceptions import ApplicationError

# Fields an organization's administrators may change; `kind` is fixed at sign-up because other parts of the
# platform (products, demands) depend on it.
ORGANIZATION_EDITABLE_FIELDS = (
    "name_zh",
    "name_en",
    "credit_code",
    "country",
    "province",
    "website",
    "description",
)
# Changing these on a verified organization would change who it is; they are locked once verified.
ORGANIZATION_IDENTITY_FIELDS = ("credit_code", "country")

PROFILE_FIELDS = ("full_name", "phone", "email_notifications", "preferred_language")


@dataclass(frozen=True)
class SignupResult:
    user: User
    organization: Organization
    membership: Membership | None = None
    join_request: JoinRequest | None = None


# --- Users ----------------------------------------------------------------------------------------------


def _normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def user_create(
    *,
    email: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    preferred_language: str | None = None,
) -> User:
    """A new person who logs in with ``email``; the password must pass the configured validators."""
    email = _normalize_email(email)
    errors: dict[str, list[Any]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors.setdefault("email", []).append(gettext_lazy("Enter a valid email address."))
    else:
        if User.objects.filter(email__iexact=email).exists():
            errors.setdefault("email", []).append(gettext_lazy("A user with this email address already exists."))
    user = User(email=email, full_name=full_name.strip(), phone=phone.strip())
    if preferred_language:
        user.preferred_language = preferred_language
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    try:
        user.full_clean(exclude=["password", "username"])
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent sign-up with the same address won the race
        raise ValidationError({"email": [_("A user with this email address already exists.")]}) from exc
    return user


def user_update_profile(*, user: User, **fields: Any) -> User:
    """Change the person's own profile: name, phone, email notifications on/off, preferred language."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ApplicationError(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    for name, value in fields.items():
        setattr(user, name, value.strip() if isinstance(value, str) and name != "preferred_language" else value)
    user.full_clean(exclude=["password", "username"], validate_unique=False)
    user.save(update_fields=[*fields])
    return user


# --- Organizations --------------------------------------------------------------------------------------


def _province_for(code: str | Province | None) -> Province | None:
    if code in (None, ""):
        return None
    if isinstance(code, Province):
        return code
    province = Province.objects.filter(code=str(code).strip()).first()
    if province is None:
        raise ValidationError({"province": [_("Unknown province code “%(code)s”.") % {"code": code}]})
    return province


def _organization_validate(organization: Organization) -> None:
    """Field checks, the country/province/credit-code rules, and name uniqueness per country, all by field."""
    errors: dict[str, list[Any]] = {}
    try:
        # Name uniqueness is checked below so it is reported on the name field, not as a form-wide error.
        organization.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)

    country = str(organization.country or "")
    if country == "CN":
        if organization.province_id is None and "province" not in errors:
            errors.setdefault("province", []).append(_("Choose the province of an organization in China."))
        if not organization.credit_code and "credit_code" not in errors:
            errors.setdefault("credit_code", []).append(
                _("An organization in China needs its unified social credit code.")
            )
    else:
        if organization.province_id is not None:
            errors.setdefault("province", []).append(_("A province can only be given for an organization in China."))
        if organization.credit_code:
            errors.setdefault("credit_code", []).append(
                _("Only organizations registered in China have a unified social credit code.")
            )

    others = Organization.objects.exclude(pk=organization.pk).filter(country=country)
    if (
        organization.name_zh
        and others.annotate(lname=Lower("name_zh")).filter(lname=organization.name_zh.lower()).exists()
    ):
        errors.setdefault("name_zh", []).append(
            _("An organization with this Chinese name already exists in this country.")
        )
    if (
        organization.name_en
        and others.annotate(lname=Lower("name_en")).filter(lname=organization.name_en.lower()).exists()
    ):
        errors.setdefault("name_en", []).append(
            _("An organization with this English name already exists in this country.")
        )
    if errors:
        raise ValidationError(errors)


def _organization_save(organization: Organization) -> None:
    _organization_validate(organization)
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError:
        # Another request created the same name or code between our check and our insert: report it by field.
        _organization_validate(organization)
        raise


def _organization_clean_input(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    if "credit_code" in cleaned:
        cleaned["credit_code"] = (cleaned["credit_code"] or "").strip().upper() or None
    for name in ("name_zh", "name_en", "website", "description"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].strip()
    if "country" in cleaned:
        cleaned["country"] = (str(cleaned["country"] or "")).strip().upper()
    if "province" in cleaned:
        cleaned["province"] = _province_for(cleaned["province"])
    return cleaned


def organization_create(
    *,
    created_by: User,
    kind: str,
    name_zh: str,
    name_en: str = "",
    credit_code: str | None = None,
    country: str = "CN",
    province: str | Province | None = None,
    website: str = "",
    description: str = "",
) -> Organization:
    """Register a new organization; it waits for verification by staff and its creator becomes its admin."""
    cleaned = _organization_clean_input(
        {
            "name_zh": name_zh,
            "name_en": name_en,
            "credit_code": credit_code,
            "country": country,
            "province": province,
            "website": website,
            "description": description,
        }
    )
    organization = Organization(kind=kind, is_verified=False, **cleaned)
    with transaction.atomic():
        _organization_save(organization)
        Membership.objects.create(user=created_by, organization=organization, role=Membership.Role.ADMIN)
    return organization


def organization_update(*, organization: Organization, updated_by: User, **fields: Any) -> Organization:
    """Change an organization's details; only its administrators may."""
    if not user_is_org_admin(updated_by, organization):
        raise PermissionDenied(_("Only the administrators of this organization can change it."))
    unknown = set(fields) - set(ORGANIZATION_EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )
    cleaned = _organization_clean_input(fields)
    if organization.is_verified:
        for name in ORGANIZATION_IDENTITY_FIELDS:
            if name in cleaned and str(cleaned[name] or "") != str(getattr(organization, name) or ""):
                raise ValidationError(
                    {name: [_("This cannot change once the organization is verified; ask the platform staff.")]}
                )
    for name, value in cleaned.items():
        setattr(organization, name, value)
    with transaction.atomic():
        _organization_save(organization)
    return organization


def organization_verify(*, organization: Organization, verified_by: User) -> Organization:
    """Staff confirm an organization is who it says; its administrators are told. Verifying twice changes nothing."""
    if not (verified_by.is_authenticated and verified_by.is_staff):
        raise PermissionDenied(_("Only platform staff can verify organizations."))
    from matching.models import Notification
    from matching.notifications import notification_send

    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if locked.is_verified:
            return locked
        locked.is_verified = True
        locked.verified_by = verified_by
        locked.verified_at = timezone.now()
        locked.save(update_fields=["is_verified", "verified_by", "verified_at", "updated_at"])
        notification_send(
            users=organization_admins(locked),
            kind=Notification.Kind.ORGANIZATION_VERIFIED,
            title=_("%(name)s is now verified") % {"name": locked.name_zh},
            body=_("Your organization has been verified by the platform staff; its listings are now public."),
            url=reverse("accounts:profile"),
            dedupe_key=f"organization-verified:{locked.pk}",
        )
    organization.refresh_from_db()
    return locked


# --- Sign-up --------------------------------------------------------------------------------------------


def signup_with_new_organization(
    *,
    email: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    preferred_language: str | None = None,
    organization: dict[str, Any],
) -> SignupResult:
    """A person registers together with a new organization, which waits for verification; they become its admin."""
    with transaction.atomic():
        try:
            user = user_create(
                email=email,
                password=password,
                full_name=full_name,
                phone=phone,
                preferred_language=preferred_language,
            )
        except ValidationError as user_exc:
            # Check the organization as well, so the person sees every problem at once.
            errors = dict(user_exc.message_dict)
            try:
                _organization_validate(Organization(**_organization_clean_input(organization)))
            except ValidationError as org_exc:
                errors = {**org_exc.message_dict, **errors}
            raise ValidationError(errors) from user_exc
        org = organization_create(created_by=user, **organization)
    membership = Membership.objects.get(user=user, organization=org)
    return SignupResult(user=user, organization=org, membership=membership)


def signup_with_join_request(
    *,
    email: str,
    password: str,
    organization: Organization,
    full_name: str = "",
    phone: str = "",
    preferred_language: str | None = None,
    message: str = "",
) -> SignupResult:
    """A person registers and asks to join an existing verified organization; its administrators decide."""
    with transaction.atomic():
        user = user_create(
            email=email,
            password=password,
            full_name=full_name,
            phone=phone,
            preferred_language=preferred_language,
        )
        join_request = join_request_create(user=user, organization=organization, message=message)
    return SignupResult(user=user, organization=organization, join_request=join_request)


# --- Join requests --------------------------------------------------------------------------------------


def join_request_create(*, user: User, organization: Organization, message: str = "") -> JoinRequest:
    """Ask to join a verified organization; its administrators are notified."""
    from matching.models import Notification
    from matching.notifications import notification_send

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
        notification_send(
            users=organization_admins(organization),
            kind=Notification.Kind.OTHER,
            title=_("%(person)s asks to join %(name)s")
            % {"person": user.get_full_name(), "name": organization.name_zh},
            body=join_request.message,
            url=reverse("accounts:profile"),
            dedupe_key=f"join-request:{join_request.pk}",
        )
    return join_request


def join_request_decide(*, join_request: JoinRequest, decided_by: User, approve: bool) -> JoinRequest:
    """An organization administrator approves (the person becomes a member) or rejects a pending request."""
    from matching.models import Notification
    from matching.notifications import notification_send

    if not user_is_org_admin(decided_by, join_request.organization_id):
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
        title = (
            _("You are now a member of %(name)s") if approve else _("Your request to join %(name)s was declined")
        ) % {"name": locked.organization.name_zh}
        notification_send(
            users=[locked.user],
            kind=Notification.Kind.OTHER,
            title=title,
            url=reverse("accounts:profile"),
            dedupe_key=f"join-request-decided:{locked.pk}",
        )
    return locked


# --- Memberships ----------------------------------------------------------------------------------------


def _require_org_admin(actor: User, organization: Organization | int) -> None:
    if not user_is_org_admin(actor, organization):
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
    if removed_by.pk != membership.user_id:
        _require_org_admin(removed_by, membership.organization_id)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.role == Membership.Role.ADMIN and _admin_count(locked.organization_id) <= 1:
            raise ApplicationError(
                _("An organization needs at least one administrator; make someone else an administrator first."),
            )
        locked.delete()


def user_api_token(*, user: User) -> str:
    """The person's API token, created on first request."""
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=user)
    return token.key
