"""Reads with rules: who sees which match or report, and the platform's matching statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import translation

from accounts.models import User
from catalog.models import Product
from matching import engine, policies, pools, stats
from matching import scoring as s
from matching.models import (
    DemandMatchSummary,
    Match,
    MatchReport,
    MatchRun,
)
from procurement.models import Demand, Requirement

AnyUser = User | AnonymousUser

# Imported products shown beside a demand's matches as what the demand would otherwise buy.
REFERENCE_LIMIT = 3
REFERENCE_POOL_LIMIT = 500
MORE_MATCHES_LIMIT = 200  # ranks shown past the kept matches when a reader asks for all of them
PRODUCT_MATCHES_SHOWN = 50
PRODUCT_NEAR_MISSES_SHOWN = 20


def match_list(
    *, user: AnyUser, demand_id: int | None = None, product_id: int | None = None, near_miss: bool | None = None
) -> QuerySet[Match]:
    qs = Match.objects.filter(policies.match_visibility_q(user)).select_related(
        "demand", "demand__category", "product", "product__manufacturer", "product__category"
    )
    if demand_id is not None:
        qs = qs.filter(demand_id=demand_id)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if near_miss is not None:
        qs = qs.filter(is_near_miss=near_miss)
    return qs.order_by("demand_id", "is_near_miss", "rank")


@dataclass
class ExplainedMatch:
    match: Match
    results: list[dict[str, Any]]
    passed: list[dict[str, Any]]
    failed: list[dict[str, Any]]
    unknown: list[dict[str, Any]]
    strongest: str
    components: list[tuple[str, float, float]]  # name, value, weighted share of the score


@dataclass
class DemandMatches:
    demand: Demand
    matches: list[ExplainedMatch]
    near_misses: list[ExplainedMatch]
    references: list[tuple[Product, s.PairScore]] = field(default_factory=list)
    summary: DemandMatchSummary | None = None
    sees_all: bool = False
    # Full matches ranked below the kept ones (only MATCHING_TOP_N are stored), scored when asked for.
    more: list[RankedProduct] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        """More full matches exist than are kept, and this reader may see them all."""
        return bool(self.sees_all and self.summary and self.summary.matches_count > len(self.matches))


@dataclass(frozen=True)
class RankedProduct:
    rank: int
    product: Product
    score: float


@dataclass(frozen=True)
class RequirementInfo:
    requirement_id: int
    parameter_id: int
    key: str
    name: str
    operator: str
    required: str
    unit: str
    is_mandatory: bool
    canonical_unit: str = ""


def requirement_info(*, demand_ids: set[int] | list[int]) -> dict[int, RequirementInfo]:
    """What each requirement of these demands says, in one query, to explain stored match results."""
    english = translation.get_language() == "en"
    info = {}
    for pk, parameter_id, key, name_zh, name_en, op, entered, unit, canonical, mandatory in Requirement.objects.filter(
        demand_id__in=list(demand_ids)
    ).values_list(
        "pk",
        "parameter_id",
        "parameter__key",
        "parameter__name_zh",
        "parameter__name_en",
        "operator",
        "entered_value",
        "unit",
        "parameter__unit",
        "is_mandatory",
    ):
        info[pk] = RequirementInfo(
            requirement_id=pk,
            parameter_id=parameter_id,
            key=key,
            name=(name_en or name_zh) if english else name_zh,
            operator=op,
            required=entered,
            unit=unit or canonical or "",
            is_mandatory=mandatory,
            canonical_unit=canonical or "",
        )
    return info


def expand_results(stored: list[dict[str, Any]], info: dict[int, RequirementInfo]) -> list[dict[str, Any]]:
    """The stored (compact) per-requirement results with what each requirement says, for pages and the API."""
    expanded = []
    for result in stored:
        requirement = info.get(int(result.get("r", 0)))
        if requirement is None:  # the requirement was revised away; the re-match replacing this row is queued
            continue
        expanded.append(
            {
                "requirement": requirement.requirement_id,
                "parameter": requirement.parameter_id,
                "key": requirement.key,
                "name": requirement.name,
                "operator": requirement.operator,
                "mandatory": requirement.is_mandatory,
                "required": requirement.required,
                "unit": requirement.unit,
                "canonical_unit": requirement.canonical_unit,
                "status": result.get("s", s.UNKNOWN),
                "actual": result.get("a"),
                "actual_max": result.get("x"),
                "margin": result.get("m"),
                "gap": result.get("g"),
                "gap_canonical": result.get("gc"),
            }
        )
    return expanded


def _explain(match: Match, info: dict[int, RequirementInfo], weights: dict[str, float]) -> ExplainedMatch:
    results = expand_results(match.results, info)
    total = sum(max(w, 0.0) for w in weights.values()) or 1.0
    components = [
        (
            name,
            float(match.components.get(name, 0.0)),
            max(weights.get(name, 0.0), 0.0) * match.components.get(name, 0.0) / total,
        )
        for name in s.COMPONENTS
        if name in match.components
    ]
    return ExplainedMatch(
        match=match,
        results=results,
        passed=[r for r in results if r["status"] == s.PASS],
        failed=[r for r in results if r["status"] == s.FAIL],
        unknown=[r for r in results if r["status"] == s.UNKNOWN],
        strongest=match.strongest_component,
        components=components,
    )


def demand_matches(*, user: AnyUser, demand_id: int, show_all: bool = False) -> DemandMatches:
    """A demand's ranked matches and near misses as ``user`` may see them, each with its explanation.

    ``show_all`` adds the full matches ranked below the kept ones, for those who see every match.
    """
    demand = Demand.objects.select_related("category", "delivery_province", "institution").filter(pk=demand_id).first()
    if demand is None or not policies.can_see_demand_matches(user, demand):
        raise Http404
    sees_all = policies.sees_all_matches_of(user, demand)
    rows = list(match_list(user=user, demand_id=demand.pk))
    info = requirement_info(demand_ids=[demand.pk])
    weights = engine.weights()
    explained = [_explain(m, info, weights) for m in rows]
    data = DemandMatches(
        demand=demand,
        matches=[e for e in explained if not e.match.is_near_miss],
        near_misses=[e for e in explained if e.match.is_near_miss],
        references=imported_references(demand=demand),
        summary=DemandMatchSummary.objects.filter(demand=demand).first(),
        sees_all=sees_all,
    )
    if show_all and data.has_more:
        data.more = matches_beyond_kept(demand=demand, kept=len(data.matches))
    return data


def matches_beyond_kept(*, demand: Demand, kept: int) -> list[RankedProduct]:
    """The full matches ranked after the ``kept`` stored ones, scored now exactly as the engine scores them."""
    row = engine.demand_facts([demand.pk]).get(demand.pk)
    if row is None:  # not open any more: its stored matches are all there is
        return []
    pool = pools.load_pool(category_id=demand.category_id)
    shortlist = pool.shortlist(row.facts, weights=engine.weights(), top_n=kept + MORE_MATCHES_LIMIT, near_miss_n=0)
    extra = shortlist.matches[kept:]
    products = Product.objects.select_related("manufacturer").in_bulk([p.product_id for p in extra])
    return [
        RankedProduct(rank=kept + i + 1, product=products[p.product_id], score=p.score)
        for i, p in enumerate(extra)
        if p.product_id in products
    ]


def imported_references(*, demand: Demand) -> list[tuple[Product, s.PairScore]]:
    """Imported products that meet the demand: shown as the reference being replaced, never as matches.

    Scored by the same pool code as the domestic candidates, so a reference and a match are measured alike.
    """
    row = engine.demand_facts([demand.pk]).get(demand.pk)
    if row is None:  # not open: the reference no longer matters
        return []
    pool = pools.reference_pool(category_id=demand.category_id, limit=REFERENCE_POOL_LIMIT)
    scored = pool.shortlist(row.facts, weights=engine.weights(), top_n=REFERENCE_LIMIT, near_miss_n=0).matches
    products = Product.objects.select_related("manufacturer").in_bulk([p.product_id for p in scored])
    return [(products[p.product_id], p) for p in scored if p.product_id in products]


def product_matches(*, user: AnyUser, product_id: int) -> tuple[Product, list[ExplainedMatch], list[ExplainedMatch]]:
    """The demands a product matches (and nearly matches), for its manufacturer's members and staff."""
    product = Product.objects.select_related("manufacturer").filter(pk=product_id).first()
    if product is None:
        raise Http404
    if not policies.can_see_product_matches(user, product):
        raise PermissionDenied
    base = Match.objects.filter(product=product, demand__status=Demand.Status.OPEN).select_related(
        "demand", "demand__category", "demand__delivery_province", "demand__institution"
    )
    # The best of each kind; the full list is in the API (matches?product=...).
    rows = [
        *base.filter(is_near_miss=False).order_by("-score", "demand_id")[:PRODUCT_MATCHES_SHOWN],
        *base.filter(is_near_miss=True).order_by("failed_count", "-score", "demand_id")[:PRODUCT_NEAR_MISSES_SHOWN],
    ]
    info = requirement_info(demand_ids={m.demand_id for m in rows})
    weights = engine.weights()
    explained = [_explain(m, info, weights) for m in rows]
    return (
        product,
        [e for e in explained if not e.match.is_near_miss],
        [e for e in explained if e.match.is_near_miss],
    )


# --- Runs and reports ---------------------------------------------------------------------------------------


def match_run_list() -> QuerySet[MatchRun]:
    return MatchRun.objects.select_related("demand", "product", "started_by").order_by("-created_at", "-id")


def report_list(*, user: AnyUser) -> QuerySet[MatchReport]:
    """Published reports for everyone; drafts for staff."""
    qs = MatchReport.objects.select_related("supersedes", "created_by", "published_by").defer("snapshot")
    return qs.filter(policies.report_visibility_q(user)).order_by("-period_end", "-id")


def report_get(*, user: AnyUser, pk: int) -> MatchReport:
    qs = MatchReport.objects.select_related("supersedes", "created_by", "published_by")
    report = qs.filter(policies.report_visibility_q(user), pk=pk).first()
    if report is None:
        raise Http404
    return report


def report_superseded_by(report: MatchReport) -> list[MatchReport]:
    return list(MatchReport.objects.filter(supersedes=report, status=MatchReport.Status.PUBLISHED).defer("snapshot"))


def published_report_list() -> QuerySet[MatchReport]:
    return MatchReport.objects.filter(status=MatchReport.Status.PUBLISHED).order_by("-published_at", "-id")


def matching_stats() -> dict[str, Any]:
    """Counts for dashboards and the API: open demands, products, match coverage, and the largest gaps."""
    coverage = stats.coverage_now()
    top = stats.open_gap_map()[:10]
    return {
        "demands_open": coverage.demands_open,
        "demands_matched": coverage.demands_matched,
        "match_coverage": coverage.share,
        "products_domestic": coverage.products_domestic,
        "products_imported": coverage.products_imported,
        "matches": Match.objects.filter(is_near_miss=False, demand__status=Demand.Status.OPEN).count(),
        "reports_published": MatchReport.objects.filter(status=MatchReport.Status.PUBLISHED).count(),
        "imports_despite_domestic": [
            {
                "category": row["category"]["code"],
                "category_name": stats.localized(row["category"]),
                "awards": row["awards"],
                "imported": row["imported"],
                "imported_despite_domestic": row["imported_despite_domestic"],
            }
            for row in stats.imports_despite_domestic()
        ],
        "top_gaps": [
            {
                "category": gap["category"]["code"],
                "category_name": stats.localized(gap["category"]),
                "parameter": gap["parameter"]["key"],
                "parameter_name": stats.localized(gap["parameter"]),
                "unmet_demands": gap["unmet_demands"],
            }
            for gap in top
        ],
    }
