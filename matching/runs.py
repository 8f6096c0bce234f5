"""Running the engine and keeping MatchRun records: one demand, one product, a batch of changes, a full run.

Nothing here queues a task (``matching.services`` does, ``matching.tasks`` calls this module). Runs are
idempotent: matches are current state keyed by (demand, product), a full run's chunks are marked done in the
transaction that writes them, and notifications are deduplicated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import Product
from config.exceptions import ApplicationError
from matching import engine, leases, pools
from matching.models import MatchRun, MatchRunChunk
from matching.vector import CandidatePool
from procurement.models import Demand

logger = logging.getLogger(__name__)

# Demands per chunk task of a full run: big enough to reuse a category's pool, small enough to retry cheaply.
CHUNK_SIZE = 1000
RUN_RETENTION_DAYS = 30


# --- Incremental runs ------------------------------------------------------------------------------------------


def _finish(run: MatchRun, outcome: engine.MatchOutcome, status: str = MatchRun.Status.SUCCEEDED) -> MatchRun:
    run.status = status
    run.demands_count = outcome.demands
    run.pairs_count = outcome.pairs
    run.pairs_checked = outcome.checked
    run.matches_count = outcome.matches
    run.near_misses_count = outcome.near_misses
    run.notifications_count = outcome.notifications
    run.load_seconds = round(outcome.load_seconds, 4)
    run.score_seconds = round(outcome.score_seconds, 4)
    run.write_seconds = round(outcome.write_seconds, 4)
    run.finished_at = timezone.now()
    run.save()
    return run


def _fail(run_id: int, exc: BaseException) -> None:
    MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.RUNNING).update(
        status=MatchRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
    )


def _run_guarded(run: MatchRun, work: Callable[[], engine.MatchOutcome]) -> MatchRun:
    try:
        with transaction.atomic():
            outcome = work()
            return _finish(run, outcome)
    except Exception as exc:
        _fail(run.pk, exc)
        raise


def match_run_demand(
    *, demand_id: int, trigger: str = MatchRun.Trigger.DEMAND_CHANGED, started_by: User | None = None
) -> MatchRun:
    """Re-match one demand now. A demand that is not open keeps its matches as they are (a skipped run)."""
    demand = Demand.objects.filter(pk=demand_id).only("pk", "status").first()
    if demand is None:
        raise ApplicationError(_("No such demand."), field="demand")
    run = MatchRun.objects.create(
        kind=MatchRun.Kind.DEMAND, trigger=trigger, demand_id=demand_id, started_by=started_by
    )
    if not demand.is_open:
        return _finish(run, engine.MatchOutcome(), MatchRun.Status.SKIPPED)
    return _run_guarded(run, lambda: engine.match_demand_ids(run=run, demand_ids=[demand_id], warm=True))


def match_run_product(
    *, product_id: int, trigger: str = MatchRun.Trigger.PRODUCT_CHANGED, started_by: User | None = None
) -> MatchRun:
    """Re-rank every open demand a changed (published, edited, withdrawn) product may meet or have met."""
    if not Product.objects.filter(pk=product_id).exists():
        raise ApplicationError(_("No such product."), field="product")
    run = MatchRun.objects.create(
        kind=MatchRun.Kind.PRODUCT, trigger=trigger, product_id=product_id, started_by=started_by
    )
    # The product changed: its pool row is prepared again before any pool holding it is read.
    pools.pool_products_refresh(product_ids=[product_id])
    category_id = Product.objects.filter(pk=product_id).values_list("category_id", flat=True).first()
    if category_id is not None:
        # Every subtree holding this product is stale for the warm pools of incremental runs.
        pools.pool_invalidate(category_ids=pools.ancestor_category_ids(category_id))
    demand_ids = engine.affected_demand_ids(product_id=product_id)
    if not demand_ids:
        return _finish(run, engine.MatchOutcome(), MatchRun.Status.SKIPPED)
    return _run_guarded(run, lambda: engine.match_demand_ids(run=run, demand_ids=demand_ids, warm=True))


def match_run_demands(
    *, demand_ids: list[int], trigger: str, category_id: int | None = None, started_by: User | None = None
) -> MatchRun:
    """Re-match these demands in one run: the demands a batch of changes in one category subtree affects."""
    single = len(demand_ids) == 1 and category_id is None
    run = MatchRun.objects.create(
        kind=MatchRun.Kind.DEMAND if single else MatchRun.Kind.CATEGORY,
        trigger=trigger,
        demand_id=demand_ids[0] if single else None,
        category_id=category_id,
        started_by=started_by,
    )
    if not demand_ids:
        return _finish(run, engine.MatchOutcome(), MatchRun.Status.SKIPPED)
    return _run_guarded(run, lambda: engine.match_demand_ids(run=run, demand_ids=sorted(demand_ids), warm=True))


# --- Full runs -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FullRunPlan:
    run: MatchRun
    chunk_numbers: list[int]


def match_run_start_full(
    *,
    trigger: str = MatchRun.Trigger.STAFF,
    started_by: User | None = None,
    dispatch: Callable[[int, int], object] | None = None,
) -> FullRunPlan:
    """Start a full run: every open demand, in chunks grouped by category.

    Only one full run may be running: the database refuses a second (a partial unique constraint), and the
    refusal is raised as ApplicationError. ``dispatch(run_id, number)`` is called for each chunk after commit
    (queueing a task); without it the caller runs them (``match_run_execute_chunk``), as the command line does.
    Either way every chunk is leased (``matching.leases``): one nobody finishes is queued again within minutes,
    and a run that stalled no longer blocks this one.
    """
    leases.full_runs_release_stalled()
    try:
        with transaction.atomic():
            run = MatchRun.objects.create(kind=MatchRun.Kind.FULL, trigger=trigger, started_by=started_by)
            numbers = _plan_chunks(run)
            if dispatch is not None and numbers:
                send = dispatch

                def dispatch_chunks() -> None:
                    for number in numbers:
                        send(run.pk, number)

                transaction.on_commit(dispatch_chunks)
    except IntegrityError:
        current = MatchRun.objects.filter(kind=MatchRun.Kind.FULL, status=MatchRun.Status.RUNNING).first()
        raise ApplicationError(
            _("A full matching run is already running (run #%(id)s, started %(started)s); wait for it to finish.")
            % {
                "id": current.pk if current else "?",
                "started": timezone.localtime(current.created_at).strftime("%Y-%m-%d %H:%M") if current else "",
            },
            field="kind",
        ) from None
    return FullRunPlan(run=run, chunk_numbers=numbers)


def _plan_chunks(run: MatchRun) -> list[int]:
    """Slice the open demands into chunks of one category each, so a chunk loads one candidate pool."""
    chunks: list[MatchRunChunk] = []
    current_category = 0
    leased_until = leases.lease_expiry()
    batch: list[int] = []
    rows = (
        Demand.objects.filter(status=Demand.Status.OPEN).order_by("category_id", "pk").values_list("pk", "category_id")
    )
    for demand_id, category_id in rows:
        if batch and (category_id != current_category or len(batch) >= CHUNK_SIZE):
            chunks.append(
                MatchRunChunk(
                    run=run,
                    number=len(chunks) + 1,
                    category_id=current_category,
                    demand_ids=batch,
                    leased_until=leased_until,
                )
            )
            batch = []
        current_category = category_id
        batch.append(demand_id)
    if batch:
        chunks.append(
            MatchRunChunk(
                run=run,
                number=len(chunks) + 1,
                category_id=current_category,
                demand_ids=batch,
                leased_until=leased_until,
            )
        )
    MatchRunChunk.objects.bulk_create(chunks)
    run.chunks_total = len(chunks)
    if not chunks:
        run.status = MatchRun.Status.SUCCEEDED
        run.finished_at = timezone.now()
    run.save()
    return [c.number for c in chunks]


_WORKER_POOLS: dict[int, dict[int, CandidatePool]] = {}


def _run_pools(run_id: int) -> dict[int, CandidatePool]:
    """Pools a worker built for this run: its later chunks of the same category reuse them, and a new run reads
    the catalog afresh (a full run must not inherit drift)."""
    if run_id not in _WORKER_POOLS:
        _WORKER_POOLS.clear()
        _WORKER_POOLS[run_id] = {}
    return _WORKER_POOLS[run_id]


def match_run_execute_chunk(
    *, run_id: int, number: int, pool_cache: dict[int, CandidatePool] | None = None
) -> engine.MatchOutcome | None:
    """Match one chunk of a full run. A chunk already done (a redelivered task), being matched by another worker,
    or of a stopped run is a no-op.

    The chunk is claimed first (its attempt counted, its lease renewed, committed), then matched while its row
    stays locked until the commit that marks it done: the lock tells the lease sweep a worker is on it.
    """
    if not leases.chunk_claim(run_id=run_id, number=number):
        return None
    try:
        with transaction.atomic():
            chunk = (
                MatchRunChunk.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(run_id=run_id, number=number, done_at__isnull=True, run__status=MatchRun.Status.RUNNING)
                .first()
            )
            if chunk is None:
                return None
            run = MatchRun.objects.get(pk=run_id)
            from_worker = pool_cache is None
            if pool_cache is None:
                pool_cache = _run_pools(run_id)
            known = set(pool_cache)
            outcome = engine.match_demand_ids(run=run, demand_ids=chunk.demand_ids, pool_cache=pool_cache)
            if from_worker:
                # Pools this run just read go to the shared cache: the day's incremental runs start from them.
                for category_id in set(pool_cache) - known:
                    pools.pool_remember(category_id=category_id, pool=pool_cache[category_id])
            chunk.done_at = timezone.now()
            chunk.save(update_fields=["done_at"])
            MatchRun.objects.filter(pk=run_id).update(
                chunks_done=F("chunks_done") + 1,
                demands_count=F("demands_count") + outcome.demands,
                pairs_count=F("pairs_count") + outcome.pairs,
                pairs_checked=F("pairs_checked") + outcome.checked,
                matches_count=F("matches_count") + outcome.matches,
                near_misses_count=F("near_misses_count") + outcome.near_misses,
                notifications_count=F("notifications_count") + outcome.notifications,
                load_seconds=F("load_seconds") + outcome.load_seconds,
                score_seconds=F("score_seconds") + outcome.score_seconds,
                write_seconds=F("write_seconds") + outcome.write_seconds,
            )
            # The chunk that completes the count finishes the run; the row lock above orders the increments.
            MatchRun.objects.filter(
                pk=run_id, status=MatchRun.Status.RUNNING, chunks_done__gte=F("chunks_total")
            ).update(status=MatchRun.Status.SUCCEEDED, finished_at=timezone.now())
            return outcome
    except OperationalError:
        # A lost connection: the task is retried, and the chunk, not done, runs again.
        raise
    except Exception as exc:
        _fail(run_id, exc)
        raise


def match_run_full_inline(
    *,
    trigger: str = MatchRun.Trigger.COMMAND,
    started_by: User | None = None,
    progress: Callable[[int], None] | None = None,
    on_plan: Callable[[FullRunPlan], None] | None = None,
) -> MatchRun:
    """A full run executed here, chunk after chunk, reusing each category's pool (the command line and demo)."""
    plan = match_run_start_full(trigger=trigger, started_by=started_by)
    if on_plan is not None:
        on_plan(plan)
    pool_cache: dict[int, CandidatePool] = {}
    last_category: int | None = None
    categories = dict(MatchRunChunk.objects.filter(run=plan.run).values_list("number", "category_id"))
    for number in plan.chunk_numbers:
        # Pools are reused while their category's chunks follow each other, then handed to the warm-pool cache
        # for the incremental runs this process will serve.
        if categories.get(number) != last_category:
            _hand_over(pool_cache)
            last_category = categories.get(number)
        match_run_execute_chunk(run_id=plan.run.pk, number=number, pool_cache=pool_cache)
        if progress is not None:
            progress(number)
    _hand_over(pool_cache)
    plan.run.refresh_from_db()
    return plan.run


def _hand_over(pool_cache: dict[int, CandidatePool]) -> None:
    for category_id, pool in pool_cache.items():
        pools.pool_remember(category_id=category_id, pool=pool)
    pool_cache.clear()


def match_run_prune(*, keep_days: int = RUN_RETENTION_DAYS) -> int:
    """Forget old one-demand and one-product runs (every change makes one); full runs are kept as history."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _ = (
        MatchRun.objects.filter(created_at__lt=cutoff)
        .exclude(kind=MatchRun.Kind.FULL)
        .exclude(status=MatchRun.Status.RUNNING)
        .delete()
    )
    return deleted
