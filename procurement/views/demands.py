"""Demand pages: lists, posting and editing, the shared-instrument check, lifecycle actions, detail."""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Organization
from accounts.policies import user_organization_ids
from catalog.models import Category
from catalog.selectors import category_dictionary, category_parameters
from config.api.downloads import download_page_links
from config.confirm import Confirmation, confirmation_page, is_confirmed
from config.exceptions import ApplicationError
from procurement import policies, selectors, services
from procurement.forms import (
    OPERATOR_LABELS,
    DemandFilterForm,
    DemandForm,
    QuoteForm,
    RequirementRows,
    RevisionForm,
    SharedCheckForm,
    apply_error,
)
from procurement.models import Demand
from procurement.services.requirements import requirement_inputs_from_demand
from procurement.views.common import PAGE_SIZE, my_institutions, page_number, query_without_page

# --- public lists ------------------------------------------------------------------------------------------------


@require_GET
def demand_list(request: HttpRequest) -> HttpResponse:
    """Open demands, through the search interface, with filters and facets."""
    form = DemandFilterForm(request.GET or None)
    page = page_number(request)
    result, demands = selectors.open_demand_search(
        text=form.text() if form.is_bound else "",
        filters=form.filters() if form.is_bound else {},
        page=page,
        page_size=PAGE_SIZE,
        sort=form.sort_key() if form.is_bound else "",
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
            "query": query_without_page(request),
            # The Atom feed of the chosen category's open demands.
            "downloads": download_page_links("demand", {**form.filters(), "q": form.text()} if form.is_bound else {}),
            "feed_category": form.cleaned_data.get("category") if form.is_bound and form.is_valid() else None,
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
            "has_institution": bool(policies.demand_access(request.user).org_ids),
            "query": query_without_page(request),
        },
    )


@login_required
@require_GET
def demand_for_manufacturer(request: HttpRequest) -> HttpResponse:
    """Open demands in the categories the user's manufacturers make products for."""
    form = DemandFilterForm(request.GET or None, sorts=selectors.MANUFACTURER_DEMAND_SORTS)
    filters = form.filters() if form.is_bound else {}
    if form.is_bound and form.text():
        filters["q"] = form.text()
    demands = selectors.manufacturer_demand_list(
        user=request.user, filters=filters, sort=form.sort_key() if form.is_bound else ""
    )
    page = Paginator(demands, PAGE_SIZE).get_page(request.GET.get("page"))
    codes = selectors.manufacturer_category_codes(user=request.user)
    return render(
        request,
        "procurement/demand_for_manufacturer.html",
        {
            "form": form,
            "page_obj": page,
            "categories": Category.objects.filter(code__in=codes).order_by("path"),
            "is_manufacturer": bool(codes) or user_organization_ids(request.user, kind=Organization.Kind.MANUFACTURER),
            "query": query_without_page(request),
        },
    )


# --- posting and editing -----------------------------------------------------------------------------------------


def _rows_for(category_id: Any, data: Any = None, initial: Any = ()) -> RequirementRows:
    category = Category.objects.filter(pk=category_id).first() if str(category_id or "").isdecimal() else None
    parameters = category_parameters(category) if category else []
    return RequirementRows(parameters, data=data, initial=initial)


@login_required
@require_GET
def requirement_rows(request: HttpRequest) -> HttpResponse:
    """The requirement rows of a category (htmx swaps them in when the category changes)."""
    rows = _rows_for(request.GET.get("category"))
    return render(request, "procurement/_requirement_rows.html", {"rows": rows})


def _all_valid(form: Any, rows: RequirementRows | None) -> bool:
    """Validate the form and every requirement row (no short-circuit), so all errors show on one submit."""
    form_ok = form.is_valid()
    rows_ok = rows is None or rows.is_valid()
    return form_ok and rows_ok


def _service_error(form: DemandForm, rows: RequirementRows | None, exc: ApplicationError) -> None:
    if rows is not None and rows.apply_service_errors(exc):
        return
    apply_error(form, exc)


@login_required
@require_http_methods(["GET", "POST"])
def demand_create(request: HttpRequest) -> HttpResponse:
    institutions = my_institutions(request)
    if not institutions.exists():
        return render(request, "procurement/no_institution.html", status=403)
    if request.method == "POST":
        form = DemandForm(request.POST, institutions=institutions)
        rows = _rows_for(request.POST.get("category"), data=request.POST)
        if _all_valid(form, rows):
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
    institutions = my_institutions(request)
    initial = {name: getattr(demand, name) for name in services.demands.EDITABLE_FIELDS}
    initial["institution"] = demand.institution
    rows: RequirementRows | None = None
    if request.method == "POST":
        form = DemandForm(request.POST, institutions=institutions, initial=initial, lock_category=not is_draft)
        if is_draft:
            rows = _rows_for(request.POST.get("category"), data=request.POST)
        if _all_valid(form, rows):
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
@require_http_methods(["GET", "POST"])
def demand_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_confirmed(request):
        demand = selectors.demand_get_for_edit(user=request.user, pk=pk)
        consequences = [
            _("The demand is withdrawn: it leaves the list of open demands and takes no more quotes."),
            _("A cancelled demand cannot be opened again; to buy later, post a new demand."),
        ]
        pending = selectors.demand_submitted_quote_count(demand=demand)
        if pending:
            consequences.append(
                ngettext(
                    "The %(count)d quote received stays on record, unanswered.",
                    "The %(count)d quotes received stay on record, unanswered.",
                    pending,
                )
                % {"count": pending}
            )
        return confirmation_page(
            request,
            Confirmation(
                title=_("Cancel this demand?"),
                summary=_("“%(title)s” will be cancelled.") % {"title": demand.title},
                consequences=consequences,
                button=_("Cancel the demand"),
                cancel_url=reverse("procurement:demand-detail", args=[demand.pk]),
            ),
        )
    return _transition_view(request, pk, services.demand_cancel, _("The demand is cancelled."))


@login_required
@require_http_methods(["GET", "POST"])
def demand_close(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_confirmed(request):
        demand = selectors.demand_get_for_edit(user=request.user, pk=pk)
        return confirmation_page(
            request,
            Confirmation(
                title=_("Close this demand without an award?"),
                summary=_("“%(title)s” will stop taking quotes, and nothing will be awarded.")
                % {"title": demand.title},
                consequences=[
                    _("Manufacturers can no longer quote on it, and its matches are no longer sent to them."),
                    _("A closed demand cannot be opened again or awarded; to buy later, post a new demand."),
                ],
                button=_("Close the demand"),
                cancel_url=reverse("procurement:demand-detail", args=[demand.pk]),
            ),
        )
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
        if _all_valid(form, rows):
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


def _revisions_shown(demand: Demand) -> list[Any]:
    """Earlier requirements with each parameter by its name and each operator in words (snapshots keep keys)."""
    parameters = category_dictionary(demand.category)
    revisions = list(selectors.demand_revisions(demand=demand))
    for revision in revisions:
        revision.rows = [  # type: ignore[attr-defined]
            {
                **row,
                "name": getattr(parameters.get(row.get("parameter", "")), "name", row.get("parameter")),
                "operator": OPERATOR_LABELS.get(row.get("operator", ""), row.get("operator", "")),
            }
            for row in (revision.snapshot or {}).get("requirements", [])
        ]
    return revisions


def demand_detail_context(
    request: HttpRequest, demand: Demand, *, quote_form: QuoteForm | None = None
) -> dict[str, Any]:
    """What the demand page shows; a quote form sent back with errors is shown in place of a blank one."""
    access = policies.demand_access(request.user)
    quotes = list(selectors.quote_list(user=request.user, demand=demand)) if request.user.is_authenticated else []
    if (
        quote_form is None
        and demand.is_open
        and access.is_verified_manufacturer
        and not services.deadline_has_passed(demand)
    ):
        products = selectors.quotable_products(user=request.user, demand=demand)
        if products.exists():
            quote_form = QuoteForm(products=products)
    return {
        "demand": demand,
        "requirements": list(demand.requirements.all()),
        "revisions": _revisions_shown(demand),
        "can_edit": access.can_edit(demand),
        "can_see_contact": access.can_see_contact(demand),
        "quotes": quotes,
        "quote_count": selectors.demand_quote_count(user=request.user, demand=demand),
        "quote_form": quote_form,
        "award": getattr(demand, "award", None) if demand.status == Demand.Status.AWARDED else None,
        "withdrawable_quote_ids": {q.pk for q in quotes if policies.can_withdraw_quote(request.user, q)},
        "justification": selectors.import_justification_for(user=request.user, demand=demand),
        "can_see_history": policies.can_see_demand_history(request.user, demand),
        "history_quotes": [q for q in quotes if policies.can_see_quote_history(request.user, q)],
    }


@require_GET
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.demand_get(user=request.user, pk=pk)
    return render(request, "procurement/demand_detail.html", demand_detail_context(request, demand))
