"""The shared-instrument registry pages: list, add, edit, delete, CSV import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.exceptions import ApplicationError
from procurement import policies, selectors, services
from procurement.forms import (
    DemandFilterForm,
    SharedInstrumentForm,
    SharedInstrumentImportForm,
    apply_error,
)
from procurement.views.common import PAGE_SIZE, my_institutions, query_without_page

# --- shared instruments --------------------------------------------------------------------------------------------


@require_GET
def shared_instrument_list(request: HttpRequest) -> HttpResponse:
    form = DemandFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    if form.is_bound and form.text():
        filters["q"] = form.text()
    if request.GET.get("mine"):
        filters["mine"] = True
    instruments = selectors.shared_instrument_list(user=request.user, filters=filters)
    page = Paginator(instruments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "procurement/shared_instrument_list.html",
        {
            "form": form,
            "page_obj": page,
            "editable_ids": {i.pk for i in page if policies.can_edit_shared_instrument(request.user, i)},
            "query": query_without_page(request),
            "can_add": bool(policies.demand_access(request.user).org_ids),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shared_instrument_create(request: HttpRequest) -> HttpResponse:
    institutions = my_institutions(request)
    if not institutions.exists():
        return render(request, "procurement/no_institution.html", status=403)
    form = SharedInstrumentForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        try:
            services.shared_instrument_create(
                user=request.user,  # type: ignore[arg-type]
                institution=form.cleaned_data["institution"],
                **form.service_fields(),
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The shared instrument is listed."))
            return redirect("procurement:shared-instrument-list")
    return render(request, "procurement/shared_instrument_form.html", {"form": form, "instrument": None})


@login_required
@require_http_methods(["GET", "POST"])
def shared_instrument_edit(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = selectors.shared_instrument_get_for_edit(user=request.user, pk=pk)
    form = SharedInstrumentForm(request.POST or None, instance=instrument, institutions=my_institutions(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.shared_instrument_update(
                instrument=instrument,
                user=request.user,  # type: ignore[arg-type]
                **form.service_fields(),
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The shared instrument is saved."))
            return redirect("procurement:shared-instrument-list")
    return render(request, "procurement/shared_instrument_form.html", {"form": form, "instrument": instrument})


@login_required
@require_http_methods(["GET", "POST"])
def shared_instrument_delete(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = selectors.shared_instrument_get_for_edit(user=request.user, pk=pk)
    if request.method == "POST":
        services.shared_instrument_delete(instrument=instrument, user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("The shared instrument is removed."))
        return redirect("procurement:shared-instrument-list")
    return render(request, "procurement/shared_instrument_delete.html", {"instrument": instrument})


@login_required
@require_http_methods(["GET", "POST"])
def shared_instrument_import(request: HttpRequest) -> HttpResponse:
    institutions = my_institutions(request)
    if not institutions.exists():
        return render(request, "procurement/no_institution.html", status=403)
    form = SharedInstrumentImportForm(request.POST or None, request.FILES or None, institutions=institutions)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.shared_instrument_import(
                user=request.user,  # type: ignore[arg-type]
                institution=form.cleaned_data["institution"],
                filename=upload.name or "",
                data=services.shared_instrument_upload_read(upload),
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            if report.ok:
                messages.success(request, _("%(count)d shared instruments imported.") % {"count": report.created})
                return redirect("procurement:shared-instrument-list")
    return render(request, "procurement/shared_instrument_import.html", {"form": form, "report": report})
