"""Whether one product's specifications meet or beat another's, parameter by parameter (pure; no ORM).

Used to find domestic alternatives to an imported product: every comparable parameter the imported product
states must be stated by the candidate and be at least as good in the parameter's better direction.
"""

from __future__ import annotations

from dataclasses import dataclass

HIGHER = "higher"
LOWER = "lower"
WIDER = "wider"


@dataclass(frozen=True)
class SpecValue:
    value_type: str
    better: str
    value: float | None = None
    value_min: float | None = None
    value_max: float | None = None
    value_bool: bool | None = None


def meets_or_beats(reference: SpecValue, candidate: SpecValue | None) -> bool | None:
    """True/False when comparable, None when the parameter has no better direction (it does not count)."""
    if reference.better not in (HIGHER, LOWER, WIDER):
        return None
    if candidate is None:
        return False
    if reference.value_type == "boolean":
        if reference.value_bool is None:
            return None
        wanted = reference.value_bool if reference.better == HIGHER else not reference.value_bool
        if not wanted:
            return None
        return candidate.value_bool is (reference.better == HIGHER)
    if reference.value_type == "number":
        if reference.value is None:
            return None
        if candidate.value is None:
            return False
        return candidate.value >= reference.value if reference.better == HIGHER else candidate.value <= reference.value
    if reference.value_type == "range":
        if reference.value_min is None or reference.value_max is None:
            return None
        if candidate.value_min is None or candidate.value_max is None:
            return False
        if reference.better == WIDER:
            return candidate.value_min <= reference.value_min and candidate.value_max >= reference.value_max
        if reference.better == HIGHER:
            return candidate.value_max >= reference.value_max
        return candidate.value_min <= reference.value_min
    return None


@dataclass(frozen=True)
class Comparison:
    compared: int
    met: int
    failed_keys: tuple[str, ...]

    @property
    def is_alternative(self) -> bool:
        return self.compared > 0 and not self.failed_keys


def compare(reference: dict[str, SpecValue], candidate: dict[str, SpecValue]) -> Comparison:
    """Compare every comparable reference parameter; keys are parameter keys."""
    compared = met = 0
    failed: list[str] = []
    for key in sorted(reference):
        outcome = meets_or_beats(reference[key], candidate.get(key))
        if outcome is None:
            continue
        compared += 1
        if outcome:
            met += 1
        else:
            failed.append(key)
    return Comparison(compared=compared, met=met, failed_keys=tuple(failed))
