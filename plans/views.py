"""Pages: upload a procurement plan, read its per-line report, post the chosen lines as draft demands."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Organization, User
from accounts.policies import user_organization_ids
from catalog.models import Category
from catalog.tabular import read_upload
from config.exceptions import ApplicationError
from plans import selectors, services
from plans.api.views import template_response
from plans.forms import PlanUploadForm


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    institutions = Organization.objects.filter(
        pk__in=user_organization_ids(_user(request), kind=Organization.Kind.INSTITUTION)
    )
    form = PlanUploadForm(request.POST or None, request.FILES or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            plan = services.plan_check(
                user=_user(request),
                institution=form.cleaned_data["institution"],
                category=form.cleaned_data["category"],
                filename=upload.name,
                data=read_upload(upload, max_bytes=services.MAX_BYTES),
            )
        except ApplicationError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return HttpResponseRedirect(reverse("plans:detail", args=[plan.pk]))
    plans = selectors.plan_list(user=_user(request))[:50]
    return render(request, "plans/plan_list.html", {"form": form, "plans": plans})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(selectors.plan_list(user=_user(request)), pk=pk)
    return render(request, "plans/plan_detail.html", {"plan": plan, "lines": selectors.plan_lines(plan=plan)})


@login_required
@require_POST
def plan_post(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(selectors.plan_list(user=_user(request)), pk=pk)
    rows = [int(r) for r in request.POST.getlist("rows") if r.isdigit() and len(r) < 9]
    try:
        demands = services.plan_post(user=_user(request), plan=plan, rows=rows)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(n)d draft demands posted. Answer each one's shared-instrument check before opening it.")
            % {"n": len(demands)},
        )
    return HttpResponseRedirect(reverse("plans:detail", args=[plan.pk]))


def plan_template(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    return template_response(get_object_or_404(Category, pk=pk), fmt)
