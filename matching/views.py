"""Pages: match fragments for demand and product pages, match reports, runs (staff)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.confirm import Confirmation, confirmation_page, is_confirmed
from config.exceptions import ApplicationError
from matching import policies, reports, selectors, services
from matching.forms import ReportGenerateForm, ReportNoteForm
from matching.models import MatchRun


def component_labels() -> dict[str, str]:
    # Evaluated per request so the labels follow the active language; the context keeps them apart from the
    # same words elsewhere in the platform.
    return {
        "preferred": pgettext("score component", "requirements and margins"),
        "price": pgettext("score component", "price against budget"),
        "text": pgettext("score component", "text relevance"),
        "evaluations": pgettext("score component", "evaluations"),
        "province": pgettext("score component", "serves the delivery province"),
        "lead_time": pgettext("score component", "lead time against deadline"),
    }


# --- Fragments ---------------------------------------------------------------------------------------------


@require_GET
def demand_matches(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranked matches of a demand with their explanations (an htmx fragment of the demand page)."""
    context = selectors.demand_matches(user=request.user, demand_id=pk, show_all=request.GET.get("all") == "1")
    return render(
        request,
        "matching/demand_matches.html",
        {"data": context, "labels": component_labels(), "is_fragment": bool(getattr(request, "htmx", False))},
    )


@require_GET
def product_matches(request: HttpRequest, pk: int) -> HttpResponse:
    """The open demands a product matches or nearly matches (a fragment of the manufacturer dashboard)."""
    product, matches, near_misses = selectors.product_matches(user=request.user, product_id=pk)
    return render(
        request,
        "matching/product_matches.html",
        {"product": product, "matches": matches, "near_misses": near_misses, "labels": component_labels()},
    )


# --- Reports -----------------------------------------------------------------------------------------------


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.report_list(user=request.user), 20).get_page(request.GET.get("page"))
    form = ReportGenerateForm() if policies.can_manage_reports(request.user) else None
    return render(request, "matching/report_list.html", {"page": page, "form": form})


@staff_member_required
@require_POST
def report_generate(request: HttpRequest) -> HttpResponse:
    form = ReportGenerateForm(request.POST)
    if form.is_valid():
        try:
            report = reports.report_generate(
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                note=form.cleaned_data["note"],
                user=request.user,  # type: ignore[arg-type]
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Draft report generated; review it, then publish."))
            return redirect("matching:report-detail", pk=report.pk)
    page = Paginator(selectors.report_list(user=request.user), 20).get_page(1)
    return render(request, "matching/report_list.html", {"page": page, "form": form}, status=400)


def _chart_data(snapshot: dict[str, Any]) -> dict[str, Any]:
    english = translation.get_language() == "en"

    def name(item: dict[str, Any]) -> str:
        return str(item.get("name_en") if english else item.get("name_zh")) or str(item.get("code", ""))

    return {
        "categories": {
            "labels": [name(c) for c in snapshot.get("by_category", [])],
            "demands": [c["demands"] for c in snapshot.get("by_category", [])],
            "matched": [c["matched"] for c in snapshot.get("by_category", [])],
        },
        "provinces": {
            "labels": [name(p) for p in snapshot.get("by_province", [])],
            "demands": [p["demands"] for p in snapshot.get("by_province", [])],
            "matched": [p["matched"] for p in snapshot.get("by_province", [])],
        },
        "gaps": {
            "labels": [f"{name(g['category'])} · {name(g['parameter'])}" for g in snapshot.get("gap_map", [])[:15]],
            "unmet": [g["unmet_demands"] for g in snapshot.get("gap_map", [])[:15]],
        },
        "text": {
            "demands": _("Demands"),
            "matched": _("With a domestic match"),
            "unmet": _("Demands no domestic product meets"),
        },
    }


def _report_title(report: Any) -> str:
    language = "en" if translation.get_language() == "en" else "zh-hans"
    return str(((report.snapshot or {}).get("title") or {}).get(language, report.title))


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    snapshot = report.snapshot or {}
    return render(
        request,
        "matching/report_detail.html",
        {
            "report": report,
            "title": _report_title(report),
            "snapshot": snapshot,
            "english": translation.get_language() == "en",
            "charts": _chart_data(snapshot),
            "superseded_by": selectors.report_superseded_by(report),
            "note_form": ReportNoteForm(initial={"note": report.note}) if not report.is_published else None,
            "labels": component_labels(),
        },
    )


@staff_member_required
@require_http_methods(["GET", "POST"])
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_confirmed(request):
        report = selectors.report_get(user=request.user, pk=pk)
        if report.is_published:
            messages.error(request, _("This report is already published."))
            return redirect("matching:report-detail", pk=pk)
        totals = (report.snapshot or {}).get("totals", {})
        consequences = [
            _("Everyone can read and download it, and it appears in the reports feed."),
            _("It can no longer be changed or deleted; a mistake is fixed by a correction that supersedes it."),
        ]
        if totals.get("matched"):
            consequences.append(
                _("The matches of its %(count)s matched demands become public.") % {"count": totals["matched"]}
            )
        if report.supersedes_id:
            consequences.append(
                _("It supersedes “%(title)s”, which is then marked as corrected.")
                % {"title": _report_title(report.supersedes)}
            )
        return confirmation_page(
            request,
            Confirmation(
                title=_("Publish this report?"),
                summary=_("“%(title)s” will be published.") % {"title": _report_title(report)},
                consequences=consequences,
                button=_("Publish"),
                cancel_url=reverse("matching:report-detail", args=[pk]),
                is_danger=False,
            ),
        )
    try:
        reports.report_publish(report_id=pk, user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("The report is published. It can no longer be changed."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("matching:report-detail", pk=pk)


@staff_member_required
@require_POST
def report_note(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReportNoteForm(request.POST)
    if form.is_valid():
        try:
            reports.report_update(report_id=pk, note=form.cleaned_data["note"], user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Note saved."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return redirect("matching:report-detail", pk=pk)


@staff_member_required
@require_POST
def report_supersede(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a correction: a new draft for the same period that will supersede this published report."""
    original = selectors.report_get(user=request.user, pk=pk)
    try:
        correction = reports.report_generate(
            period_start=original.period_start,
            period_end=original.period_end,
            supersedes_id=original.pk,
            note=request.POST.get("note", ""),
            user=request.user,  # type: ignore[arg-type]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("matching:report-detail", pk=pk)
    messages.success(request, _("Correction drafted; publish it to supersede the original."))
    return redirect("matching:report-detail", pk=correction.pk)


@staff_member_required
@require_http_methods(["GET", "POST"])
def report_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_confirmed(request):
        report = selectors.report_get(user=request.user, pk=pk)
        if report.is_published:
            messages.error(request, _("A published match report cannot be deleted."))
            return redirect("matching:report-detail", pk=pk)
        return confirmation_page(
            request,
            Confirmation(
                title=_("Delete this draft?"),
                summary=_("The draft “%(title)s” will be deleted.") % {"title": _report_title(report)},
                consequences=[_("Its frozen matches and statistics are lost; a new draft can be generated.")],
                button=_("Delete draft"),
                cancel_url=reverse("matching:report-detail", args=[pk]),
            ),
        )
    try:
        reports.report_delete_draft(report_id=pk, user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Draft deleted."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("matching:report-detail", pk=pk)
    return redirect("matching:report-list")


@require_GET
def report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    response = HttpResponse(reports.report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="match-report-{report.pk}.csv"'
    return response


@require_GET
def report_json(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    body = {
        "id": report.pk,
        "title": report.title,
        "status": report.status,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "published_at": report.published_at.isoformat() if report.published_at else None,
        "supersedes": report.supersedes_id,
        "note": report.note,
        "content": report.snapshot,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="match-report-{report.pk}.json"'
    return response


# --- Runs (staff) -------------------------------------------------------------------------------------------


@staff_member_required
def run_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            run = services.match_run_start(kind=MatchRun.Kind.FULL, started_by=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Full run #%(id)s started.") % {"id": run.pk})
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(reverse("matching:run-list"))
    page = Paginator(selectors.match_run_list(), 30).get_page(request.GET.get("page"))
    return render(request, "matching/run_list.html", {"page": page, "stats": selectors.matching_stats()})
