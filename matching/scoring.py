"""How well one product meets one demand: requirement checks, gaps and the score (pure; no ORM).

Values arrive canonical (the parameter's unit); gaps and margins go back out in the unit the buyer wrote, so an
explanation reads "short by 2 bar" when the buyer asked in bar. The same formulas are applied to whole candidate
pools at once in ``matching.vector``; both must agree, and the tests hold them to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from catalog.values import InvalidValue, UnitError, difference_from_canonical, from_canonical, parse_yes_no

PASS = "pass"
FAIL = "fail"
UNKNOWN = "unknown"

GTE, LTE, EQ, COVERS, IN = ">=", "<=", "=", "covers", "in"
ORDERED_OPERATORS = (GTE, LTE, COVERS)

COMPONENTS = ("preferred", "price", "text", "evaluations", "province", "lead_time")
# A component whose input is not stated (no price, no evaluation...) neither helps nor hurts.
NEUTRAL = 0.5
# Text relevance saturates: a long description should not make every product look irrelevant.
TEXT_TOKENS_CAP = 10
# Near misses are ordered by their summed relative gap; one absurd gap must not swamp the others.
GAP_NORM_CAP = 1000.0
SCORE_DECIMALS = 9
# Stored components and explained values are for reading, not for recomputing: short numbers keep rows small.
COMPONENT_DECIMALS = 4
SHOWN_DIGITS = 6


@dataclass(frozen=True)
class RequirementSpec:
    """One requirement of a demand, canonical values plus what is needed to explain it."""

    requirement_id: int
    parameter_id: int
    key: str
    operator: str
    value_type: str = "number"
    value: float | None = None
    value_min: float | None = None
    value_max: float | None = None
    choices: tuple[str, ...] = ()
    canonical_unit: str = ""
    unit: str = ""
    is_mandatory: bool = True
    weight: float = 1.0
    # Span of the parameter's sane values, used to scale margins when the required value is zero.
    parameter_span: float | None = None
    # The value as the buyer wrote it, for explanations.
    entered: str = ""

    @cached_property
    def target(self) -> float | None:
        """The single number an ordered comparison uses."""
        if self.value is not None:
            return self.value
        if self.operator == LTE:
            return self.value_max if self.value_max is not None else self.value_min
        return self.value_min if self.value_min is not None else self.value_max

    @cached_property
    def is_textual(self) -> bool:
        return self.value_type in ("choice", "boolean") or (self.operator == IN and self.value_type != "number")

    @cached_property
    def choice_set(self) -> frozenset[str]:
        return frozenset(str(c).strip().casefold() for c in self.choices)

    @cached_property
    def scale(self) -> float:
        return requirement_scale(self)


@dataclass(frozen=True, slots=True)
class SpecValue:
    """A product's stated value for one parameter (canonical)."""

    value: float | None = None
    value_min: float | None = None
    value_max: float | None = None
    text: str = ""
    flag: bool | None = None

    @property
    def low(self) -> float | None:
        return self.value_min if self.value_min is not None else self.value

    @property
    def high(self) -> float | None:
        return self.value_max if self.value_max is not None else self.value


@dataclass(frozen=True)
class ProductFacts:
    product_id: int
    specs: Mapping[int, SpecValue] = field(default_factory=dict)
    price_min: float | None = None
    price_max: float | None = None
    lead_time_days: int | None = None
    evaluation_score: float | None = None
    provinces: frozenset[str] = frozenset()
    tokens: frozenset[str] = frozenset()

    @property
    def reference_price(self) -> float | None:
        if self.price_min is not None and self.price_max is not None:
            return (self.price_min + self.price_max) / 2
        return self.price_min if self.price_min is not None else self.price_max


@dataclass(frozen=True)
class DemandFacts:
    demand_id: int
    requirements: tuple[RequirementSpec, ...] = ()
    budget_per_unit: float | None = None
    province: str = ""
    days_to_deadline: int = 0
    tokens: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RequirementResult:
    requirement_id: int
    parameter_id: int
    key: str
    operator: str
    is_mandatory: bool
    status: str
    unit: str = ""
    required: str = ""
    # What the product states, in the requirement's unit (numbers) or as text.
    actual: float | str | None = None
    actual_max: float | None = None
    # How far beyond the requirement (pass) or short of it (fail), in the requirement's unit.
    margin: float | None = None
    gap: float | None = None
    gap_canonical: float | None = None
    credit: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """The stored form, kept small because a full run writes it for every match: what the requirement says
        (operator, value, unit) is read back from the requirement itself; unstated values are left out."""
        out: dict[str, object] = {"r": self.requirement_id, "p": self.parameter_id, "s": self.status}
        if self.actual is not None:
            out["a"] = _shown(self.actual)
        if self.actual_max is not None:
            out["x"] = _shown(self.actual_max)
        if self.margin is not None:
            out["m"] = _shown(self.margin)
        if self.gap is not None:
            out["g"] = _shown(self.gap)
            out["gc"] = _shown(self.gap_canonical)
        return out


@dataclass(frozen=True)
class PairScore:
    product_id: int
    is_match: bool
    score: float
    components: dict[str, float]
    results: tuple[RequirementResult, ...]
    failed_mandatory: int
    unknown_mandatory: int
    gap_norm: float
    # The component that contributed most to the score (``strongest_component``), stored with the match.
    strongest: str = ""

    @property
    def is_near_miss(self) -> bool:
        """Fails a mandatory requirement while stating every mandatory parameter (so its gaps are real)."""
        return not self.is_match and self.unknown_mandatory == 0 and self.failed_mandatory > 0


# --- Text ---------------------------------------------------------------------------------------------

_LATIN = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_STOPWORDS = frozenset({"and", "or", "the", "for", "with", "of", "to", "in", "on", "an", "a", "is", "by", "at"})


def tokenize(text: str) -> frozenset[str]:
    """Latin words and numbers (two characters or more) plus CJK character bigrams: no dictionary needed."""
    if not text:
        return frozenset()
    lowered = text.casefold()
    tokens = {t for t in _LATIN.findall(lowered) if len(t) > 1 and t not in _STOPWORDS}
    for run in _CJK.findall(lowered):
        if len(run) == 1:
            tokens.add(run)
        else:
            tokens.update(map(str.__add__, run[:-1], run[1:]))
    return frozenset(tokens)


def text_relevance(demand_tokens: frozenset[str], product_tokens: frozenset[str]) -> float:
    if not demand_tokens:
        return 0.0
    shared = len(demand_tokens & product_tokens)
    return min(1.0, shared / min(len(demand_tokens), TEXT_TOKENS_CAP))


# --- Requirement checks ---------------------------------------------------------------------------------


def requirement_scale(req: RequirementSpec) -> float:
    """The size a margin or gap is measured against, so 2 bar short of 3 and 2 MPa short of 300 differ."""
    if req.operator == COVERS and req.value_min is not None and req.value_max is not None:
        width = req.value_max - req.value_min
        if width > 0:
            return width
    target = req.target
    if target is not None and abs(target) > 0:
        return abs(target)
    if req.parameter_span and req.parameter_span > 0:
        return req.parameter_span
    return 1.0


def tolerance(target: float) -> float:
    """Canonical values are stored to 12 significant digits; anything closer than this is equal."""
    return 1e-9 * max(1.0, abs(target))


def _to_unit(req: RequirementSpec, value: float | None) -> float | None:
    if value is None:
        return None
    try:
        return from_canonical(value, req.canonical_unit, req.unit)
    except UnitError:
        return value


def _diff_to_unit(req: RequirementSpec, delta: float) -> float:
    try:
        return difference_from_canonical(delta, req.canonical_unit, req.unit)
    except UnitError:
        return delta


def ordered_credit(margin: float, scale: float) -> float:
    """Credit for a passed ordered requirement: half for meeting it, the rest for exceeding it."""
    return 0.5 + 0.5 * min(1.0, max(0.0, margin / scale))


def _wanted_flag(req: RequirementSpec) -> bool | None:
    if not req.choices:
        return None
    try:
        return parse_yes_no(req.choices[0])
    except InvalidValue:
        return None


def _result(
    req: RequirementSpec,
    status: str,
    actual: float | str | None = None,
    actual_max: float | None = None,
    margin: float | None = None,
    gap: float | None = None,
    gap_canonical: float | None = None,
    credit: float = 0.0,
) -> RequirementResult:
    return RequirementResult(
        req.requirement_id,
        req.parameter_id,
        req.key,
        req.operator,
        req.is_mandatory,
        status,
        req.unit or req.canonical_unit,
        req.entered,
        actual,
        actual_max,
        margin,
        gap,
        gap_canonical,
        credit,
    )


def evaluate_requirement(req: RequirementSpec, spec: SpecValue | None) -> RequirementResult:
    if spec is None:
        return _result(req, UNKNOWN)

    if req.value_type == "boolean":
        wanted = _wanted_flag(req)
        if spec.flag is None or wanted is None:
            return _result(req, UNKNOWN)
        ok = spec.flag == wanted
        return _result(req, PASS if ok else FAIL, "true" if spec.flag else "false", credit=1.0 if ok else 0.0)

    if req.is_textual:
        if not spec.text:
            return _result(req, UNKNOWN)
        ok = spec.text.strip().casefold() in req.choice_set
        return _result(req, PASS if ok else FAIL, spec.text, credit=1.0 if ok else 0.0)

    scale = req.scale
    low, high = spec.low, spec.high
    if req.operator == COVERS:
        lo, hi = req.value_min, req.value_max
        if lo is None or hi is None:
            lo = hi = req.target
        if low is None or high is None or lo is None or hi is None:
            return _result(req, UNKNOWN)
        eps = tolerance(max(abs(lo), abs(hi)))
        short = max(0.0, low - lo) + max(0.0, hi - high)
        shown_low, shown_high = _to_unit(req, low), _to_unit(req, high)
        if short <= eps:
            margin = (lo - low) + (high - hi)
            return _result(
                req,
                PASS,
                shown_low,
                shown_high,
                margin=_diff_to_unit(req, margin),
                credit=ordered_credit(margin, scale),
            )
        return _result(req, FAIL, shown_low, shown_high, gap=_diff_to_unit(req, short), gap_canonical=short)

    target = req.target
    if target is None:
        return _result(req, UNKNOWN)
    eps = tolerance(target)
    if req.operator == GTE:
        if high is None:
            return _result(req, UNKNOWN)
        margin, actual = high - target, high
    elif req.operator == LTE:
        if low is None:
            return _result(req, UNKNOWN)
        margin, actual = target - low, low
    else:  # "=" (and "in" on a number, read as its first value)
        if low is None or high is None:
            return _result(req, UNKNOWN)
        # Inside a stated range counts as equal; outside, the distance to the nearer end is the gap.
        distance = max(0.0, low - target, target - high)
        shown_low = _to_unit(req, low)
        shown_high = _to_unit(req, high) if low != high else None
        if distance <= eps:
            return _result(req, PASS, shown_low, shown_high, margin=0.0, credit=1.0)
        return _result(req, FAIL, shown_low, shown_high, gap=_diff_to_unit(req, distance), gap_canonical=distance)
    if margin >= -eps:
        margin = max(0.0, margin)
        return _result(
            req, PASS, _to_unit(req, actual), margin=_diff_to_unit(req, margin), credit=ordered_credit(margin, scale)
        )
    return _result(req, FAIL, _to_unit(req, actual), gap=_diff_to_unit(req, -margin), gap_canonical=-margin)


# --- Components and the score ----------------------------------------------------------------------------


def price_component(reference_price: float | None, budget_per_unit: float | None) -> float:
    """1 within budget, falling linearly to 0 at twice the budget."""
    if reference_price is None or budget_per_unit is None or budget_per_unit <= 0:
        return NEUTRAL
    ratio = reference_price / budget_per_unit
    return 1.0 if ratio <= 1.0 else max(0.0, 2.0 - ratio)


def evaluation_component(evaluation_score: float | None) -> float:
    if evaluation_score is None:
        return NEUTRAL
    return min(1.0, max(0.0, (evaluation_score - 1.0) / 4.0))


def province_component(provinces: frozenset[str], province: str) -> float:
    if not provinces:
        return NEUTRAL
    return 1.0 if province in provinces else 0.0


def lead_time_component(lead_time_days: int | None, days_to_deadline: int) -> float:
    """1 when the product arrives by the deadline; late deliveries lose credit in proportion to the delay."""
    if lead_time_days is None:
        return NEUTRAL
    if lead_time_days <= days_to_deadline:
        return 1.0
    return max(0.0, 1.0 - (lead_time_days - days_to_deadline) / max(days_to_deadline, 30))


def requirements_component(requirements: tuple[RequirementSpec, ...], results: tuple[RequirementResult, ...]) -> float:
    """Weighted credit of the preferred requirements; with none, the margins on the mandatory ones."""
    preferred = [(r, res) for r, res in zip(requirements, results, strict=True) if not r.is_mandatory]
    pool = preferred or [(r, res) for r, res in zip(requirements, results, strict=True) if r.is_mandatory]
    if not pool:
        return 1.0
    total_weight = sum(max(r.weight, 0.0) for r, _ in pool)
    if total_weight <= 0:
        return sum(res.credit for _, res in pool) / len(pool)
    return sum(max(r.weight, 0.0) * res.credit for r, res in pool) / total_weight


def combine(components: Mapping[str, float], weights: Mapping[str, float]) -> float:
    # Summed term by term in COMPONENTS order, exactly as matching.vector does, so both give the same floats.
    total = 0.0
    raw = 0.0
    for name in COMPONENTS:
        weight = max(float(weights.get(name, 0.0)), 0.0)
        total += weight
        raw += weight * components[name]
    if total <= 0:
        return 0.0
    return round(min(1.0, max(0.0, raw / total)), SCORE_DECIMALS)


def strongest_component(components: Mapping[str, float], weights: Mapping[str, float]) -> str:
    """The component that contributed most to the score: the largest weight x value (ties: the first in
    COMPONENTS). Computed once, from the stored components, and stored with the match for the API, pages and
    reports alike."""
    best, best_share = "", -1.0
    for name in COMPONENTS:
        if name not in components:
            continue
        share = max(float(weights.get(name, 0.0)), 0.0) * components[name]
        if share > best_share:
            best, best_share = name, share
    return best


def score_pair(demand: DemandFacts, product: ProductFacts, weights: Mapping[str, float]) -> PairScore:
    results = tuple(evaluate_requirement(req, product.specs.get(req.parameter_id)) for req in demand.requirements)
    failed = unknown = 0
    gap_norm = 0.0
    for req, res in zip(demand.requirements, results, strict=True):
        if not req.is_mandatory:
            continue
        if res.status == FAIL:
            failed += 1
            if res.gap_canonical is not None:
                gap_norm += min(GAP_NORM_CAP, res.gap_canonical / req.scale)
            else:
                gap_norm += 1.0
        elif res.status == UNKNOWN:
            unknown += 1
    components = {
        "preferred": requirements_component(demand.requirements, results),
        "price": price_component(product.reference_price, demand.budget_per_unit),
        "text": text_relevance(demand.tokens, product.tokens),
        "evaluations": evaluation_component(product.evaluation_score),
        "province": province_component(product.provinces, demand.province),
        "lead_time": lead_time_component(product.lead_time_days, demand.days_to_deadline),
    }
    stored = {k: round(v, COMPONENT_DECIMALS) for k, v in components.items()}
    return PairScore(
        product_id=product.product_id,
        is_match=failed == 0 and unknown == 0,
        score=combine(components, weights),
        components=stored,
        results=results,
        failed_mandatory=failed,
        unknown_mandatory=unknown,
        gap_norm=round(gap_norm, SCORE_DECIMALS),
        strongest=strongest_component(stored, weights),
    )


def rank(scores: list[PairScore]) -> list[PairScore]:
    """Matches by score, best first, ties by product id (deterministic)."""
    return sorted(scores, key=lambda s: (-s.score, s.product_id))


def rank_near_misses(scores: list[PairScore]) -> list[PairScore]:
    """Near misses by fewest failed requirements, then smallest relative gap, then score, then product id."""
    return sorted(scores, key=lambda s: (s.failed_mandatory, s.gap_norm, -s.score, s.product_id))


def _shown(value: float | str | None) -> float | str | None:
    if isinstance(value, float):
        return float(f"{value:.{SHOWN_DIGITS}g}")
    return value
