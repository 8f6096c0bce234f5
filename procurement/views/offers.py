"""Quotes, awards and import justifications on the demand pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.exceptions import ApplicationError
from procurement import policies, selectors, services
from procurement.forms import (
    ImportJustificationForm,
    QuoteForm,
    apply_error,
)
from procurement.models import ImportJustification, Quote
from procurement.views.common import PAGE_SIZE


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
    if not policies.can_review_import_justifications(request.user):
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
    if not policies.can_review_import_justifications(request.user):
        raise Http404
    justification = selectors.import_justification_queue(user=request.user).filter(pk=pk).first()
    if justification is None:
        raise Http404
    try:
        services.import_justification_review(
            justification=justification,
            user=request.user,  # type: ignore[arg-type]
            approve=request.POST.get("decision") == "approve",
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The review is recorded."))
    return redirect("procurement:import-justification-queue")
