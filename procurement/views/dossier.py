"""The import-justification dossier (PDF), the expert panel (staff) and the experts' signed opinions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from config.exceptions import ApplicationError
from procurement import policies, selectors, services
from procurement.comparison_export import file_download
from procurement.dossier import dossier_pdf
from procurement.forms import StyledForm, apply_error
from procurement.models import ExpertReview


class PanelForm(StyledForm):
    legal_experts = forms.CharField(
        label=gettext_lazy("Legal experts (emails, one per line)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    product_experts = forms.CharField(
        label=gettext_lazy("Product experts from outside the buying institution (emails, one per line)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )


class OpinionForm(StyledForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("Your decision"), choices=ExpertReview.Decision.choices, widget=forms.RadioSelect
    )
    opinion = forms.CharField(label=gettext_lazy("Your opinion"), widget=forms.Textarea(attrs={"rows": 6}))


@login_required
@require_GET
def import_dossier_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.demand_get(user=request.user, pk=pk)
    justification = selectors.justification_for_dossier(user=request.user, demand=demand)
    language = "en" if request.GET.get("language") == "en" else "zh-hans"
    try:
        content = services.import_dossier_build(justification=justification, user=request.user)  # type: ignore[arg-type]
    except ApplicationError as exc:
        return render(
            request, "procurement/dossier_refused.html", {"demand": demand, "reason": exc.message}, status=400
        )
    name = f"import-dossier-{demand.pk}-{'en' if language == 'en' else 'zh'}.pdf"
    return file_download(dossier_pdf(justification, content, language), "application/pdf", name)


@login_required
@require_http_methods(["GET", "POST"])
def expert_panel(request: HttpRequest, pk: int) -> HttpResponse:
    if not policies.can_review_import_justifications(request.user):
        raise Http404
    justification = selectors.import_justification_queue(user=request.user).filter(pk=pk).first()
    if justification is None:
        raise Http404
    reviews = list(justification.expert_reviews.select_related("expert"))
    initial = {
        "legal_experts": "\n".join(r.expert.email for r in reviews if r.role == ExpertReview.Role.LEGAL),
        "product_experts": "\n".join(r.expert.email for r in reviews if r.role == ExpertReview.Role.PRODUCT),
    }
    form = PanelForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.expert_panel_assign(
                    justification=justification,
                    user=request.user,  # type: ignore[arg-type]
                    legal_experts=form.cleaned_data["legal_experts"].splitlines(),
                    product_experts=form.cleaned_data["product_experts"].splitlines(),
                )
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("The expert panel is assigned and told."))
                return redirect("procurement:import-justification-queue")
        status = 400
    context = {"justification": justification, "reviews": reviews, "form": form}
    return render(request, "procurement/expert_panel.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def expert_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    justification, review = selectors.justification_for_expert(user=request.user, pk=pk)
    form = OpinionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.expert_opinion_sign(
                    justification=justification,
                    user=request.user,  # type: ignore[arg-type]
                    decision=form.cleaned_data["decision"],
                    opinion=form.cleaned_data["opinion"],
                )
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("Your opinion is signed."))
                return redirect("procurement:expert-opinion", pk=pk)
        status = 400
    context = {"justification": justification, "review": review, "form": form, "demand": justification.demand}
    return render(request, "procurement/expert_opinion.html", context, status=status)
