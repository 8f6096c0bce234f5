"""Matching as a consumer of the change outbox: changed products and demands are re-matched in batches, one run
per category subtree a batch touches (a bulk import of N products is one run, not N); a moved category re-matches
the open demands of the subtrees that lost or gained its products.

Registered from ``MatchingConfig.ready``. The batch is marked done in the transaction that writes its matches,
so a crash leaves both undone and a redelivered batch finds nothing left to do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from catalog.models import Category, Product
from catalog.selectors import category_ancestor_codes
from changes.models import Change
from changes.registry import register as register_consumer
from matching import pools
from matching.models import Match, MatchRun
from matching.runs import match_run_demands
from procurement.models import Demand
from search.registry import CATEGORY_ENTITY

CONSUMER = "matching"
PRODUCT = "product"
DEMAND = "demand"
CATEGORY = CATEGORY_ENTITY
# A bulk import of ten thousand products is one batch: claiming is cheap, and one batch means one run per subtree.
BATCH_SIZE = 50_000
# Changes that cannot move a match: a product's documents are shown, never scored.
IGNORED_FIELDS = ("documents",)


def _category_ids_by_path(paths: set[str]) -> dict[str, int]:
    return dict(Category.objects.filter(path__in=paths).values_list("path", "pk")) if paths else {}


def rematch_changes(changes: Sequence[Change]) -> list[MatchRun]:
    """Re-match what a batch of changes affects; returns the runs made (none when nothing is affected).

    A changed product affects the open demands of its category's ancestors (a demand's subtree holds it) and the
    demands it is matched with now; a product that is neither published nor matched affects nothing. Each
    demand is re-matched once per batch, in the run of the first subtree that reaches it.
    """
    product_changes = [c for c in changes if c.entity == PRODUCT]
    demand_ids = sorted({c.object_id for c in changes if c.entity == DEMAND})
    product_ids = {c.object_id for c in product_changes}
    current = {
        pk: (category_id, status)
        for pk, category_id, status in Product.objects.filter(pk__in=product_ids).values_list(
            "pk", "category_id", "status"
        )
    }
    matched: dict[int, set[int]] = defaultdict(set)
    for product_id, demand_id in Match.objects.filter(product_id__in=product_ids).values_list(
        "product_id", "demand_id"
    ):
        matched[product_id].add(demand_id)
    # A deleted product is known by the category path its change recorded.
    gone = {c.object_id: c.category_path for c in product_changes if c.object_id not in current and c.category_path}
    by_path = _category_ids_by_path(set(gone.values()))
    by_category: dict[int, set[int]] = defaultdict(set)
    for product_id in sorted(product_ids):
        if product_id in current:
            category_id, status = current[product_id]
            if status != Product.Status.PUBLISHED and not matched[product_id]:
                continue
            by_category[category_id].add(product_id)
        elif gone.get(product_id) in by_path:
            by_category[by_path[gone[product_id]]].add(product_id)

    # The pools' prepared rows follow the products, before any pool of theirs is read again.
    pools.pool_products_refresh(product_ids=product_ids)
    runs: list[MatchRun] = []
    seen: set[int] = set()
    runs += _rematch_moved_categories([c for c in changes if c.entity == CATEGORY], seen)
    for category_id in sorted(by_category):
        ancestors = pools.ancestor_category_ids(category_id)
        # Every subtree holding these products is stale for the warm pools of incremental runs.
        pools.pool_invalidate(category_ids=ancestors)
        affected = set(
            Demand.objects.filter(status=Demand.Status.OPEN, category_id__in=ancestors).values_list("pk", flat=True)
        )
        for product_id in by_category[category_id]:
            affected |= matched[product_id]
        affected -= seen
        seen |= affected
        if affected:
            runs.append(
                match_run_demands(
                    demand_ids=sorted(affected), trigger=MatchRun.Trigger.PRODUCT_CHANGED, category_id=category_id
                )
            )

    # Changed demands: only open ones are matched (a closed demand keeps its matches as they were).
    demands_by_category: dict[int, list[int]] = defaultdict(list)
    for demand_id, category_id in (
        Demand.objects.filter(pk__in=demand_ids, status=Demand.Status.OPEN)
        .exclude(pk__in=seen)
        .order_by("pk")
        .values_list("pk", "category_id")
    ):
        demands_by_category[category_id].append(demand_id)
    for category_id in sorted(demands_by_category):
        ids = demands_by_category[category_id]
        runs.append(
            match_run_demands(
                demand_ids=ids,
                trigger=MatchRun.Trigger.DEMAND_CHANGED,
                category_id=category_id if len(ids) > 1 else None,
            )
        )
    return runs


def _rematch_moved_categories(changes: Sequence[Change], seen: set[int]) -> list[MatchRun]:
    """A moved category's products left the subtrees of its old ancestors and joined those of its new ones: their
    pools are forgotten and their open demands re-matched (the moved subtree's own demands keep their candidates).
    """
    runs = []
    for change in changes:
        if "path" not in change.fields or not change.category_path:
            continue  # a new name does not move a match
        old_ancestors = list(
            Category.objects.filter(code__in=category_ancestor_codes(change.category_path)[:-1]).values_list(
                "pk", flat=True
            )
        )
        new_ancestors = [pk for pk in pools.ancestor_category_ids(change.object_id) if pk != change.object_id]
        stale = sorted({*old_ancestors, *new_ancestors})
        pools.pool_invalidate(category_ids=stale)
        affected = set(
            Demand.objects.filter(status=Demand.Status.OPEN, category_id__in=stale).values_list("pk", flat=True)
        )
        affected -= seen
        seen |= affected
        if affected:
            runs.append(
                match_run_demands(
                    demand_ids=sorted(affected), trigger=MatchRun.Trigger.PRODUCT_CHANGED, category_id=change.object_id
                )
            )
    return runs


def register() -> None:
    register_consumer(
        CONSUMER,
        entities=(PRODUCT, DEMAND, CATEGORY),
        handle=rematch_changes,
        batch_size=BATCH_SIZE,
        atomic=True,
        ignores_fields=IGNORED_FIELDS,
    )
