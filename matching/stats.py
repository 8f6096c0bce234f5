"""Platform statistics: coverage now and across published reports, and the gap map of unmet requirements.

The gap map is defined once here: a report freezes it for its period, the statistics page and the API compute it
from the open demands, and the downloads write it with the same columns.
"""

from __future__ import annotations

import io
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from catalog.models import Category, Parameter, Product
from catalog.selectors import category_subtree_q
from catalog.tabular import csv_text, guard_cells
from catalog.values import display_unit
from matching.models import DemandMatchSummary, Match, MatchReport
from procurement.models import Award, Demand

# Where a gap is keyed: (category id, parameter id) -> the best gap of every unmet demand (None: nobody states it).
GapValues = dict[tuple[int, int], list[float | None]]
# Reports on the coverage chart; two years of weekly reports.
COVERAGE_POINTS = 104


def names(name_zh: str, name_en: str) -> dict[str, str]:
    """Both names of a thing as a report snapshot stores them; English falls back to Chinese."""
    return {"name_zh": name_zh, "name_en": name_en or name_zh}


def localized(item: dict[str, Any]) -> str:
    """A snapshot's ``{"name_zh", "name_en"}`` in the active language."""
    if translation.get_language() == "en":
        return str(item.get("name_en") or item.get("name_zh") or "")
    return str(item.get("name_zh") or "")


# --- The gap map --------------------------------------------------------------------------------------------


def collect_gaps(rows: Iterable[tuple[int, list[dict[str, Any]]]], into: GapValues | None = None) -> GapValues:
    """Unmet requirements of demands without a domestic match, from (category id, summary gaps) rows."""
    gaps: GapValues = defaultdict(list) if into is None else into
    for category_id, requirement_gaps in rows:
        for gap in requirement_gaps or []:
            if not gap.get("met"):
                gaps[(category_id, int(gap["parameter"]))].append(gap.get("best_gap"))
    return gaps


def gap_map_rows(gaps: GapValues, categories: dict[int, Category]) -> list[dict[str, Any]]:
    """One row per category and parameter, the most unmet first, in the shape report snapshots store."""
    parameters = Parameter.objects.in_bulk({parameter_id for _category, parameter_id in gaps})
    rows: list[dict[str, Any]] = []
    for (category_id, parameter_id), values in gaps.items():
        parameter = parameters.get(parameter_id)
        category = categories.get(category_id)
        if parameter is None or category is None:
            continue
        numbers = [v for v in values if v is not None]
        rows.append(
            {
                "category": {"code": category.code, **names(category.name_zh, category.name_en)},
                "parameter": {"key": parameter.key, **names(parameter.name_zh, parameter.name_en)},
                "unit": parameter.unit,
                "unmet_demands": len(values),
                "median_gap": float(f"{statistics.median(numbers):.6g}") if numbers else None,
                "max_gap": float(f"{max(numbers):.6g}") if numbers else None,
            }
        )
    rows.sort(key=lambda g: (-g["unmet_demands"], g["category"]["code"], g["parameter"]["key"]))
    return rows


def open_gap_map(*, category: Category | None = None, province: str | None = None) -> list[dict[str, Any]]:
    """The gap map of the open demands no domestic product meets, optionally of one category subtree or province."""
    summaries = DemandMatchSummary.objects.filter(demand__status=Demand.Status.OPEN, matches_count=0)
    if category is not None:
        summaries = summaries.filter(category_subtree_q(category, prefix="demand__category__"))
    if province:
        summaries = summaries.filter(demand__delivery_province_id=province)
    gaps = collect_gaps(summaries.values_list("demand__category_id", "requirement_gaps").order_by("demand_id"))
    return gap_map_rows(gaps, Category.objects.in_bulk({category_id for category_id, _p in gaps}))


def gap_map_table(gap_map: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The gap map as a header and rows for CSV and XLSX, in the active language (the writers guard formulas)."""
    header = [
        _("Category code"),
        _("Category"),
        _("Parameter key"),
        _("Parameter"),
        _("Unit"),
        _("Demands not met"),
        _("Median gap"),
        _("Largest gap"),
    ]
    rows = [
        [
            row["category"]["code"],
            localized(row["category"]),
            row["parameter"]["key"],
            localized(row["parameter"]),
            display_unit(row["unit"] or ""),
            row["unmet_demands"],
            row["median_gap"],
            row["max_gap"],
        ]
        for row in gap_map
    ]
    return header, rows


def gap_map_csv(gap_map: list[dict[str, Any]]) -> str:
    header, rows = gap_map_table(gap_map)
    return csv_text([header, *rows])


def gap_map_xlsx(gap_map: list[dict[str, Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = _("Gap map")[:31]
    header, rows = gap_map_table(gap_map)
    sheet.append(header)
    for row in rows:
        sheet.append(guard_cells(row))
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGH", (14, 28, 20, 28, 10, 16, 14, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Coverage ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    demands_open: int
    demands_matched: int
    products_domestic: int
    products_imported: int

    @property
    def share(self) -> float:
        return round(self.demands_matched / self.demands_open, 4) if self.demands_open else 0.0


def coverage_now() -> Coverage:
    """Open demands, how many have a domestic match, and the published products by origin (two queries)."""
    demands = Demand.objects.filter(status=Demand.Status.OPEN).aggregate(
        open=Count("id"),
        matched=Count("id", filter=Q(Exists(Match.objects.filter(demand=OuterRef("pk"), is_near_miss=False)))),
    )
    by_origin = dict(
        Product.objects.filter(status=Product.Status.PUBLISHED)
        .values("is_domestic")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("is_domestic", "n")
    )
    return Coverage(
        demands_open=demands["open"],
        demands_matched=demands["matched"],
        products_domestic=by_origin.get(True, 0),
        products_imported=by_origin.get(False, 0),
    )


@dataclass(frozen=True)
class CoveragePoint:
    report_id: int
    title: str
    period_start: date
    period_end: date
    demands: int
    matched: int

    @property
    def share(self) -> float:
        return round(self.matched / self.demands, 4) if self.demands else 0.0


def coverage_over_time(*, category: Category | None = None, province: str | None = None) -> list[CoveragePoint]:
    """Each published report that no published correction replaced, oldest first: demands covered and matched.

    With a category or province, the counts are the report's own demands of that subtree and delivery province.
    """
    english = translation.get_language() == "en"
    corrected = MatchReport.objects.filter(supersedes=OuterRef("pk"), status=MatchReport.Status.PUBLISHED)
    reports = MatchReport.objects.filter(status=MatchReport.Status.PUBLISHED).exclude(Exists(corrected))
    filtered = category is not None or bool(province)
    # Snapshots name categories by code; the subtree is taken from today's classification table.
    codes = (
        set(Category.objects.filter(category_subtree_q(category, prefix="")).values_list("code", flat=True))
        if category is not None
        else set()
    )
    columns = ["pk", "title", "period_start", "period_end", "demands_count", "matched_demands_count", "snapshot__title"]
    if filtered:
        # Only then is the (large) list of the report's demands read, and only its part of the snapshot.
        columns.append("snapshot__demands")
    rows = list(reports.order_by("-period_end", "-id").values(*columns)[:COVERAGE_POINTS])
    points = []
    for row in reversed(rows):
        demands, matched = row["demands_count"], row["matched_demands_count"]
        if filtered:
            chosen = [
                d
                for d in row["snapshot__demands"] or []
                if (category is None or d["category"]["code"] in codes)
                and (not province or d["province"]["code"] == province)
            ]
            demands, matched = len(chosen), sum(1 for d in chosen if d.get("matched"))
        titles = row["snapshot__title"] or {}
        points.append(
            CoveragePoint(
                report_id=row["pk"],
                title=str(titles.get("en" if english else "zh-hans") or row["title"]),
                period_start=row["period_start"],
                period_end=row["period_end"],
                demands=demands,
                matched=matched,
            )
        )
    return points


# --- Imports although a domestic product met the requirements ------------------------------------------------


def imports_despite_domestic(
    *, category: Category | None = None, start: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    """Per demand category: awards of an imported product although a domestic quote or match met every mandatory
    requirement, next to all awards and imported awards (awards made from ``start`` to ``end``, both included)."""
    qs = Award.objects.all()
    if category is not None:
        qs = qs.filter(category_subtree_q(category, prefix="demand__category__"))
    if start is not None:
        qs = qs.filter(created_at__date__gte=start)
    if end is not None:
        qs = qs.filter(created_at__date__lte=end)
    rows = (
        qs.values(
            "demand__category_id", "demand__category__code", "demand__category__name_zh", "demand__category__name_en"
        )
        .annotate(
            awards=Count("pk"),
            imported=Count("pk", filter=Q(is_imported=True)),
            despite=Count("pk", filter=Q(imported_despite_domestic=True)),
        )
        .order_by("-despite", "demand__category__code")
    )
    return [
        {
            "category": {
                "code": row["demand__category__code"],
                **names(row["demand__category__name_zh"], row["demand__category__name_en"]),
            },
            "awards": row["awards"],
            "imported": row["imported"],
            "imported_despite_domestic": row["despite"],
        }
        for row in rows
    ]
