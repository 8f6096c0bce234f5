"""The matching engine: read candidates and demands in bulk, score them, write matches (no business entry point).

Services call these functions inside their own transactions; nothing here decides when to run.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from catalog.models import Category, Product, Specification
from matching import scoring as s
from matching.models import DemandMatchSummary, Match, MatchRun, Notification
from matching.notifications import notification_send
from matching.vector import CandidatePool, Shortlist
from procurement.models import Demand, Requirement

logger = logging.getLogger(__name__)

WRITE_BATCH = 10000


@dataclass
class MatchOutcome:
    """What matching a set of demands produced and how long each phase took."""

    demands: int = 0
    pairs: int = 0
    matches: int = 0
    near_misses: int = 0
    notifications: int = 0
    load_seconds: float = 0.0
    score_seconds: float = 0.0
    write_seconds: float = 0.0
    shortlists: dict[int, Shortlist] = field(default_factory=dict)

    def add(self, other: MatchOutcome) -> None:
        for name in (
            "demands",
            "pairs",
            "matches",
            "near_misses",
            "notifications",
            "load_seconds",
            "score_seconds",
            "write_seconds",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


# --- Reading -----------------------------------------------------------------------------------------------


def subtree_category_ids(category_id: int) -> list[int]:
    path = Category.objects.filter(pk=category_id).values_list("path", flat=True).first()
    if path is None:
        return []
    return list(Category.objects.filter(Q(path=path) | Q(path__startswith=f"{path}/")).values_list("id", flat=True))


def ancestor_category_ids(category_id: int) -> list[int]:
    """The category and its ancestors: the categories whose subtree holds a product of ``category_id``."""
    path = Category.objects.filter(pk=category_id).values_list("path", flat=True).first()
    if path is None:
        return []
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return list(Category.objects.filter(path__in=prefixes).values_list("id", flat=True))


def candidate_products_q(category_ids: Sequence[int], prefix: str = "") -> Q:
    """Published domestic products in the given categories: imported products are never candidates."""
    return Q(
        **{
            f"{prefix}status": Product.Status.PUBLISHED,
            f"{prefix}is_domestic": True,
            f"{prefix}category_id__in": list(category_ids),
        }
    )


def product_facts(
    product_filter: Q, *, spec_filter: Q, province_filter: Q, parameter_ids: Iterable[int] | None = None
) -> list[s.ProductFacts]:
    """Products with specifications, provinces and text tokens in three queries, whatever their number."""
    specs: dict[int, dict[int, s.SpecValue]] = defaultdict(dict)
    spec_qs = Specification.objects.filter(spec_filter)
    if parameter_ids is not None:
        spec_qs = spec_qs.filter(parameter_id__in=list(parameter_ids))
    for product_id, parameter_id, value, low, high, text, flag in spec_qs.values_list(
        "product_id", "parameter_id", "value", "value_min", "value_max", "value_text", "value_bool"
    ).iterator(chunk_size=20000):
        specs[product_id][parameter_id] = s.SpecValue(value=value, value_min=low, value_max=high, text=text, flag=flag)
    provinces: dict[int, set[str]] = defaultdict(set)
    for product_id, code in (
        Product.provinces_served.through.objects.filter(province_filter)
        .values_list("product_id", "province_id")
        .iterator(chunk_size=20000)
    ):
        provinces[product_id].add(code)
    facts = []
    for row in (
        Product.objects.filter(product_filter)
        .values_list(
            "id",
            "name_zh",
            "name_en",
            "model_number",
            "description_zh",
            "description_en",
            "price_min",
            "price_max",
            "lead_time_days",
            "evaluation_score",
        )
        .iterator(chunk_size=20000)
    ):
        pk, name_zh, name_en, model, desc_zh, desc_en, price_min, price_max, lead, evaluation = row
        facts.append(
            s.ProductFacts(
                product_id=pk,
                specs=specs.get(pk, {}),
                price_min=None if price_min is None else float(price_min),
                price_max=None if price_max is None else float(price_max),
                lead_time_days=lead,
                evaluation_score=evaluation,
                provinces=frozenset(provinces.get(pk, ())),
                tokens=s.tokenize(f"{name_zh} {name_en} {model} {desc_zh} {desc_en}"),
            )
        )
    return facts


def _fetch(qs: Any) -> list[tuple[Any, ...]]:
    """Rows of a values_list queryset straight from the cursor: the pool reads too many rows for ORM overhead."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def load_pool(*, category_id: int, parameter_ids: Iterable[int] | None = None) -> CandidatePool:
    """The candidate pool of a demand category: its subtree's published domestic products, as column arrays."""
    category_ids = subtree_category_ids(category_id)
    spec_qs = Specification.objects.filter(candidate_products_q(category_ids, "product__"))
    if parameter_ids is not None:
        spec_qs = spec_qs.filter(parameter_id__in=list(parameter_ids))
    specs = _fetch(
        spec_qs.values_list("product_id", "parameter_id", "value", "value_min", "value_max", "value_text", "value_bool")
    )
    provinces = _fetch(
        Product.provinces_served.through.objects.filter(candidate_products_q(category_ids, "product__")).values_list(
            "product_id", "province_id"
        )
    )
    product_rows = _fetch(
        Product.objects.filter(candidate_products_q(category_ids)).values_list(
            "id",
            "name_zh",
            "name_en",
            "model_number",
            "description_zh",
            "description_en",
            "price_min",
            "price_max",
            "lead_time_days",
            "evaluation_score",
        )
    )
    products = [
        (
            row[0],
            f"{row[1]} {row[2]} {row[3]} {row[4]} {row[5]}",
            None if row[6] is None else float(row[6]),
            None if row[7] is None else float(row[7]),
            row[8],
            row[9],
        )
        for row in product_rows
    ]
    return CandidatePool.from_rows(products, specs, provinces)


# --- Warm pools for incremental runs ------------------------------------------------------------------------
# A worker keeps the pools it built; a pool is reused only while its category's version (bumped in the shared
# cache whenever a product of the subtree changes) and its database fingerprint are unchanged.

_POOLS: dict[int, tuple[tuple[Any, ...], CandidatePool]] = {}
POOL_CACHE_SIZE = 32


def _version_key(category_id: int) -> str:
    return f"matching:pool-version:{category_id}"


def pool_invalidate(*, category_ids: Iterable[int]) -> None:
    """Called when products change: pools of these categories (and so of their ancestors' subtrees) are stale."""
    for category_id in category_ids:
        try:
            cache.incr(_version_key(category_id))
        except ValueError:
            cache.set(_version_key(category_id), 1, timeout=None)
        _POOLS.pop(category_id, None)


def _pool_fingerprint(category_id: int, category_ids: list[int]) -> tuple[Any, ...]:
    stats = Product.objects.filter(candidate_products_q(category_ids)).aggregate(n=Count("id"), last=Max("updated_at"))
    return (cache.get(_version_key(category_id), 0), stats["n"], stats["last"])


def warm_pool(*, category_id: int) -> CandidatePool:
    """A full pool for the category, reused across calls in this process while nothing in it changed."""
    category_ids = subtree_category_ids(category_id)
    fingerprint = _pool_fingerprint(category_id, category_ids)
    cached = _POOLS.get(category_id)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    pool = load_pool(category_id=category_id)
    if len(_POOLS) >= POOL_CACHE_SIZE:
        _POOLS.pop(next(iter(_POOLS)))
    _POOLS[category_id] = (fingerprint, pool)
    return pool


def pool_remember(*, category_id: int, pool: CandidatePool) -> None:
    """Keep a pool a full run just built for the incremental runs that follow in this process."""
    category_ids = subtree_category_ids(category_id)
    if len(_POOLS) >= POOL_CACHE_SIZE:
        _POOLS.pop(next(iter(_POOLS)))
    _POOLS[category_id] = (_pool_fingerprint(category_id, category_ids), pool)


@dataclass(frozen=True)
class DemandRow:
    facts: s.DemandFacts
    category_id: int
    institution_id: int
    title: str


def demand_facts(demand_ids: Sequence[int], *, as_of: date | None = None) -> dict[int, DemandRow]:
    """Open demands with their requirements, in two queries."""
    as_of = as_of or timezone.localdate()
    requirements: dict[int, list[s.RequirementSpec]] = defaultdict(list)
    for row in (
        Requirement.objects.filter(demand_id__in=demand_ids)
        .order_by("demand_id", "sort_order", "id")
        .values_list(
            "id",
            "demand_id",
            "parameter_id",
            "parameter__key",
            "operator",
            "parameter__value_type",
            "value",
            "value_min",
            "value_max",
            "value_choices",
            "parameter__unit",
            "unit",
            "is_mandatory",
            "weight",
            "parameter__min_value",
            "parameter__max_value",
            "entered_value",
        )
        .iterator(chunk_size=20000)
    ):
        (
            pk,
            demand_id,
            parameter_id,
            key,
            op,
            vtype,
            value,
            vmin,
            vmax,
            choices,
            canonical,
            unit,
            mandatory,
            weight,
        ) = row[:14]
        pmin, pmax, entered = row[14], row[15], row[16]
        span = (pmax - pmin) if pmin is not None and pmax is not None and pmax > pmin else None
        requirements[demand_id].append(
            s.RequirementSpec(
                requirement_id=pk,
                parameter_id=parameter_id,
                key=key,
                operator=op,
                value_type=vtype,
                value=value,
                value_min=vmin,
                value_max=vmax,
                choices=tuple(str(c) for c in (choices or [])),
                canonical_unit=canonical or "",
                unit=unit or "",
                is_mandatory=mandatory,
                weight=weight,
                parameter_span=span,
                entered=entered or "",
            )
        )
    rows = {}
    for pk, title, description, free_text, budget, quantity, deadline, province, category_id, institution_id in (
        Demand.objects.filter(pk__in=demand_ids, status=Demand.Status.OPEN)
        .values_list(
            "id",
            "title",
            "description",
            "free_text_requirements",
            "budget",
            "quantity",
            "deadline",
            "delivery_province_id",
            "category_id",
            "institution_id",
        )
        .iterator(chunk_size=20000)
    ):
        rows[pk] = DemandRow(
            facts=s.DemandFacts(
                demand_id=pk,
                requirements=tuple(requirements.get(pk, ())),
                budget_per_unit=None if budget is None else float(budget) / max(quantity or 1, 1),
                province=province,
                days_to_deadline=(deadline - as_of).days,
                tokens=s.tokenize(f"{title} {description} {free_text}"),
            ),
            category_id=category_id,
            institution_id=institution_id,
            title=title,
        )
    return rows


# --- Scoring and writing -------------------------------------------------------------------------------------


def weights() -> dict[str, float]:
    return dict(settings.MATCHING_WEIGHTS)


def match_demands(
    *,
    run: MatchRun,
    demands: Sequence[DemandRow],
    pool: CandidatePool,
    notify: bool = True,
    keep_shortlists: bool = False,
) -> MatchOutcome:
    """Score ``demands`` against ``pool`` and replace their matches; call inside a transaction."""
    outcome = MatchOutcome()
    started = time.perf_counter()
    w = weights()
    top_n, near_n = settings.MATCHING_TOP_N, settings.MATCHING_NEAR_MISS_N
    shortlists = [(row, pool.shortlist(row.facts, weights=w, top_n=top_n, near_miss_n=near_n)) for row in demands]
    outcome.score_seconds = time.perf_counter() - started
    outcome.demands = len(demands)
    outcome.pairs = len(demands) * len(pool)
    if keep_shortlists:
        outcome.shortlists = {row.facts.demand_id: sl for row, sl in shortlists}
    started = time.perf_counter()
    written = write_matches(run=run, shortlists=shortlists, notify=notify)
    outcome.matches, outcome.near_misses, outcome.notifications = written
    outcome.write_seconds = time.perf_counter() - started
    return outcome


def _take_previous(demand_ids: list[int]) -> dict[tuple[int, int], tuple[bool, float, Any]]:
    """Delete the demands' current matches and return what they were (one statement on PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {Match._meta.db_table} WHERE demand_id = ANY(%s) "
                "RETURNING demand_id, product_id, is_near_miss, score, matched_at",
                [demand_ids],
            )
            rows = cursor.fetchall()
    else:
        qs = Match.objects.filter(demand_id__in=demand_ids)
        rows = list(qs.values_list("demand_id", "product_id", "is_near_miss", "score", "matched_at"))
        qs.delete()
    return {(d, p): (near, score, matched_at) for d, p, near, score, matched_at in rows}


def write_matches(
    *, run: MatchRun, shortlists: Sequence[tuple[DemandRow, Shortlist]], notify: bool = True
) -> tuple[int, int, int]:
    """Replace the demands' matches and summaries (delete and insert in bulk) and tell people of new pairs."""
    demand_ids = sorted(row.facts.demand_id for row, _sl in shortlists)
    if not demand_ids:
        return 0, 0, 0
    now = timezone.now()
    threshold = settings.MATCHING_NOTIFY_THRESHOLD
    # Lock the demands so two writers of the same demand (a full run and a revision) take turns.
    list(Demand.objects.select_for_update().filter(pk__in=demand_ids).order_by("pk").values_list("pk", flat=True))
    previous = _take_previous(demand_ids)
    DemandMatchSummary.objects.filter(demand_id__in=demand_ids).delete()
    rows: list[tuple[Any, ...]] = []
    summaries: list[DemandMatchSummary] = []
    fresh: list[tuple[int, int, float]] = []
    matches = near_misses = 0
    for demand_row, shortlist in shortlists:
        demand_id = demand_row.facts.demand_id
        for is_near, ranked in ((False, shortlist.matches), (True, shortlist.near_misses)):
            for rank, pair in enumerate(ranked, start=1):
                key = (demand_id, pair.product_id)
                before = previous.get(key)
                matched_at = before[2] if before is not None and before[0] == is_near else now
                rows.append(
                    (
                        demand_id,
                        pair.product_id,
                        run.pk,
                        is_near,
                        rank,
                        pair.score,
                        pair.components,
                        [r.as_dict() for r in pair.results],
                        pair.failed_mandatory,
                        matched_at,
                    )
                )
                if not is_near and pair.score >= threshold:
                    was_notable = before is not None and not before[0] and before[1] >= threshold
                    if not was_notable:
                        fresh.append((demand_id, pair.product_id, pair.score))
            if is_near:
                near_misses += len(ranked)
            else:
                matches += len(ranked)
        summaries.append(
            DemandMatchSummary(
                demand_id=demand_id,
                run=run,
                candidates_count=shortlist.candidates,
                matches_count=shortlist.matches_total,
                near_misses_count=shortlist.near_misses_total,
                best_score=shortlist.matches[0].score if shortlist.matches else None,
                requirement_gaps=shortlist.requirement_gaps,
                updated_at=now,
            )
        )
    insert_matches(rows)
    DemandMatchSummary.objects.bulk_create(summaries, batch_size=WRITE_BATCH)
    sent = notify_new_pairs(fresh) if notify and fresh else 0
    return matches, near_misses, sent


MATCH_COLUMNS = (
    "demand_id",
    "product_id",
    "run_id",
    "is_near_miss",
    "rank",
    "score",
    "components",
    "results",
    "failed_count",
    "matched_at",
)


# One encoder for every row: json.dumps with options would build a new encoder per call.
_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def insert_matches(rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert match rows in bulk: COPY on PostgreSQL (measured several times faster than INSERT), bulk_create
    elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Match.objects.bulk_create(
            [Match(**dict(zip(MATCH_COLUMNS, row, strict=True))) for row in rows], batch_size=WRITE_BATCH
        )
        return
    # COPY's text format: tab-separated, and JSON never holds a raw tab or newline; only backslashes (from
    # JSON escapes) need doubling.
    lines = []
    encode = _JSON.encode
    stamps: dict[Any, str] = {}
    for demand_id, product_id, run_id, is_near, rank, score, components, results, failed, matched_at in rows:
        stamp = stamps.get(matched_at)
        if stamp is None:
            stamp = stamps[matched_at] = matched_at.isoformat()
        run_text = "\\N" if run_id is None else str(run_id)
        stored = encode(results)
        if "\\" in stored:
            stored = stored.replace("\\", "\\\\")
        lines.append(
            f"{demand_id}\t{product_id}\t{run_text}\t{'t' if is_near else 'f'}\t{rank}\t"
            f"{score!r}\t{encode(components)}\t{stored}\t{failed}\t{stamp}\n"
        )
    buffer = io.StringIO("".join(lines))
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {Match._meta.db_table} ({', '.join(MATCH_COLUMNS)}) FROM STDIN", buffer)


# --- Notifications ---------------------------------------------------------------------------------------------


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def notify_new_pairs(pairs: Sequence[tuple[int, int, float]]) -> int:
    """Tell the demand's institution and the product's manufacturer about each new pair above the threshold.

    The dedupe keys make this safe to call again for the same pair: nobody hears of a pair twice.
    """
    demand_ids = {d for d, _p, _s in pairs}
    product_ids = {p for _d, p, _s in pairs}
    demands = {
        pk: (title, institution_id)
        for pk, title, institution_id in Demand.objects.filter(pk__in=demand_ids).values_list(
            "pk", "title", "institution_id"
        )
    }
    products = {
        pk: (name_zh, name_en, model, manufacturer_id)
        for pk, name_zh, name_en, model, manufacturer_id in Product.objects.filter(pk__in=product_ids).values_list(
            "pk", "name_zh", "name_en", "model_number", "manufacturer_id"
        )
    }
    org_ids = {inst for _t, inst in demands.values()} | {m for *_n, m in products.values()}
    members: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(organization_id__in=org_ids).select_related("user"):
        if membership.user.is_active:
            members[membership.organization_id].append(membership.user)
    if not members:
        return 0
    sent = 0
    for demand_id, product_id, score in pairs:
        title, institution_id = demands[demand_id]
        name_zh, name_en, model, manufacturer_id = products[product_id]
        url = _url("procurement:demand-detail", demand_id)
        for users, kind, side in (
            (members.get(institution_id, []), Notification.Kind.NEW_MATCH, "demand"),
            (members.get(manufacturer_id, []), Notification.Kind.NEW_DEMAND, "product"),
        ):
            by_language: dict[str, list[User]] = defaultdict(list)
            for user in users:
                by_language[user.preferred_language or settings.LANGUAGE_CODE].append(user)
            for language, group in sorted(by_language.items()):
                with translation.override(language):
                    product_name = name_en if language == "en" and name_en else name_zh
                    values = {"product": f"{product_name} {model}", "demand": title, "score": f"{score:.2f}"}
                    if side == "demand":
                        subject = _("New domestic match for “%(demand)s”: %(product)s") % values
                        body = _("%(product)s meets every mandatory requirement of “%(demand)s” (score %(score)s).") % (
                            values
                        )
                    else:
                        subject = _("Your product %(product)s matches the demand “%(demand)s”") % values
                        body = _("“%(demand)s” is open and %(product)s meets all its mandatory requirements.") % values
                sent += len(
                    notification_send(
                        users=group,
                        kind=kind,
                        title=subject,
                        body=body,
                        url=url,
                        dedupe_key=f"match:{demand_id}:{product_id}:{side}",
                    )
                )
    return sent


# --- Whole operations used by the services ------------------------------------------------------------------


def match_demand_ids(
    *,
    run: MatchRun,
    demand_ids: Sequence[int],
    pool_cache: dict[int, CandidatePool] | None = None,
    warm: bool = False,
    notify: bool = True,
) -> MatchOutcome:
    """Match open demands grouped by category, loading each category's pool once; inside a transaction.

    ``warm`` (incremental runs) reuses this process's pools while they are current; a full run passes its own
    ``pool_cache`` and always reads fresh.
    """
    outcome = MatchOutcome()
    started = time.perf_counter()
    rows = demand_facts(demand_ids)
    outcome.load_seconds += time.perf_counter() - started
    by_category: dict[int, list[DemandRow]] = defaultdict(list)
    for row in rows.values():
        by_category[row.category_id].append(row)
    for category_id, group in sorted(by_category.items()):
        started = time.perf_counter()
        if warm:
            pool = warm_pool(category_id=category_id)
        else:
            cached = pool_cache.get(category_id) if pool_cache is not None else None
            pool = cached if cached is not None else load_pool(category_id=category_id)
            if cached is None and pool_cache is not None:
                pool_cache[category_id] = pool
        outcome.load_seconds += time.perf_counter() - started
        group.sort(key=lambda r: r.facts.demand_id)
        outcome.add(match_demands(run=run, demands=group, pool=pool, notify=notify))
    return outcome


def affected_demand_ids(*, product_id: int) -> list[int]:
    """Open demands a change of this product can affect: its category's ancestors, and where it is matched now."""
    category_id = Product.objects.filter(pk=product_id).values_list("category_id", flat=True).first()
    ids: set[int] = set(Match.objects.filter(product_id=product_id).values_list("demand_id", flat=True))
    if category_id is not None:
        ids.update(
            Demand.objects.filter(
                status=Demand.Status.OPEN, category_id__in=ancestor_category_ids(category_id)
            ).values_list("pk", flat=True)
        )
    return sorted(ids)
