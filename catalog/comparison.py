"""Whether one product's specifications meet or beat another's, parameter by parameter (pure; no ORM).

Used to find domestic alternatives to an imported product: every comparable parameter the imported product
states must be stated by the candidate and be at least as good in the parameter's better direction. The same
rule marks the best value of each row of the side-by-side comparison table (``comparison_rows``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

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


def best_marks(values: list[SpecValue | None]) -> list[bool]:
    """Which of several products' values of one parameter is the best, for a side-by-side table.

    A value is best when it meets or beats every other stated value. Nothing is marked when fewer than two
    values are stated, when the parameter has no better direction, or when every stated value ties.
    """
    stated = [i for i, value in enumerate(values) if value is not None]
    if len(stated) < 2:
        return [False] * len(values)
    if any(values[i].better not in (HIGHER, LOWER, WIDER) for i in stated):  # type: ignore[union-attr]
        return [False] * len(values)

    def beats_all(i: int) -> bool:
        # None from meets_or_beats means the other value asks for nothing (a feature it lacks), so it is met.
        return all(meets_or_beats(values[j], values[i]) is not False for j in stated if j != i)  # type: ignore[arg-type]

    best = {i for i in stated if beats_all(i)}
    if len(best) == len(stated):
        return [False] * len(values)
    return [i in best for i in range(len(values))]


# --- The side-by-side table ----------------------------------------------------------------------------------


@dataclass
class ComparedValue:
    """One product's cell of a comparison row: what the API gives (``value``...) and what a page shows."""

    product_id: int
    display: str
    is_best: bool = False
    value: Any = None
    value_min: float | None = None
    value_max: float | None = None


@dataclass
class ComparisonRow:
    key: str
    name: str
    canonical_unit: str
    better: str
    values: list[ComparedValue] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        """Whether the products' cells are not all the same (pages may hide rows that are)."""
        return len({cell.display for cell in self.values}) > 1


def spec_value(parameter: Any, spec: Any) -> SpecValue:
    """A stored specification as meets_or_beats reads it."""
    return SpecValue(
        value_type=parameter.value_type,
        better=parameter.better,
        value=spec.value,
        value_min=spec.value_min,
        value_max=spec.value_max,
        value_bool=spec.value_bool,
    )


def specification_rows(
    products: Sequence[Any], *, display: Callable[[Any, Any], str], name: Callable[[Any], str]
) -> list[ComparisonRow]:
    """One row per parameter any of ``products`` states (their ``specifications`` loaded with parameters), in
    dictionary order; the best value of each row marked. ``display(parameter, spec)`` renders a cell."""
    parameters: dict[str, Any] = {}
    stated: list[dict[str, Any]] = []
    for product in products:
        by_key = {}
        for spec in product.specifications.all():
            by_key[spec.parameter.key] = spec
            parameters.setdefault(spec.parameter.key, spec.parameter)
        stated.append(by_key)
    order = sorted(parameters.values(), key=lambda p: (p.category.depth, p.sort_order, p.key))
    rows = []
    for parameter in order:
        specs = [by_key.get(parameter.key) for by_key in stated]
        marks = best_marks([None if spec is None else spec_value(parameter, spec) for spec in specs])
        row = ComparisonRow(
            key=parameter.key, name=name(parameter), canonical_unit=parameter.unit, better=parameter.better
        )
        for product, spec, best in zip(products, specs, marks, strict=True):
            if spec is None:
                row.values.append(ComparedValue(product_id=product.pk, display="—"))
                continue
            value = {"choice": spec.value_text, "boolean": spec.value_bool}.get(parameter.value_type, spec.value)
            row.values.append(
                ComparedValue(
                    product_id=product.pk,
                    display=display(parameter, spec) or "—",
                    is_best=best,
                    value=value,
                    value_min=spec.value_min,
                    value_max=spec.value_max,
                )
            )
        rows.append(row)
    return rows


def fact_row(
    key: str, name: str, better: str, products: Sequence[Any], values: Sequence[Any], display: Callable[[Any], str]
) -> ComparisonRow:
    """A row of one number per product (price, lead time, warranty, scores); None is unstated."""
    marks = best_marks(
        [None if v is None else SpecValue(value_type="number", better=better, value=float(v)) for v in values]
    )
    row = ComparisonRow(key=key, name=name, canonical_unit="", better=better)
    for product, value, best in zip(products, values, marks, strict=True):
        row.values.append(
            ComparedValue(
                product_id=product.pk, display="—" if value is None else display(value), is_best=best, value=value
            )
        )
    return row
