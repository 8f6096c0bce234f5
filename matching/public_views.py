"""Public overview pages: the home page, the statistics page and the gap-map downloads."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from matching import home, stats
from matching.forms import StatsFilterForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GAP_CHART_ROWS = 15


@require_GET
def home_page(request: HttpRequest) -> HttpResponse:
    figures = home.home_figures()
    news = None
    if request.user.is_authenticated:
        since = home.visit_since(request.session)
        news = home.whats_new(user=request.user, since=since)
    return render(
        request,
        "home.html",
        {
            "figures": figures,
            "latest_report": figures.latest_report.in_language() if figures.latest_report else None,
            "demands": home.latest_open_demands(),
            "products": home.latest_domestic_products(),
            "news": news,
        },
    )


def _gap_label(gap: dict[str, Any]) -> str:
    return f"{stats.localized(gap['category'])} · {stats.localized(gap['parameter'])}"


@require_GET
def stats_page(request: HttpRequest) -> HttpResponse:
    """Coverage over time across published reports and the gap map of the open demands, filtered."""
    form = StatsFilterForm(request.GET or None)
    filters = form.filters()
    coverage = stats.coverage_over_time(**filters)
    gap_map = stats.open_gap_map(**filters)
    charts = {
        "coverage": {
            "labels": [point.period_end.isoformat() for point in coverage],
            "titles": [point.title for point in coverage],
            "share": [round(point.share * 100, 1) for point in coverage],
            "demands": [point.demands for point in coverage],
            "matched": [point.matched for point in coverage],
        },
        "gaps": {
            "labels": [_gap_label(gap) for gap in gap_map[:GAP_CHART_ROWS]],
            "unmet": [gap["unmet_demands"] for gap in gap_map[:GAP_CHART_ROWS]],
        },
        "text": {
            "share": _("Demands with a domestic match (%)"),
            "demands": _("Demands covered"),
            "matched": _("With a domestic match"),
            "unmet": _("Demands no domestic product meets"),
        },
    }
    query = request.GET.urlencode() if form.is_bound and form.is_valid() else ""
    return render(
        request,
        "matching/stats.html",
        {
            "form": form,
            "now": stats.coverage_now(),
            "coverage": coverage,
            "gap_map": gap_map,
            "imports_despite_domestic": stats.imports_despite_domestic(category=filters.get("category")),
            "charts": charts,
            "query": query,
            "english": translation.get_language() == "en",
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_GET
def stats_gaps_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The gap map of the statistics page, with its filters, as CSV or XLSX in the reader's language."""
    form = StatsFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "; ".join(f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    gap_map = stats.open_gap_map(**form.filters())
    if fmt == "xlsx":
        response = HttpResponse(stats.gap_map_xlsx(gap_map), content_type=XLSX)
    else:
        # A byte-order mark so spreadsheet programs read the Chinese text as UTF-8.
        response = HttpResponse("\ufeff" + stats.gap_map_csv(gap_map), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gap-map.{fmt}"'
    return response
