"""Registering, changing and verifying organizations."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import notices, policies
from accounts.models import Membership, Organization, Province, User
from accounts.selectors import organization_admins
from config.exceptions import ApplicationError
from notifications.messages import localized
from notifications.services import notify

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
    if not policies.can_edit_organization(updated_by, organization):
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
    if not policies.can_verify_organization(verified_by):
        raise PermissionDenied(_("Only platform staff can verify organizations."))
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if locked.is_verified:
            return locked
        locked.is_verified = True
        locked.verified_by = verified_by
        locked.verified_at = timezone.now()
        locked.save(update_fields=["is_verified", "verified_by", "verified_at", "updated_at"])
        notify(
            users=organization_admins(locked),
            kind=notices.ORGANIZATION_VERIFIED,
            params={"organization": localized(locked.name_zh, locked.name_en)},
            url=reverse("accounts:profile") + f"#organization-{locked.pk}",
            key=f"organization-verified:{locked.pk}",
        )
    organization.refresh_from_db()
    return locked
