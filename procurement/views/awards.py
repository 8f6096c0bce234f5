"""Public award notices, and the buyer's confirmation that the contract is signed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from catalog.models import Category
from config.api.downloads import download_page_links
from config.confirm import Confirmation, confirmation_page, is_confirmed
from config.exceptions import ApplicationError
from procurement import policies, selectors, services
from procurement.comparison import derivation, domestic_message
from procurement.models import Award
from procurement.views.common import PAGE_SIZE, query_without_page


def notice_context(award: Award) -> dict[str, Any]:
    """What an award notice says beyond the award's own fields: the winning column of the frozen comparison."""
    column = selectors.award_column(award)
    return {
        "award": award,
        "column": column,
        "domestic_text": domestic_message(column) if column else "",
        "derivation": derivation(column) if column else "",
        "quotes_compared": len((award.comparison or {}).get("quotes", [])),
        "alternatives": selectors.award_notice_alternatives([award])[award.pk],
    }


@require_GET
def award_list(request: HttpRequest) -> HttpResponse:
    category = None
    code = request.GET.get("category", "")
    if code:
        category = Category.objects.filter(code=code).first()
    flagged = True if request.GET.get("flagged") == "1" else None
    awards = selectors.award_notice_list(category=category, flagged=flagged)
    page = Paginator(awards, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "procurement/award_list.html",
        {
            "page_obj": page,
            "flagged": flagged,
            "category": category,
            "query": query_without_page(request),
            "downloads": download_page_links(
                "award", {"category": category.code if category else None, "flagged": flagged}
            ),
        },
    )


@require_GET
def award_detail(request: HttpRequest, pk: int) -> HttpResponse:
    award = selectors.award_notice_get(pk=pk)
    context = notice_context(award)
    context["can_confirm"] = policies.can_edit_demand(request.user, award.demand) and award.confirmed_at is None
    return render(request, "procurement/award_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def award_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    award = selectors.award_notice_get(pk=pk)
    if not policies.can_edit_demand(request.user, award.demand):
        raise Http404
    if not is_confirmed(request):
        return confirmation_page(
            request,
            Confirmation(
                title=_("Confirm the contract?"),
                summary=_("You confirm that the contract for “%(title)s” is signed with %(manufacturer)s.")
                % {
                    "title": award.demand.title,
                    "manufacturer": award.product.manufacturer.name if award.product else "",
                },
                consequences=[_("The award notice shows the contract as signed; this cannot be undone.")],
                button=_("Confirm the contract"),
                cancel_url=reverse("procurement:award-detail", args=[award.pk]),
                is_danger=False,
            ),
        )
    try:
        services.award_confirm_contract(award=award, user=request.user)  # type: ignore[arg-type]
    except PermissionDenied:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The contract is confirmed."))
    return redirect("procurement:award-detail", pk=award.pk)
