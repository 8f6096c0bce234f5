"""How a product fares against a demand's requirements, asked of the matching engine without importing it.

Procurement sits below matching, yet its comparison of quotes and its award check need what matching computes:
each requirement passed or failed with its gap, the match score, and which domestic products met every mandatory
requirement. Matching registers its assessor here from ``MatchingConfig.ready`` (the way apps register search
documents), so the rule stays in one place and the layers stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from procurement.models import Demand

PASS = "pass"
FAIL = "fail"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class RequirementCheck:
    """One requirement against one product: pass, fail with the gap, or unknown (the product does not say)."""

    requirement_id: int
    status: str
    # What the product states, in the requirement's unit, as shown to people ("90", "0.01–5", "DAD").
    actual: str = ""
    # How far short (fail) or beyond (pass), in the requirement's unit.
    gap: float | None = None
    margin: float | None = None


@dataclass(frozen=True)
class ProductAssessment:
    product_id: int
    score: float
    checks: tuple[RequirementCheck, ...]


class Assessor(Protocol):
    def assess(self, demand: Demand, product_ids: Sequence[int]) -> dict[int, ProductAssessment]:
        """Each product against the demand's current requirements (any product, domestic or not)."""
        ...

    def domestic_matches(self, demand: Demand) -> list[int]:
        """Domestic products that met every mandatory requirement of the demand, by the latest matching."""
        ...


_ASSESSOR: list[Assessor] = []


def assessor_register(assessor: Assessor) -> None:
    _ASSESSOR[:] = [assessor]


def assessor() -> Assessor:
    if not _ASSESSOR:
        raise RuntimeError("no assessor is registered: the matching app is not installed")
    return _ASSESSOR[0]
