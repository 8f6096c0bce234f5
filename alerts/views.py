"""Pages: my saved searches and follows, saving a search from the search page, following, and the one-click
unsubscribe link of every alert email (no log-in: the link is signed)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import Organization, User
from alerts import selectors, services
from alerts.forms import DeliveryForm, FollowForm, SaveSearchForm
from alerts.models import Delivery
from catalog.models import Category, Product
from config.exceptions import ApplicationError
from config.redirects import safe_next_url

_SEARCH_PARAMS = (
    "q",
    "kind",
    "category",
    "is_domestic",
    "province",
    "manufacturer",
    "price_min",
    "price_max",
    "budget_min",
    "budget_max",
    "deadline_after",
    "deadline_before",
)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _error_text(exc: ApplicationError) -> str:
    fields = exc.extra.get("fields")
    if isinstance(fields, dict):
        return " ".join(str(m) for messages_ in fields.values() for m in messages_)
    return exc.message


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    saved = list(selectors.saved_search_list(user=_user(request)))
    return render(
        request,
        "alerts/alert_list.html",
        {
            "saved_searches": [(s, services.saved_search_url(s)) for s in saved],
            "follows": list(selectors.follow_list(user=_user(request))),
            "deliveries": Delivery.choices,
        },
    )


@login_required
def saved_search_create(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    params = {name: source[name] for name in _SEARCH_PARAMS if source.get(name) not in (None, "")}
    form = SaveSearchForm(request.POST or None, initial={"delivery": Delivery.DAILY, "name": params.get("q", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.saved_search_create(
                user=_user(request),
                params=params,
                name=form.cleaned_data["name"],
                delivery=form.cleaned_data["delivery"],
            )
        except ApplicationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The search is saved. You will hear of new results."))
            return HttpResponseRedirect(reverse("alerts:list"))
    return render(request, "alerts/save_search.html", {"form": form, "params": params})


@login_required
@require_POST
def saved_search_edit(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(selectors.saved_search_list(user=_user(request)), pk=pk)
    form = DeliveryForm(request.POST)
    if form.is_valid():
        services.saved_search_update(saved_search=saved, user=_user(request), delivery=form.cleaned_data["delivery"])
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Choose how to hear of new items."))
    return HttpResponseRedirect(reverse("alerts:list"))


@login_required
@require_POST
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(selectors.saved_search_list(user=_user(request)), pk=pk)
    services.saved_search_delete(saved_search=saved, user=_user(request))
    messages.success(request, _("The saved search is deleted."))
    return HttpResponseRedirect(reverse("alerts:list"))


_TARGETS: dict[str, Any] = {"category": Category, "organization": Organization, "product": Product}


@login_required
@require_POST
def follow_create(request: HttpRequest) -> HttpResponse:
    form = FollowForm(request.POST)
    back = safe_next_url(request, fallback=reverse("alerts:list"))
    if not form.is_valid():
        messages.error(request, _("Choose what to follow."))
        return HttpResponseRedirect(back)
    target = form.cleaned_data["target"]
    obj = _TARGETS[target].objects.filter(pk=form.cleaned_data["target_id"]).first()
    try:
        if obj is None:
            raise ApplicationError(_("There is nothing to follow there."))
        services.follow_create(user=_user(request), delivery=form.cleaned_data["delivery"], **{target: obj})
    except (ApplicationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc) if isinstance(exc, ApplicationError) else str(exc))
    else:
        messages.success(request, _("You follow it now. Manage what you follow under “My alerts”."))
    return HttpResponseRedirect(back)


@login_required
@require_POST
def follow_edit(request: HttpRequest, pk: int) -> HttpResponse:
    follow = get_object_or_404(selectors.follow_list(user=_user(request)), pk=pk)
    form = DeliveryForm(request.POST)
    if form.is_valid():
        services.follow_update(follow=follow, user=_user(request), delivery=form.cleaned_data["delivery"])
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Choose how to hear of new items."))
    return HttpResponseRedirect(reverse("alerts:list"))


@login_required
@require_POST
def follow_delete(request: HttpRequest, pk: int) -> HttpResponse:
    follow = get_object_or_404(selectors.follow_list(user=_user(request)), pk=pk)
    services.follow_delete(follow=follow, user=_user(request))
    messages.success(request, _("You no longer follow it."))
    return HttpResponseRedirect(reverse("alerts:list"))


# The signed token is the authority here (no log-in, no CSRF token): mail clients' one-click unsubscribe
# (RFC 8058) POSTs it. A GET only shows the button, so link scanners that open links unsubscribe nobody.
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user = services.unsubscribe_user(token)
    if user is None:
        return render(request, "alerts/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.alerts_unsubscribe(user=user)
        return render(request, "alerts/unsubscribe.html", {"done": True, "email": user.email})
    return render(request, "alerts/unsubscribe.html", {"email": user.email})
