"""Webhook pages of an organization's administrators; thin over feed.selectors and feed.webhooks."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from config.exceptions import ApplicationError
from feed import selectors, webhooks
from feed.forms import WebhookEditForm, WebhookForm
from procurement.forms import apply_error

DELIVERIES_PER_PAGE = 50


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest, organization: int) -> HttpResponse:
    """An organization's endpoints and the form to add one; only its administrators see this page."""
    org = selectors.webhook_organizations(user=request.user).filter(pk=organization).first()
    if org is None:
        raise Http404
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhooks.webhook_create(user=_user(request), organization=org, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The webhook is registered; it receives events from now on."))
            return redirect("feed:webhook-detail", pk=endpoint.pk)
    return render(
        request,
        "feed/webhook_list.html",
        {"organization": org, "endpoints": selectors.webhook_list(user=request.user, organization=org), "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One endpoint: change it, switch it on or off, and read its deliveries with every attempt."""
    endpoint = selectors.webhook_get(user=request.user, pk=pk)
    initial = {
        "url": endpoint.url,
        "kinds": endpoint.kinds,
        "description": endpoint.description,
        "is_active": endpoint.is_active,
    }
    form = WebhookEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhooks.webhook_update(user=_user(request), endpoint=endpoint, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The webhook is saved."))
            return redirect("feed:webhook-detail", pk=endpoint.pk)
    deliveries = Paginator(selectors.webhook_deliveries(user=request.user, endpoint=endpoint), DELIVERIES_PER_PAGE)
    return render(
        request,
        "feed/webhook_detail.html",
        {"endpoint": endpoint, "form": form, "page_obj": deliveries.get_page(request.GET.get("page"))},
    )


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = selectors.webhook_get(user=request.user, pk=pk)
    organization = endpoint.organization_id
    webhooks.webhook_delete(user=_user(request), endpoint=endpoint)
    messages.success(request, _("The webhook is deleted."))
    return redirect("feed:webhooks", organization=organization)
