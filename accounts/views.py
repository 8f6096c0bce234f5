"""Account pages: sign-up, log in/out, password reset, profile with organizations and members, staff verification."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import forms, policies, services
from accounts.models import JoinRequest, Membership, Organization, User
from accounts.selectors import (
    join_requests_for_admin,
    memberships_of_organizations,
    organization_join_search,
    organization_verification_queue,
    user_join_requests,
    user_memberships,
)
from config.confirm import Confirmation, confirmation_page, is_confirmed
from config.exceptions import ApplicationError

# Sign-up names the password fields as the form does, not as the service does.
SIGNUP_ERROR_FIELDS = {"password": "password1"}


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors are sent to log in; signed-in people who are not staff get a 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not policies.is_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- Sign-up, log in, log out, password reset ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = {
            "email": data["email"],
            "password": data["password1"],
            "full_name": data["full_name"],
            "phone": data["phone"],
            "preferred_language": request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else None,
        }
        try:
            if data["mode"] == forms.SignupForm.Mode.JOIN:
                result = services.signup_with_join_request(
                    organization=data["organization"], message=data["message"], **person
                )
            else:
                result = services.signup_with_new_organization(
                    organization={"kind": data["kind"], **form.organization_data()}, **person
                )
        except (ValidationError, ApplicationError) as exc:
            forms.add_service_errors(form, exc, SIGNUP_ERROR_FIELDS)
        else:
            login(request, result.user, backend="accounts.backends.GuardedModelBackend")
            if result.join_request is not None:
                messages.success(
                    request,
                    _("Welcome! Your request to join %(name)s is waiting for its administrators.")
                    % {"name": result.organization.name},
                )
            else:
                messages.success(
                    request,
                    _("Welcome! %(name)s is registered and waits for verification by the platform staff.")
                    % {"name": result.organization.name},
                )
            return redirect("accounts:profile")
    return render(request, "accounts/signup.html", {"form": form})


def _remember_language(response: HttpResponse, language: str) -> HttpResponse:
    """Pages follow the language cookie; set it to the person's preferred language."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: forms.LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        return _remember_language(response, form.get_user().preferred_language)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule): a link or prefetch must not log anyone out."""


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


# --- Profile and organizations ------------------------------------------------------------------------------


def _profile_context(request: HttpRequest, profile_form: forms.ProfileForm) -> dict[str, Any]:
    user = _user(request)
    memberships = list(user_memberships(user).order_by("organization__name_zh"))
    admin_org_ids = [m.organization_id for m in memberships if m.is_admin]
    members_by_org: dict[int, list[Membership]] = {}
    for membership in memberships_of_organizations(admin_org_ids):
        members_by_org.setdefault(membership.organization_id, []).append(membership)
    pending_by_org: dict[int, list[JoinRequest]] = {}
    for join_request in join_requests_for_admin(user):
        pending_by_org.setdefault(join_request.organization_id, []).append(join_request)
    return {
        "profile_form": profile_form,
        "memberships": [
            {
                "membership": m,
                "organization": m.organization,
                "members": members_by_org.get(m.organization_id, []),
                "join_requests": pending_by_org.get(m.organization_id, []),
            }
            for m in memberships
        ],
        "my_join_requests": list(user_join_requests(user).filter(status=JoinRequest.Status.PENDING)),
        "member_add_form": forms.MemberAddForm(),
        "roles": Membership.Role.choices,
    }


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    initial = {
        "full_name": user.full_name,
        "phone": user.phone,
        "email_notifications": user.email_notifications,
        "preferred_language": user.preferred_language,
    }
    form = forms.ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(user=user, **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            forms.add_service_errors(form, exc)
        else:
            with translation.override(user.preferred_language):
                messages.success(request, _("Your profile is saved."))
            return _remember_language(redirect("accounts:profile"), user.preferred_language)
    return render(request, "accounts/profile.html", _profile_context(request, form))


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    form = forms.OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(
                created_by=_user(request), kind=form.cleaned_data["kind"], **form.organization_data()
            )
        except (ValidationError, ApplicationError) as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is registered and waits for verification by the platform staff.")
                % {"name": organization.name},
            )
            return redirect("accounts:profile")
    return render(request, "accounts/organization_form.html", {"form": form, "organization": None})


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    if not policies.can_edit_organization(request.user, organization):
        raise PermissionDenied
    form = forms.OrganizationEditForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data if not form.fields[name].disabled}
        data = form.organization_data()
        try:
            services.organization_update(
                organization=organization, updated_by=_user(request), **{name: data[name] for name in changes}
            )
        except (ValidationError, ApplicationError) as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("The organization is saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/organization_form.html", {"form": form, "organization": organization})


@login_required
@require_http_methods(["GET", "POST"])
def organization_join(request: HttpRequest) -> HttpResponse:
    form = forms.JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            join_request = services.join_request_create(
                user=_user(request),
                organization=form.cleaned_data["organization"],
                message=form.cleaned_data["message"],
            )
        except (ValidationError, ApplicationError) as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your request to join %(name)s is waiting for its administrators.")
                % {"name": join_request.organization.name},
            )
            return redirect("accounts:profile")
    return render(request, "accounts/organization_join.html", {"form": form})


def _run(request: HttpRequest, action: Callable[[], object], success: str) -> HttpResponse:
    """Run a member-management service from a profile-page button and report the outcome as a message."""
    try:
        action()
    except (ValidationError, ApplicationError, PermissionDenied) as exc:
        if isinstance(exc, ApplicationError):
            text = exc.message
        elif isinstance(exc, ValidationError):
            text = " ".join(exc.messages)
        else:
            text = str(exc) or _("You are not allowed to do this.")
        messages.error(request, text)
    else:
        messages.success(request, success)
    return redirect("accounts:profile")


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    form = forms.MemberAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("accounts:profile")
    return _run(
        request,
        lambda: services.membership_add(organization=organization, added_by=_user(request), **form.cleaned_data),
        _("%(email)s is now a member.") % {"email": form.cleaned_data["email"]},
    )


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    form = forms.MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("accounts:profile")
    return _run(
        request,
        lambda: services.membership_change_role(
            membership=membership, role=form.cleaned_data["role"], changed_by=_user(request)
        ),
        _("The role of %(person)s is changed.") % {"person": membership.user},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("user", "organization"), pk=pk)
    if not is_confirmed(request):
        leaving = policies.can_leave(request.user, membership)
        if not (leaving or policies.can_manage_members(request.user, membership.organization_id)):
            raise Http404
        organization = membership.organization.name
        if leaving:
            confirmation = Confirmation(
                title=_("Leave this organization?"),
                summary=_("You will no longer belong to %(name)s.") % {"name": organization},
                consequences=[
                    _("You lose its role: you can no longer act for it, nor see what only its members see."),
                    _("To come back, ask to join again or be added by one of its administrators."),
                ],
                button=_("Leave this organization"),
                cancel_url=reverse("accounts:profile"),
            )
        else:
            confirmation = Confirmation(
                title=_("Remove this member?"),
                summary=_("%(person)s (%(email)s) will no longer belong to %(name)s.")
                % {"person": membership.user, "email": membership.user.email, "name": organization},
                consequences=[
                    _("They can no longer act for the organization, nor see what only its members see."),
                    _("Their past demands, products and quotes stay with the organization."),
                ],
                button=_("Remove"),
                cancel_url=reverse("accounts:profile"),
            )
        return confirmation_page(request, confirmation)
    return _run(
        request,
        lambda: services.membership_remove(membership=membership, removed_by=_user(request)),
        _("%(person)s no longer belongs to %(name)s.")
        % {"person": membership.user, "name": membership.organization.name},
    )


@login_required
@require_POST
def join_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    join_request = get_object_or_404(JoinRequest.objects.select_related("user"), pk=pk)
    approve = request.POST.get("decision") == "approve"
    return _run(
        request,
        lambda: services.join_request_decide(join_request=join_request, decided_by=_user(request), approve=approve),
        (_("%(person)s is now a member.") if approve else _("The request of %(person)s is declined."))
        % {"person": join_request.user},
    )


@require_http_methods(["GET"])
def organization_options(request: HttpRequest) -> HttpResponse:
    """`<option>`s of verified organizations matching `q`, for the join picker's search box (htmx)."""
    organizations = organization_join_search(text=request.GET.get("q", "")[:100], limit=forms.JOIN_PICKER_SIZE)
    return render(request, "accounts/_organization_options.html", {"organizations": organizations})


# --- Staff verification ---------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET"])
def verification_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/verification_queue.html", {"organizations": list(organization_verification_queue())}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def organization_verify(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    if not is_confirmed(request):
        if organization.is_verified:
            messages.info(request, _("%(name)s is already verified.") % {"name": organization.name})
            return redirect("accounts:verification-queue")
        if organization.kind == Organization.Kind.MANUFACTURER:
            can = _("Its members can publish products and quote on demands.")
        else:
            can = _("Its members can evaluate products on behalf of it.")
        consequences = [
            _("Its listings become public."),
            can,
            _("Its administrators are told."),
            _("Verification is not withdrawn from these pages; check the credit code and the website first."),
        ]
        return confirmation_page(
            request,
            Confirmation(
                title=_("Verify this organization?"),
                summary=_("%(name)s (%(kind)s, credit code %(code)s) will be marked as verified.")
                % {
                    "name": organization.name,
                    "kind": organization.get_kind_display(),
                    "code": organization.credit_code or "—",
                },
                consequences=consequences,
                button=_("Verify"),
                cancel_url=reverse("accounts:verification-queue"),
                is_danger=False,
            ),
        )
    services.organization_verify(organization=organization, verified_by=_user(request))
    messages.success(request, _("%(name)s is verified; its administrators are told.") % {"name": organization.name})
    return redirect("accounts:verification-queue")
