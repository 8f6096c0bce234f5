"""Sign-up: a person registers with a new organization or asks to join a verified one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import JoinRequest, Membership, Organization, User
from accounts.services.join_requests import join_request_create
from accounts.services.organizations import _organization_clean_input, _organization_validate, organization_create
from accounts.services.users import user_create


@dataclass(frozen=True)
class SignupResult:
    user: User
    organization: Organization
    membership: Membership | None = None
    join_request: JoinRequest | None = None


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
