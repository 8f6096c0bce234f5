"""Match reports: generate a frozen snapshot for a period, review it, publish it (permanently), supersede it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.domestic import national_rule_summary
from catalog.models import Category, Product
from catalog.tabular import csv_bytes
from config.exceptions import ApplicationError
from matching import policies
from matching.models import CORRECTION_TITLE, REPORT_TITLE, DemandMatchSummary, Match, MatchReport, MatchReportEntry
from matching.stats import (
    GapValues,
    collect_gaps,
    gap_map_rows,
    gap_map_table,
    imports_despite_domestic,
    localized,
    names,
)
from procurement.models import Demand

# How many of each demand's matches a report lists (and makes public).
REPORT_TOP_N = 5
SNAPSHOT_VERSION = 1


def _bilingual(gettext_text: str, values: dict[str, Any]) -> dict[str, str]:
    out = {}
    for code in ("zh-hans", "en"):
        with translation.override(code):
            out[code] = _(gettext_text) % values
    return out


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def _covered_demand_ids(period_start: date, period_end: date) -> list[int]:
    """Demands that were open at some time during the period (drafts and cancelled ones are not reported)."""
    begin, end = _day_bounds(period_start, period_end)
    ended_early = (Q(awarded_at__lt=begin) | Q(closed_at__lt=begin) | Q(expired_at__lt=begin)) & ~Q(
        status=Demand.Status.OPEN
    )
    return list(
        Demand.objects.filter(
            status__in=[Demand.Status.OPEN, Demand.Status.AWARDED, Demand.Status.CLOSED, Demand.Status.EXPIRED],
            opened_at__lt=end,
        )
        .exclude(ended_early)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def report_snapshot(
    *, period_start: date, period_end: date
) -> tuple[dict[str, Any], list[tuple[int, int, int, float]]]:
    """The content of a report for the period, and the (demand, product, rank, score) pairs it publishes."""
    demand_ids = _covered_demand_ids(period_start, period_end)
    demands = list(
        Demand.objects.filter(pk__in=demand_ids)
        .select_related("institution", "category", "delivery_province")
        .order_by("category__path", "pk")
    )
    matches: dict[int, list[Match]] = defaultdict(list)
    for match in (
        Match.objects.filter(demand_id__in=demand_ids, is_near_miss=False, rank__lte=REPORT_TOP_N)
        .select_related("product", "product__manufacturer")
        .order_by("demand_id", "rank")
    ):
        matches[match.demand_id].append(match)
    summaries = {s.demand_id: s for s in DemandMatchSummary.objects.filter(demand_id__in=demand_ids)}

    entries: list[tuple[int, int, int, float]] = []
    demand_rows = []
    by_category: dict[int, dict[str, Any]] = {}
    by_province: dict[str, dict[str, Any]] = {}
    gaps: GapValues = defaultdict(list)
    categories: dict[int, Category] = {}
    for demand in demands:
        top = matches.get(demand.pk, [])
        summary = summaries.get(demand.pk)
        matched = bool(top) or bool(summary and summary.matches_count)
        categories[demand.category_id] = demand.category
        cat = by_category.setdefault(
            demand.category_id,
            {
                "code": demand.category.code,
                **names(demand.category.name_zh, demand.category.name_en),
                "demands": 0,
                "matched": 0,
            },
        )
        prov = by_province.setdefault(
            demand.delivery_province_id,
            {
                "code": demand.delivery_province_id,
                **names(demand.delivery_province.name_zh, demand.delivery_province.name_en),
                "demands": 0,
                "matched": 0,
            },
        )
        for bucket in (cat, prov):
            bucket["demands"] += 1
            bucket["matched"] += int(matched)
        if not matched and summary is not None:
            collect_gaps([(demand.category_id, summary.requirement_gaps)], into=gaps)
        demand_rows.append(
            {
                "id": demand.pk,
                "title": demand.title,
                "status": demand.status,
                "institution": names(demand.institution.name_zh, demand.institution.name_en),
                "category": {"code": demand.category.code, **names(demand.category.name_zh, demand.category.name_en)},
                "province": {
                    "code": demand.delivery_province_id,
                    **names(demand.delivery_province.name_zh, demand.delivery_province.name_en),
                },
                "budget": None if demand.budget is None else float(demand.budget),
                "quantity": demand.quantity,
                "matched": matched,
                "matches_count": summary.matches_count if summary else len(top),
                "matches": [
                    {
                        "rank": m.rank,
                        "product": m.product_id,
                        **names(m.product.name_zh, m.product.name_en),
                        "model_number": m.product.model_number,
                        "manufacturer": names(m.product.manufacturer.name_zh, m.product.manufacturer.name_en),
                        "score": round(m.score, 4),
                        "strongest": m.strongest_component,
                    }
                    for m in top
                ],
            }
        )
        entries.extend((demand.pk, m.product_id, m.rank, m.score) for m in top)

    gap_map = gap_map_rows(gaps, categories)
    matched_count = sum(1 for row in demand_rows if row["matched"])
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "generated_at": timezone.now().isoformat(),
        "settings": {
            "top_n": settings.MATCHING_TOP_N,
            "weights": dict(settings.MATCHING_WEIGHTS),
            "domestic_rule": national_rule_summary(period_end),
        },
        "totals": {
            "demands": len(demand_rows),
            "matched": matched_count,
            "unmatched": len(demand_rows) - matched_count,
            "share_matched": round(matched_count / len(demand_rows), 4) if demand_rows else 0.0,
            "domestic_products": Product.objects.filter(status=Product.Status.PUBLISHED, is_domestic=True).count(),
        },
        "by_category": sorted(by_category.values(), key=lambda c: c["code"]),
        "by_province": sorted(by_province.values(), key=lambda p: p["code"]),
        "gap_map": gap_map,
        "imports_despite_domestic": imports_despite_domestic(start=period_start, end=period_end),
        "demands": demand_rows,
    }
    return snapshot, entries


def _require_manager(user: User | None) -> None:
    if user is not None and not policies.can_manage_reports(user):
        raise PermissionDenied(_("Only platform administrators manage match reports."))


def report_generate(
    *,
    period_start: date,
    period_end: date,
    user: User | None = None,
    supersedes_id: int | None = None,
    note: str = "",
) -> MatchReport:
    """A draft report for the period, its content frozen now from the current matches.

    ``user`` None is the platform itself (the weekly task); a person must be allowed to manage reports.
    """
    _require_manager(user)
    if period_start > period_end:
        raise ApplicationError(_("The period must start before it ends."), field="period_start")
    if period_end > timezone.localdate():
        raise ApplicationError(_("A report cannot cover days that have not happened yet."), field="period_end")
    if (period_end - period_start).days > 366:
        raise ApplicationError(_("A report covers at most one year."), field="period_start")
    if "\x00" in note:
        # PostgreSQL text cannot hold a NUL byte; the supersede button posts its note without a form.
        raise ApplicationError(_("Null characters are not allowed."), field="note")
    supersedes = None
    if supersedes_id is not None:
        supersedes = MatchReport.objects.filter(pk=supersedes_id).first()
        if supersedes is None or not supersedes.is_published:
            raise ApplicationError(_("Only a published report can be superseded."), field="supersedes")
    values = {"start": period_start.isoformat(), "end": period_end.isoformat()}
    titles = _bilingual(CORRECTION_TITLE if supersedes else REPORT_TITLE, values)
    with transaction.atomic():
        snapshot, entries = report_snapshot(period_start=period_start, period_end=period_end)
        snapshot["title"] = {"zh-hans": titles["zh-hans"], "en": titles["en"]}
        if supersedes is not None:
            snapshot["supersedes"] = supersedes.pk
        report = MatchReport.objects.create(
            title=titles["zh-hans"],
            period_start=period_start,
            period_end=period_end,
            supersedes=supersedes,
            note=note,
            snapshot=snapshot,
            demands_count=snapshot["totals"]["demands"],
            matched_demands_count=snapshot["totals"]["matched"],
            created_by=user,
        )
        MatchReportEntry.objects.bulk_create(
            [
                MatchReportEntry(report=report, demand_id=d, product_id=p, rank=rank, score=score)
                for d, p, rank, score in entries
            ],
            batch_size=5000,
        )
    return report


def report_update(*, report_id: int, note: str, user: User | None) -> MatchReport:
    """Reviewers annotate a draft; a published report refuses any change."""
    _require_manager(user)
    with transaction.atomic():
        report = MatchReport.objects.select_for_update().get(pk=report_id)
        if report.is_published:
            raise ApplicationError(_("A published match report cannot be changed."))
        report.note = note
        report.save(update_fields=["note"])
    return report


def report_publish(*, report_id: int, user: User | None) -> MatchReport:
    """Publish a draft: from now on it is public and permanent."""
    _require_manager(user)
    with transaction.atomic():
        report = MatchReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            raise ApplicationError(_("No such report."))
        if report.is_published:
            raise ApplicationError(_("This report is already published."))
        report.status = MatchReport.Status.PUBLISHED
        report.published_at = timezone.now()
        report.published_by = user
        report.save(update_fields=["status", "published_at", "published_by"])
    return report


def report_delete_draft(*, report_id: int, user: User | None) -> None:
    _require_manager(user)
    with transaction.atomic():
        report = MatchReport.objects.select_for_update().get(pk=report_id)
        if report.is_published:
            raise ApplicationError(_("A published match report cannot be deleted."))
        report.delete()


def last_week(today: date | None = None) -> tuple[date, date]:
    """Monday to Sunday of the week before ``today``'s week."""
    today = today or timezone.localdate()
    this_monday = today - timedelta(days=today.weekday())
    return this_monday - timedelta(days=7), this_monday - timedelta(days=1)


def report_draft_weekly(*, today: date | None = None) -> MatchReport:
    """The weekly draft; if a report for that week exists already, it is returned instead (idempotent)."""
    start, end = last_week(today)
    existing = MatchReport.objects.filter(period_start=start, period_end=end, supersedes__isnull=True).first()
    if existing is not None:
        return existing
    return report_generate(period_start=start, period_end=end)


# --- Downloads ---------------------------------------------------------------------------------------------


def report_csv(report: MatchReport) -> bytes:
    """One row per reported match (and one per demand without any), then the gap map, in the current language.

    UTF-8 with a byte-order mark; names, models and titles that a spreadsheet would run as formulas are quoted.
    """
    return csv_bytes(_report_rows(report))


def _report_rows(report: MatchReport) -> Iterator[list[Any]]:
    yield [
        _("Demand ID"),
        _("Demand"),
        _("Institution"),
        _("Category"),
        _("Delivery province"),
        _("Rank"),
        _("Product ID"),
        _("Product"),
        _("Model"),
        _("Manufacturer"),
        _("Score"),
    ]
    for row in report.snapshot.get("demands", []):
        common = [
            row["id"],
            row["title"],
            localized(row["institution"]),
            f"{row['category']['code']} {localized(row['category'])}",
            localized(row["province"]),
        ]
        if not row["matches"]:
            yield [*common, "", "", "", "", "", ""]
        for match in row["matches"]:
            yield [
                *common,
                match["rank"],
                match["product"],
                localized(match),
                match["model_number"],
                localized(match["manufacturer"]),
                f"{match['score']:.4f}",
            ]
    # The gap map follows after an empty row, with its own header, as a second table of the same file.
    header, rows = gap_map_table(report.snapshot.get("gap_map", []))
    yield []
    yield [_("Gap map")]
    yield header
    yield from rows
