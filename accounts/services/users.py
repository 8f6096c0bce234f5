"""Creating people and changing their own profile."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from config.exceptions import ApplicationError

PROFILE_FIELDS = ("full_name", "phone", "email_notifications", "preferred_language")


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


def user_api_token(*, user: User) -> str:
    """The person's API token, created on first request."""
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=user)
    return token.key
