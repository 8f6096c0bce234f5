"""The matching engine: read demands in bulk, score them against candidate pools, write matches.

Services call these functions inside their own transactions; nothing here decides when to run. Candidate pools
come from ``matching.pools``; telling people of new pairs is ``matching.new_pairs``.
"""

from __future__ import annotations

import gc
import json
import logging
import marshal
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from hashlib import blake2b
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from catalog.models import Product
from config.bulk import copy_insert, copy_upsert
from matching import scoring as s
from matching.models import DemandMatchSummary, Match, MatchRun
from matching.new_pairs import notify_new_pairs
from matching.pools import ancestor_category_ids, load_pool, warm_pool
from matching.vector import CandidatePool, Shortlist
from procurement.models import Demand, Requirement

logger = logging.getLogger(__name__)

WRITE_BATCH = 10000


@dataclass
class MatchOutcome:
    """What matching a set of demands produced and how long each phase took."""

    demands: int = 0
    pairs: int = 0
    # Of those pairs, the ones whose requirements were checked (the rest pruned by binary search).
    checked: int = 0
    matches: int = 0
    near_misses: int = 0
    notifications: int = 0
    load_seconds: float = 0.0
    score_seconds: float = 0.0
    write_seconds: float = 0.0

    def add(self, other: MatchOutcome) -> None:
        for name in (
            "demands",
            "pairs",
            "checked",
            "matches",
            "near_misses",
            "notifications",
            "load_seconds",
            "score_seconds",
            "write_seconds",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class DemandRow:
    facts: s.DemandFacts
    category_id: int
    institution_id: int
    title: str


def demand_facts(
    demand_ids: Sequence[int], *, as_of: date | None = None, statuses: Sequence[str] | None = (Demand.Status.OPEN,)
) -> dict[int, DemandRow]:
    """Demands (open ones unless ``statuses`` says otherwise; None: any) with their requirements, in two queries."""
    as_of = as_of or timezone.localdate()
    requirements: dict[int, list[s.RequirementSpec]] = defaultdict(list)
    query = (
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
    )
    for row in _raw_rows(query):
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
            stored_choices,
            canonical,
            unit,
            mandatory,
            weight,
        ) = row[:14]
        # Straight from the cursor: the choices are JSON text (most requirements have none).
        choices = stored_choices if not isinstance(stored_choices, str) else _choices(stored_choices)
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
                is_mandatory=bool(mandatory),
                weight=weight,
                parameter_span=span,
                entered=entered or "",
            )
        )
    rows = {}
    for pk, title, description, free_text, budget, quantity, deadline, province, category_id, institution_id in (
        Demand.objects.filter(pk__in=demand_ids, **({} if statuses is None else {"status__in": list(statuses)}))
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
                tokens=s.demand_tokens(f"{title} {description} {free_text}"),
            ),
            category_id=category_id,
            institution_id=institution_id,
            title=title,
        )
    return rows


def _raw_rows(query: Any) -> Iterator[tuple[Any, ...]]:
    """A values_list query's rows straight from the database cursor, in batches: tens of thousands of rows skip
    Django's per-value converters (the JSON, mainly)."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20000):
            yield from batch


def _choices(text: str) -> list[Any]:
    return [] if text in ("", "[]") else json.loads(text)


# --- Scoring and writing -------------------------------------------------------------------------------------


def weights() -> dict[str, float]:
    return dict(settings.MATCHING_WEIGHTS)


def match_demands(
    *,
    run: MatchRun,
    demands: Sequence[DemandRow],
    pool: CandidatePool,
    notify: bool = True,
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
    outcome.checked = sum(shortlist.checked for _row, shortlist in shortlists)
    started = time.perf_counter()
    written = write_matches(run=run, shortlists=shortlists, notify=notify)
    outcome.matches, outcome.near_misses, outcome.notifications = written
    outcome.write_seconds = time.perf_counter() - started
    return outcome


# What a pair's stored row was before this write, enough to keep its id, its first match and its news:
# (id, is_near_miss, score, matched_at, digest), as a plain tuple (a run reads one per pair). A new pair has none.
_Prior = tuple[int | None, bool, float, datetime | None, int | None]
_NEW: _Prior = (None, True, 0.0, None, None)


def _previous(demand_ids: list[int]) -> dict[tuple[int, int], _Prior]:
    """The demands' current match rows by pair: (id, is_near_miss, score, matched_at, digest) (one query)."""
    rows = Match.objects.filter(demand_id__in=demand_ids).values_list(
        "id", "demand_id", "product_id", "is_near_miss", "score", "matched_at", "digest"
    )
    if connection.vendor == "postgresql":
        # One array parameter instead of thousands of placeholders; rows straight from the cursor.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, demand_id, product_id, is_near_miss, score, matched_at, digest "
                f"FROM {Match._meta.db_table} "
                "WHERE demand_id = ANY(%s)",
                [demand_ids],
            )
            rows = cursor.fetchall()
    return {(d, p): (pk, near, score, matched_at, digest) for pk, d, p, near, score, matched_at, digest in rows}


# The JSON the digests used before marshal (kept for values marshal does not take).
_DIGEST_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def row_digest(compared: Sequence[Any]) -> int:
    """A stable 64-bit hash of a row's compared values (COMPARED_COLUMNS but the digest, in order; ``matched_at``
    as ISO text).

    Marshal's version 2 writes a value's bytes by value alone (no references between equal objects, floats as
    their eight bytes): several times cheaper than JSON, which only the rows that are written need. A Python that
    marshals differently only costs one run that sends every row: the update compares the values themselves and
    writes nothing but the new digest where they are the same.
    """
    try:
        encoded = marshal.dumps(tuple(compared), 2)
    except ValueError:
        # A value marshal refuses (a numpy number, a subclass of str): its JSON text says it as well.
        encoded = _DIGEST_JSON.encode(list(compared)).encode()
    return int.from_bytes(blake2b(encoded, digest_size=8).digest(), "little", signed=True)


def write_matches(
    *, run: MatchRun, shortlists: Sequence[tuple[DemandRow, Shortlist]], notify: bool = True
) -> tuple[int, int, int]:
    """Bring the demands' matches and summaries up to date in bulk and tell people of new pairs.

    A pair that stays a match or near miss keeps its row and id: changed rows are updated in place, new pairs
    inserted and pairs that left deleted, each in one statement whatever the number of rows.
    """
    demand_ids = sorted(row.facts.demand_id for row, _sl in shortlists)
    if not demand_ids:
        return 0, 0, 0
    now = timezone.now()
    threshold = settings.MATCHING_NOTIFY_THRESHOLD
    _lock_demands(demand_ids)
    previous = _previous(demand_ids)
    updates: list[tuple[Any, ...]] = []
    fresh: list[tuple[int, int, float]] = []
    run_id = run.pk

    def new_rows() -> Iterator[tuple[Any, ...]]:
        """The rows of new pairs, built as COPY asks for them; on the way, the changed rows of kept pairs go to
        ``updates`` and the pairs to announce to ``fresh``, and ``previous`` is left with the pairs that left."""
        # matched_at as the digest has it, per distinct time (most rows share a few: the runs that first matched).
        stamps: dict[datetime | None, str | None] = {None: None}
        for demand_row, shortlist in shortlists:
            demand_id = demand_row.facts.demand_id
            for is_near, ranked in ((False, shortlist.matches), (True, shortlist.near_misses)):
                for rank, pair in enumerate(ranked, start=1):
                    product_id, score, components, strongest = (
                        pair.product_id,
                        pair.score,
                        pair.components,
                        pair.strongest,
                    )
                    results, failed = list(pair.stored_results), pair.failed_mandatory
                    match_id, was_near, was_score, matched_at, stored = previous.pop((demand_id, product_id), _NEW)
                    # When the pair first became a match: kept once set, set when a new or near pair becomes one.
                    if matched_at is None and not is_near:
                        matched_at = now
                    stamp = stamps.get(matched_at)
                    if stamp is None and matched_at is not None:
                        stamp = stamps[matched_at] = matched_at.isoformat()
                    # What the digest covers: every stored field of the pair but the run and the update time.
                    digest = row_digest((is_near, rank, score, components, strongest, results, failed, stamp))
                    row = (demand_id, product_id, run_id, is_near, rank, score, components, strongest, results, failed)
                    if match_id is None:
                        yield (*row, matched_at, now, digest)
                    elif stored != digest:
                        # An unchanged pair (same digest) is not written at all: it keeps its run and updated_at.
                        updates.append((match_id, *row, matched_at, now, digest))
                    if not is_near and score >= threshold and (was_near or was_score < threshold):
                        fresh.append((demand_id, product_id, score))

    with _cycles_uncollected():
        # New pairs stream into COPY as they are built: PostgreSQL stores one batch while the next is built.
        insert_matches(new_rows())
    # What is left of ``previous`` are the pairs that are neither a match nor a near miss any more.
    gone = [match_id for match_id, *_rest in previous.values() if match_id is not None]
    if gone:
        _delete_ids(gone)
    update_matches(updates)
    summaries = [
        (
            demand_row.facts.demand_id,
            run_id,
            shortlist.candidates,
            shortlist.matches_total,
            shortlist.near_misses_total,
            shortlist.matches[0].score if shortlist.matches else None,
            shortlist.requirement_gaps,
            now,
        )
        for demand_row, shortlist in shortlists
    ]
    copy_upsert(
        DemandMatchSummary,
        SUMMARY_COLUMNS,
        summaries,
        unique=["demand_id"],
        update=[c for c in SUMMARY_COLUMNS if c != "demand_id"],
    )
    sent = notify_new_pairs(fresh) if notify and fresh else 0
    matches = sum(len(shortlist.matches) for _row, shortlist in shortlists)
    near_misses = sum(len(shortlist.near_misses) for _row, shortlist in shortlists)
    return matches, near_misses, sent


@contextmanager
def _cycles_uncollected() -> Iterator[None]:
    """Pause the cyclic garbage collector while rows are built: hundreds of thousands of new tuples (none in a
    cycle) set off collections that each walk every live object (pools, shortlists), a third of the loop's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _lock_demands(demand_ids: list[int]) -> None:
    """Lock the demands so two writers of the same demand (a full run and a revision) take turns."""
    if connection.vendor != "postgresql":
        list(Demand.objects.select_for_update().filter(pk__in=demand_ids).order_by("pk").values_list("pk", flat=True))
        return
    # One array parameter: Django's IN list of thousands of demands cost more than the lock.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Demand._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [demand_ids]
        )


MATCH_COLUMNS = (
    "demand_id",
    "product_id",
    "run_id",
    "is_near_miss",
    "rank",
    "score",
    "components",
    "strongest_component",
    "results",
    "failed_count",
    "matched_at",
    "updated_at",
    "digest",
)
# What makes a row "changed": a re-run that computes the same values leaves the row (run, updated_at) alone. The
# digest is refreshed on its own where only it differs.
COMPARED_COLUMNS = (
    "is_near_miss",
    "rank",
    "score",
    "components",
    "strongest_component",
    "results",
    "failed_count",
    "matched_at",
)
SUMMARY_COLUMNS = (
    "demand_id",
    "run_id",
    "candidates_count",
    "matches_count",
    "near_misses_count",
    "best_score",
    "requirement_gaps",
    "updated_at",
)


def _delete_ids(ids: list[int]) -> None:
    if connection.vendor != "postgresql":
        Match.objects.filter(pk__in=ids).delete()
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Match._meta.db_table} WHERE id = ANY(%s)", [ids])


def insert_matches(rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert match rows (MATCH_COLUMNS) in bulk, through the project's bulk writer (COPY on PostgreSQL, which
    consumes an iterator as it goes)."""
    copy_insert(Match, MATCH_COLUMNS, rows)


def update_matches(rows: Sequence[tuple[Any, ...]]) -> None:
    """Update existing match rows (id, then MATCH_COLUMNS) in one statement where anything compared changed: an
    unchanged row is not written at all, so it keeps its run and ``updated_at`` (a new digest alone is kept)."""
    copy_upsert(
        Match,
        ["id", *MATCH_COLUMNS],
        rows,
        unique=["id"],
        update=[c for c in MATCH_COLUMNS if c not in ("demand_id", "product_id")],
        changed=COMPARED_COLUMNS,
        refresh=("digest",),
    )


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
