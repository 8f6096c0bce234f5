"""Quotes, awards and import justifications on the demand pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.confirm import Confirmation, confirmation_page, is_confirmed
from config.exceptions import ApplicationError
from config.formatting import amount_cny
from procurement import policies, selectors, services
from procurement.forms import (
    ImportJustificationForm,
    QuoteForm,
    apply_error,
)
from procurement.models import ImportJustification
from procurement.views.common import PAGE_SIZE
from procurement.views.demands import demand_detail_context


@login_required
@require_POST
def quote_create(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.demand_get(user=request.user, pk=pk)
    products = selectors.quotable_products(user=request.user, demand=demand)
    form = QuoteForm(request.POST, request.FILES, products=products)
    draft = request.POST.get("action") == "draft"
    if form.is_valid():
        try:
            services.quote_submit(
                user=request.user,  # type: ignore[arg-type]
                demand=demand,
                product=form.cleaned_data["product"],
                draft=draft,
                **form.terms(),
            )
        except PermissionDenied:
            form.add_error(None, _("You may not quote on this demand."))
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request, _("Your draft quote is saved.") if draft else _("Your quote is sent to the buyer.")
            )
            return redirect(reverse("procurement:demand-detail", args=[demand.pk]) + "#quotes")
    # The page again with the quote form as sent: every error beside its field, the typed values kept.
    context = demand_detail_context(request, demand, quote_form=form)
    return render(request, "procurement/demand_detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def quote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete a draft quote, then save it again or send it."""
    quote = selectors.quote_get(user=request.user, pk=pk)
    if not quote.is_draft or not policies.can_withdraw_quote(request.user, quote):
        raise Http404
    demand = quote.demand
    products = selectors.quotable_products(user=request.user, demand=demand)
    initial = {
        "product": quote.product_id,
        "unit_price": quote.unit_price,
        "quantity": quote.quantity,
        "lead_time_days": quote.lead_time_days,
        "warranty_months": quote.warranty_months,
        "service_provinces": list(quote.service_provinces.all()),
        "service_response_hours": quote.service_response_hours,
        "declared_origin": quote.declared_origin,
        "component_cost_share": quote.component_cost_share,
        "message": quote.message,
    }
    form = QuoteForm(request.POST or None, request.FILES or None, products=products, initial=initial)
    status = 200
    if request.method == "POST":
        draft = request.POST.get("action") == "draft"
        if form.is_valid():
            try:
                services.quote_submit(
                    user=request.user,  # type: ignore[arg-type]
                    demand=demand,
                    product=form.cleaned_data["product"],
                    draft=draft,
                    quote=quote,
                    **form.terms(),
                )
            except PermissionDenied:
                form.add_error(None, _("You may not quote on this demand."))
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(
                    request, _("Your draft quote is saved.") if draft else _("Your quote is sent to the buyer.")
                )
                return redirect(reverse("procurement:demand-detail", args=[demand.pk]) + "#quotes")
        status = 400
    return render(
        request, "procurement/quote_form.html", {"demand": demand, "quote": quote, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def quote_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    if not is_confirmed(request):
        if not policies.can_withdraw_quote(request.user, quote):
            raise Http404
        return confirmation_page(
            request,
            Confirmation(
                title=_("Withdraw this quote?"),
                summary=_("Your quote of %(product)s on “%(title)s” will be withdrawn.")
                % {"product": f"{quote.product.name} {quote.product.model_number}", "title": quote.demand.title},
                consequences=[
                    _("The buyer can no longer award it."),
                    _("A withdrawn quote cannot be restored; you may send a new one while the demand is open."),
                ],
                button=_("Withdraw the quote"),
                cancel_url=reverse("procurement:demand-detail", args=[quote.demand_id]) + "#quotes",
            ),
        )
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
@require_http_methods(["GET", "POST"])
def demand_award(request: HttpRequest, pk: int) -> HttpResponse:
    """Award a quote: GET (or a POST not yet confirmed) says what the award does; the confirmed POST awards."""
    demand = selectors.demand_get_for_edit(user=request.user, pk=pk)
    raw = (request.POST if request.method == "POST" else request.GET).get("quote", "")
    quote = selectors.quote_list(user=request.user, demand=demand).filter(pk=raw).first() if raw.isdecimal() else None
    if quote is None:
        messages.error(request, _("Choose a quote to award."))
        return redirect("procurement:demand-detail", pk=demand.pk)
    if not is_confirmed(request):
        others = max(0, selectors.demand_submitted_quote_count(demand=demand) - 1)
        consequences = [_("The demand becomes awarded and takes no more quotes; an award cannot be undone.")]
        consequences.append(_("The comparison of the quotes is kept as it stands and the award notice is public."))
        flagged = bool(selectors.award_domestic_alternatives(user=request.user, demand=demand, quote=quote))
        if flagged:
            consequences.append(
                _(
                    "A domestic product met every mandatory requirement: awarding this imported product is flagged "
                    "on the public notice and needs your written reason (20 characters or more)."
                )
            )
        if others:
            consequences.append(
                ngettext(
                    "The %(count)d other submitted quote is declined.",
                    "The %(count)d other submitted quotes are declined.",
                    others,
                )
                % {"count": others}
            )
        return confirmation_page(
            request,
            Confirmation(
                title=_("Award this quote?"),
                summary=_("“%(title)s” will be awarded to %(product)s of %(manufacturer)s at %(price)s per unit.")
                % {
                    "title": demand.title,
                    "product": f"{quote.product.name} {quote.product.model_number}",
                    "manufacturer": quote.manufacturer.name,
                    "price": amount_cny(quote.unit_price, exact=True),
                },
                consequences=consequences,
                button=_("Award"),
                cancel_url=reverse("procurement:demand-detail", args=[demand.pk]) + "#quotes",
                is_danger=False,
                hidden={"quote": quote.pk},
                note_label=_("Reason for the award (required)") if flagged else _("Reason for the award (optional)"),
            ),
        )
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
