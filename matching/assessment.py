"""The matching engine's answer to procurement's comparison: each quoted product scored against a demand.

Registered with ``procurement.assessment`` from ``MatchingConfig.ready``. Products are scored the way a matching run
scores them (same requirements, same components, same weights), imported products included, so a comparison's
cells and score agree with the match list.
"""

from __future__ import annotations

from collections.abc import Sequence

from catalog.values import format_entered, format_number
from matching import scoring as s
from matching.engine import demand_facts, weights
from matching.models import Match
from matching.pools import products_pool
from procurement.assessment import ProductAssessment, RequirementCheck
from procurement.models import Demand


def _shown(value: float | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format_number(value)
    return format_entered(value)


def _check(result: s.RequirementResult) -> RequirementCheck:
    actual = _shown(result.actual)
    if result.actual_max is not None:
        actual = f"{actual}–{_shown(result.actual_max)}"
    return RequirementCheck(
        requirement_id=result.requirement_id,
        status=result.status,
        actual=actual,
        gap=result.gap,
        margin=result.margin,
    )


class MatchingAssessor:
    def assess(self, demand: Demand, product_ids: Sequence[int]) -> dict[int, ProductAssessment]:
        ids = sorted(set(product_ids))
        if not ids:
            return {}
        row = demand_facts([demand.pk], statuses=None).get(demand.pk)
        if row is None:
            return {}
        pool = products_pool(product_ids=ids)
        out = {}
        for pair in pool.score_pairs(row.facts, weights=weights()):
            out[pair.product_id] = ProductAssessment(
                product_id=pair.product_id,
                score=pair.score,
                checks=tuple(_check(result) for result in pair.results),
            )
        return out

    def domestic_matches(self, demand: Demand) -> list[int]:
        return sorted(Match.objects.filter(demand=demand, is_near_miss=False).values_list("product_id", flat=True))
