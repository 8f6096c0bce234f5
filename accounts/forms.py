"""Page forms for accounts. They check shapes; the services check the rules, and their errors land here."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries

from accounts.backends import login_wait_of
from accounts.models import Membership, Organization, Province
from accounts.passwords import password_rules
from accounts.regions import province_code
from accounts.selectors import organization_join_choices, organization_join_search
from config.exceptions import ApplicationError

# The join picker shows this many organizations; typing in its search box asks the server for others.
JOIN_PICKER_SIZE = 50


def _limit_join_picker(form: forms.Form) -> None:
    """Validate against every verified organization but render only a first page of them (plus the chosen one)."""
    field = form.fields["organization"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = organization_join_choices()
    shown = organization_join_search(limit=JOIN_PICKER_SIZE)
    chosen = form.data.get(form.add_prefix("organization")) if form.is_bound else None
    if chosen and str(chosen).isdecimal() and all(str(org.pk) != str(chosen) for org in shown):
        shown += list(organization_join_choices().filter(pk=chosen))
    field.widget.choices = [("", "---------"), *((org.pk, org.name) for org in shown)]


class BootstrapFormMixin:
    """Gives every widget the Bootstrap class it needs, so templates can render fields in a loop."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


def add_service_errors(
    form: forms.Form, exc: ValidationError | ApplicationError, rename: dict[str, str] | None = None
) -> None:
    """Show a service's errors on the form: by field where the form has that field, otherwise above it."""
    rename = rename or {}
    if isinstance(exc, ApplicationError):
        field = rename.get(exc.field or "", exc.field)
        form.add_error(field if field in form.fields else None, exc.message)
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, messages in exc.message_dict.items():
        field = rename.get(name, name)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class LoginGuardMessageMixin:
    """Says how long to wait when the log-in guard refused the attempt, instead of "wrong password"."""

    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()  # type: ignore[misc]
        except ValidationError:
            wait = login_wait_of(self.request)
            if wait:
                minutes = max(1, math.ceil(wait / 60))
                raise ValidationError(
                    ngettext(
                        "Too many failed attempts. Try again in %(minutes)d minute or reset your password.",
                        "Too many failed attempts. Try again in %(minutes)d minutes or reset your password.",
                        minutes,
                    ),
                    code="too_many_attempts",
                    params={"minutes": minutes},
                ) from None
            raise


class LoginForm(BootstrapFormMixin, LoginGuardMessageMixin, AuthenticationForm):
    username = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autofocus": True}))


class AdminLoginForm(LoginGuardMessageMixin, AdminAuthenticationForm):
    """The admin's log-in form; the guard itself is in the authentication backend."""


def _province_code(value: Any) -> Any:
    """A typed or posted province (上海, Shanghai, 310000) as its code; anything else is left for the field to
    refuse with its usual message."""
    if value in (None, "") or not isinstance(value, str):
        return value
    return province_code(value) or value


class ProvinceChoiceField(forms.ModelChoiceField):
    """A province chosen by code, or by any name of the alias table (accounts.regions)."""

    def to_python(self, value: Any) -> Any:
        return super().to_python(_province_code(value))


class ProvinceMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Provinces chosen by codes or by any names of the alias table (accounts.regions)."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            value = [_province_code(item) for item in value]
        return super().clean(value)


def _province_field() -> forms.ModelChoiceField:
    return ProvinceChoiceField(
        label=_("Province"),
        queryset=Province.objects.all(),
        required=False,
        help_text=_("For organizations in China only."),
    )


class OrganizationFieldsMixin(forms.Form):
    name_zh = forms.CharField(label=_("Chinese name"), max_length=200, required=False)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        required=False,
        help_text=_("18 characters; required for organizations in China."),
    )
    country = forms.ChoiceField(label=_("Country"), choices=[], initial="CN", required=False)
    province = _province_field()
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = list(countries)  # type: ignore[attr-defined]
        self.fields["province"].label_from_instance = lambda p: f"{p.code} {p.name}"  # type: ignore[attr-defined]

    def organization_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name_zh": data["name_zh"],
            "name_en": data["name_en"],
            "credit_code": data["credit_code"] or None,
            "country": data["country"] or "CN",
            "province": data["province"],
            "website": data["website"],
            "description": data["description"],
        }


class SignupForm(BootstrapFormMixin, OrganizationFieldsMixin):
    class Mode:
        CREATE = "create"
        JOIN = "join"

    email = forms.EmailField(label=_("Email address"))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, strip=False, help_text=password_rules()
    )
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)
    mode = forms.ChoiceField(
        label=_("Organization"),
        choices=[
            (Mode.CREATE, _("Register a new organization (it is verified by the platform staff)")),
            (Mode.JOIN, _("Ask to join a verified organization (its administrators approve)")),
        ],
        initial=Mode.CREATE,
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(label=_("Kind of organization"), choices=Organization.Kind.choices, required=False)
    organization = forms.ModelChoiceField(
        label=_("Organization to join"), queryset=Organization.objects.none(), required=False
    )
    message = forms.CharField(label=_("Message to its administrators"), max_length=500, required=False)

    field_order = ["email", "full_name", "phone", "password1", "password2", "mode", "organization", "message", "kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_join_picker(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        if data.get("password1"):
            # Shown together with the other field errors rather than only once everything else is right.
            try:
                validate_password(data["password1"])
            except ValidationError as exc:
                self.add_error("password1", exc)
        if data.get("mode") == self.Mode.JOIN:
            if not data.get("organization"):
                self.add_error("organization", _("Choose the organization you want to join."))
        else:
            if not data.get("kind"):
                self.add_error("kind", _("Choose the kind of organization."))
            if not data.get("name_zh"):
                self.add_error("name_zh", _("Give the organization's Chinese name."))
        return data


class OrganizationCreateForm(BootstrapFormMixin, OrganizationFieldsMixin):
    kind = forms.ChoiceField(label=_("Kind of organization"), choices=Organization.Kind.choices)
    field_order = ["kind", "name_zh", "name_en", "credit_code", "country", "province", "website", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name_zh"].required = True


class OrganizationEditForm(BootstrapFormMixin, OrganizationFieldsMixin):
    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name_zh": organization.name_zh,
                "name_en": organization.name_en,
                "credit_code": organization.credit_code or "",
                "country": str(organization.country),
                "province": organization.province_id,
                "website": organization.website,
                "description": organization.description,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["name_zh"].required = True
        if organization.is_verified:
            # Identity fields are locked once verified; the service refuses changes anyway.
            for name in ("credit_code", "country"):
                self.fields[name].disabled = True


class JoinForm(BootstrapFormMixin, forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization to join"), queryset=Organization.objects.none())
    message = forms.CharField(label=_("Message to its administrators"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_join_picker(self)


class ProfileForm(BootstrapFormMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email_notifications = forms.BooleanField(
        label=_("Email me my notifications"), required=False, help_text=_("In-app notifications are always kept.")
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)


class MemberAddForm(BootstrapFormMixin, forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
