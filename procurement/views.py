"""Demand pages. Views read through selectors and change through services; rules live there, not here."""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Organization
from accounts.selectors import user_organization_ids
from catalog.models import Category
from config.exceptions import ApplicationError
from procurement import selectors, services
from procurement.forms import (
    DemandFilterForm,
    DemandForm,
    ImportJustificationForm,
    QuoteForm,
    RequirementRows,
    RevisionForm,
    SharedCheckForm,
    SharedInstrumentForm,
    SharedInstrumentImportForm,
    apply_error,
    institution_queryset,
)
from procurement.models import Demand, ImportJustification, Quote
from procurement.services.requirements import requirement_inputs_from_demand

PAGE_SIZE = 20


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _my_institutions(request: HttpRequest) -> Any:
    return institution_queryset(selectors.demand_access(request.user).org_ids)


# --- public lists ------------------------------------------------------------------------------------------------


@require_GET
def demand_list(request: HttpRequest) -> HttpResponse:
    """Open demands, through the search interface, with filters and facets."""
    form = DemandFilterForm(request.GET or None)
    page = _page_number(request)
    result, demands = selectors.open_demand_search(
        text=form.text() if form.is_bound else "",
        filters=form.filters() if form.is_bound else {},
        page=page,
        page_size=PAGE_SIZE,
    )
    pages = max(1, math.ceil(result.total / PAGE_SIZE))
    return render(
        request,
        "procurement/demand_list.html",
        {
            "form": form,
            "demands": demands,
            "result": result,
            "page": page,
            "pages": pages,
            "query": _query_without_page(request),
        },
    )


@login_required
@require_GET
def demand_mine(request: HttpRequest) -> HttpResponse:
    """Every demand of the user's institutions, drafts included."""
    status = request.GET.get("status") or None
    if status not in {None, *Demand.Status.values}:
        status = None
    demands = selectors.institution_demand_list(user=request.user, status=status)
    page = Paginator(demands, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "procurement/demand_mine.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": Demand.Status.choices,
            "has_institution": bool(selectors.demand_access(request.user).org_ids),
            "query": _query_without_page(request),
        },
    )


@login_required
@require_GET
def demand_for_manufacturer(request: HttpRequest) -> HttpResponse:
    """Open demands in the categories the user's manufacturers make products for."""
    form = DemandFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    if form.is_bound and form.text():
        filters["q"] = form.text()
    demands = selectors.manufacturer_demand_list(user=request.user, filters=filters)
    page = Paginator(demands, PAGE_SIZE).get_page(request.GET.get("page"))
    paths = selectors.manufacturer_category_paths(user=request.user)
    return render(
        request,
        "procurement/demand_for_manufacturer.html",
        {
            "form": form,
            "page_obj": page,
            "categories": Category.objects.filter(path__in=paths).order_by("path"),
            "is_manufacturer": bool(paths) or user_organization_ids(request.user, kind=Organization.Kind.MANUFACTURER),
            "query": _query_without_page(request),
        },
    )


# --- posting and editing -----------------------------------------------------------------------------------------


def _rows_for(category_id: Any, data: Any = None, initial: Any = ()) -> RequirementRows:
    category = Category.objects.filter(pk=category_id).first() if str(category_id or "").isdigit() else None
    parameters = selectors.category_parameters(category) if category else []
    return RequirementRows(parameters, data=data, initial=initial)


@login_required
@require_GET
def requirement_rows(request: HttpRequest) -> HttpResponse:
    """The requirement rows of a category (htmx swaps them in when the category changes)."""
    rows = _rows_for(request.GET.get("category"))
    return render(request, "procurement/_requirement_rows.html", {"rows": rows})


def _service_error(form: DemandForm, rows: RequirementRows | None, exc: ApplicationError) -> None:
    if rows is not None and rows.apply_service_errors(exc):
        return
    apply_error(form, exc)


@login_required
@require_http_methods(["GET", "POST"])
def demand_create(request: HttpRequest) -> HttpResponse:
    institutions = _my_institutions(request)
    if not institutions.exists():
        return render(request, "procurement/no_institution.html", status=403)
    if request.method == "POST":
        form = DemandForm(request.POST, institutions=institutions)
        rows = _rows_for(request.POST.get("category"), data=request.POST)
        if form.is_valid() and rows.is_valid():
            try:
                demand = services.demand_create(
                    user=request.user,  # type: ignore[arg-type]
                    institution=form.cleaned_data["institution"],
                    requirements=rows.inputs(),
                    **form.service_fields(),
                )
            except ApplicationError as exc:
                _service_error(form, rows, exc)
            else:
                messages.success(request, _("Draft saved. Check the shared instruments before opening it."))
                return redirect("procurement:demand-check", pk=demand.pk)
    else:
        category = request.GET.get("category")
        form = DemandForm(institutions=institutions, initial={"category": category} if category else None)
        rows = _rows_for(category)
    return render(request, "procurement/demand_form.html", {"form": form, "rows": rows, "demand": None})


@login_required
@require_http_methods(["GET", "POST"])
def demand_edit(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.demand_get_for_edit(user=request.user, pk=pk)
    if demand.status not in (Demand.Status.DRAFT, Demand.Status.OPEN):
        messages.error(request, _("Only a draft or open demand can be changed."))
        return redirect("procurement:demand-detail", pk=demand.pk)
    is_draft = demand.status == Demand.Status.DRAFT
    institutions = _my_institutions(request)
    initial = {name: getattr(demand, name) for name in services.demands.EDITABLE_FIELDS}
    initial["institution"] = demand.institution
    rows: RequirementRows | None = None
    if request.method == "POST":
        form = DemandForm(request.POST, institutions=institutions, initial=initial, lock_category=not is_draft)
        if is_draft:
            rows = _rows_for(request.POST.get("category"), data=request.POST)
        if form.is_valid() and (rows is None or rows.is_valid()):
            try:
                services.demand_update(
                    demand=demand,
                    user=request.user,  # type: ignore[arg-type]
                    requirements=rows.inputs() if rows is not None else None,
                    **form.service_fields(),
                )
            except ApplicationError as exc:
                _service_error(form, rows, exc)
            else:
                messages.success(request, _("Demand saved."))
                return redirect("procurement:demand-detail", pk=demand.pk)
    else:
        form = DemandForm(institutions=institutions, initial=initial, lock_category=not is_draft)
        if is_draft:
            rows = _rows_for(demand.category_id, initial=requirement_inputs_from_demand(demand))
    return render(request, "procurement/demand_form.html", {"form": form, "rows": rows, "demand": demand})


@login_required
@require_http_methods(["GET", "POST"])
def demand_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The shared-instrument check: what the poster could use instead, and their answer."""
    demand = selectors.demand_get_for_edit(user=request.user, pk=pk)
    candidates = selectors.shared_instrument_candidates(demand=demand)
    form = SharedCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            demand = services.demand_shared_check_answer(
                demand=demand,
                user=request.user,  # type: ignore[arg-type]
                answer=form.cleaned_data["answer"],
                reason=form.cleaned_data["reason"],
            )
            if demand.status == Demand.Status.CANCELLED:
                messages.info(request, _("The demand is cancelled: a shared instrument will be used."))
                return redirect("procurement:demand-detail", pk=demand.pk)
            if "open" in request.POST:
                services.demand_open(demand=demand, user=request.user)  # type: ignore[arg-type]
                messages.success(request, _("The demand is open."))
            else:
                messages.success(request, _("Your answer is saved."))
            return redirect("procurement:demand-detail", pk=demand.pk)
        except ApplicationError as exc:
            if exc.field in form.fields:
                apply_error(form, exc)
            else:
                messages.error(request, exc.message)
                return redirect("procurement:demand-detail", pk=demand.pk)
    return render(request, "procurement/demand_check.html", {"demand": demand, "candidates": candidates, "form": form})


def _transition_view(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    demand = selectors.demand_get_for_edit(user=request.user, pk=pk)
    try:
        action(demand=demand, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("procurement:demand-detail", pk=demand.pk)


@login_required
@require_POST
def demand_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(request, pk, services.demand_open, _("The demand is open."))


@login_required
@require_POST
def demand_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(request, pk, services.demand_cancel, _("The demand is cancelled."))


@login_required
@require_POST
def demand_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(request, pk, services.demand_close, _("The demand is closed."))


@login_required
@require_http_methods(["GET", "POST"])
def demand_revise(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an open demand's requirements; the previous ones are kept as a revision."""
    demand = selectors.demand_get_for_edit(user=request.user, pk=pk)
    if demand.status != Demand.Status.OPEN:
        messages.error(request, _("Only an open demand is revised; edit a draft directly."))
        return redirect("procurement:demand-detail", pk=demand.pk)
    if request.method == "POST":
        form = RevisionForm(request.POST)
        rows = _rows_for(demand.category_id, data=request.POST)
        if form.is_valid() and rows.is_valid():
            try:
                services.demand_revise(
                    demand=demand,
                    user=request.user,  # type: ignore[arg-type]
                    requirements=rows.inputs(),
                    free_text_requirements=form.cleaned_data["free_text_requirements"],
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as exc:
                if not rows.apply_service_errors(exc):
                    apply_error(form, exc)
            else:
                messages.success(request, _("The requirements are revised; matching runs again."))
                return redirect("procurement:demand-detail", pk=demand.pk)
    else:
        form = RevisionForm(initial={"free_text_requirements": demand.free_text_requirements})
        rows = _rows_for(demand.category_id, initial=requirement_inputs_from_demand(demand))
    return render(request, "procurement/demand_revise.html", {"demand": demand, "form": form, "rows": rows})


# --- detail, quotes, award -----------------------------------------------------------------------------------------


@require_GET
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.demand_get(user=request.user, pk=pk)
    access = selectors.demand_access(request.user)
    quotes = list(selectors.quote_list(user=request.user, demand=demand)) if request.user.is_authenticated else []
    quote_form = None
    if demand.is_open and access.is_verified_manufacturer:
        products = selectors.quotable_products(user=request.user, demand=demand)
        if products.exists():
            quote_form = QuoteForm(products=products)
    return render(
        request,
        "procurement/demand_detail.html",
        {
            "demand": demand,
            "requirements": list(demand.requirements.all()),
            "revisions": list(selectors.demand_revisions(demand=demand)),
            "can_edit": access.can_edit(demand),
            "can_see_contact": access.can_see_contact(demand),
            "quotes": quotes,
            "quote_form": quote_form,
            "award": getattr(demand, "award", None) if demand.status == Demand.Status.AWARDED else None,
            "user_manufacturer_ids": user_organization_ids(request.user, kind=Organization.Kind.MANUFACTURER),
            "justification": selectors.import_justification_for(user=request.user, demand=demand),
        },
    )


@login_required
@require_POST
def quote_create(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.demand_get(user=request.user, pk=pk)
    products = selectors.quotable_products(user=request.user, demand=demand)
    form = QuoteForm(request.POST, products=products)
    if form.is_valid():
        try:
            services.quote_submit(
                user=request.user,  # type: ignore[arg-type]
                demand=demand,
                product=form.cleaned_data["product"],
                unit_price=form.cleaned_data["unit_price"],
                lead_time_days=form.cleaned_data["lead_time_days"],
                message=form.cleaned_data["message"],
            )
        except (ApplicationError, PermissionDenied) as exc:
            messages.error(request, getattr(exc, "message", None) or _("You may not quote on this demand."))
        else:
            messages.success(request, _("Your quote is sent to the buyer."))
    else:
        messages.error(request, _("The quote is incomplete: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("procurement:demand-detail", pk=demand.pk)


@login_required
@require_POST
def quote_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    try:
        services.quote_withdraw(quote=quote, user=request.user)  # type: ignore[arg-type]
    except PermissionDenied:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The quote is withdrawn."))
    return redirect("procurement:demand-detail", pk=quote.demand_id)


@login_required
@require_POST
def demand_award(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.demand_get_for_edit(user=request.user, pk=pk)
    quote: Quote | None = None
    try:
        quote = selectors.quote_get(user=request.user, pk=int(request.POST.get("quote", "0")))
    except (ValueError, Http404):
        messages.error(request, _("Choose a quote to award."))
        return redirect("procurement:demand-detail", pk=demand.pk)
    try:
        services.demand_award(
            demand=demand,
            user=request.user,  # type: ignore[arg-type]
            quote=quote,
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The demand is awarded."))
    return redirect("procurement:demand-detail", pk=demand.pk)


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
            "my_org_ids": user_organization_ids(request.user),
            "query": _query_without_page(request),
            "can_add": bool(selectors.demand_access(request.user).org_ids),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shared_instrument_create(request: HttpRequest) -> HttpResponse:
    institutions = _my_institutions(request)
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
    form = SharedInstrumentForm(request.POST or None, instance=instrument, institutions=_my_institutions(request))
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
    institutions = _my_institutions(request)
    if not institutions.exists():
        return render(request, "procurement/no_institution.html", status=403)
    form = SharedInstrumentImportForm(request.POST or None, request.FILES or None, institutions=institutions)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            form.add_error("file", _("The file is larger than 2 MB."))
        else:
            report = services.shared_instrument_import_csv(
                user=request.user,  # type: ignore[arg-type]
                institution=form.cleaned_data["institution"],
                content=upload.read(),
            )
            if report.ok:
                messages.success(request, _("%(count)d shared instruments imported.") % {"count": report.created})
                return redirect("procurement:shared-instrument-list")
    return render(request, "procurement/shared_instrument_import.html", {"form": form, "report": report})


# --- import justifications -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_justification(request: HttpRequest, pk: int) -> HttpResponse:
    """File the evidence that no domestic product will do, before fiscal funds buy an imported one."""
    demand = selectors.demand_get_for_edit(user=request.user, pk=pk)
    current = selectors.import_justification_for(user=request.user, demand=demand)
    initial = None
    if current is not None:
        initial = {
            "imported_product": current.imported_product_id,
            "reason": current.reason,
            "domestic_products_considered": list(current.domestic_products_considered.all()),
        }
    form = ImportJustificationForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        imported=selectors.imported_products_for(demand=demand),
        domestic=selectors.domestic_products_for(demand=demand),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.import_justification_submit(
                demand=demand,
                user=request.user,  # type: ignore[arg-type]
                imported_product=form.cleaned_data["imported_product"],
                reason=form.cleaned_data["reason"],
                domestic_products_considered=list(form.cleaned_data["domestic_products_considered"]),
                document=form.cleaned_data["document"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The import justification is submitted for review."))
            return redirect("procurement:demand-detail", pk=demand.pk)
    return render(
        request,
        "procurement/import_justification_form.html",
        {"demand": demand, "form": form, "justification": current},
    )


@login_required
@require_GET
def import_justification_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise Http404
    status = request.GET.get("status", ImportJustification.Status.SUBMITTED)
    if status not in ImportJustification.Status.values:
        status = ImportJustification.Status.SUBMITTED
    queue = selectors.import_justification_queue(user=request.user, status=status)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "procurement/import_justification_queue.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": ImportJustification.Status.choices,
            "query": f"status={status}",
        },
    )


@login_required
@require_POST
def import_justification_review(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_staff:
        raise Http404
    justification = selectors.import_justification_queue(user=request.user).filter(pk=pk).first()
    if justification is None:
        raise Http404
    try:
        services.import_justification_review(
            justification=justification,
            user=request.user,
            approve=request.POST.get("decision") == "approve",
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The review is recorded."))
    return redirect("procurement:import-justification-queue")
