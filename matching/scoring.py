"""What matching talks about: requirements, stated values, verdicts and scores of pairs (pure; no ORM).

Values arrive canonical (the parameter's unit); gaps and margins go back out in the unit the buyer wrote, so an
explanation reads "short by 2 bar" when the buyer asked in bar. Every formula (checks, credits, components, the
score, the near-miss order) is written once, on arrays, in ``matching.vector``; a single pair is a one-element
array there. What stays here is the vocabulary (requirements, stated values, verdicts) and saying a verdict in the
buyer's unit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, TypeVar, overload

from catalog.values import InvalidValue, UnitError, from_canonical, parse_yes_no
from search.tokenizer import document_tokens, query_words

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
# A stated value short of an ordered requirement by less than this share of its scale earns partial credit.
PARTIAL_BAND = 0.1
# Near misses are ordered by their summed relative gap; one absurd gap must not swamp the others.
GAP_NORM_CAP = 1000.0
SCORE_DECIMALS = 9
# Stored components and explained values are for reading, not for recomputing: short numbers keep rows small.
COMPONENT_DECIMALS = 4
SHOWN_DIGITS = 6


T = TypeVar("T")


class computed_once(Generic[T]):
    """``functools.cached_property`` without its lock: Python 3.11 takes one lock, shared by every instance, at each
    first read, and a full run reads a dozen properties of each of forty thousand requirements once. A spec is
    built and read by one thread; two computing the same value at once would store equal values."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> computed_once[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | computed_once[T]:
        if instance is None:
            return self
        # Stored in the instance's own dict (even a frozen dataclass has one): the next read never gets here.
        value: T = self.func(instance)
        instance.__dict__[self.name] = value
        return value


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

    @computed_once
    def target(self) -> float | None:
        """The single number an ordered comparison uses."""
        if self.value is not None:
            return self.value
        if self.operator == LTE:
            return self.value_max if self.value_max is not None else self.value_min
        return self.value_min if self.value_min is not None else self.value_max

    @computed_once
    def bounds(self) -> tuple[float, float] | None:
        """The range a ``covers`` requirement asks for (a single value when only one is given)."""
        lo, hi = self.value_min, self.value_max
        if lo is None or hi is None:
            lo = hi = self.target
        return None if lo is None or hi is None else (lo, hi)

    @computed_once
    def is_textual(self) -> bool:
        return self.value_type in ("choice", "boolean") or (self.operator == IN and self.value_type != "number")

    @computed_once
    def choice_set(self) -> frozenset[str]:
        return frozenset(str(c).strip().casefold() for c in self.choices)

    @computed_once
    def scale(self) -> float:
        return requirement_scale(self)

    @computed_once
    def shown_in_unit(self) -> tuple[float, float]:
        """(a, b) such that a canonical value v reads a * v + b in the requirement's unit (a difference: a * d).

        Unit conversions are affine, so a whole column converts at once; a unit that cannot be converted is
        shown as it is stored.
        """
        try:
            zero = from_canonical(0.0, self.canonical_unit, self.unit)
            one = from_canonical(1.0, self.canonical_unit, self.unit)
        except UnitError:
            return 1.0, 0.0
        return one - zero, zero

    @computed_once
    def reads(self) -> str:
        """What a product must state for this requirement to say anything: "flag", "text", "both" ends, the
        "high" or the "low" end; "" when the requirement itself says nothing usable."""
        if self.value_type == "boolean":
            return "" if self.wanted is None else "flag"
        if self.is_textual:
            return "text"
        if self.operator == COVERS:
            return "" if self.bounds is None else "both"
        if self.target is None:
            return ""
        return {GTE: "high", LTE: "low"}.get(self.operator, "both")

    @computed_once
    def wanted(self) -> bool | None:
        """The flag a boolean requirement asks for (None when its value says neither yes nor no)."""
        return wanted_flag(self)


@dataclass(frozen=True, slots=True)
class SpecValue:
    """A product's stated value for one parameter (canonical)."""

    value: float | None = None
    value_min: float | None = None
    value_max: float | None = None
    text: str = ""
    flag: bool | None = None


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

    @classmethod
    def from_stored(cls, req: RequirementSpec, stored: Mapping[str, Any]) -> RequirementResult:
        """A stored verdict (``StoredResult``) read back with what its requirement says."""
        return cls(
            req.requirement_id,
            req.parameter_id,
            req.key,
            req.operator,
            req.is_mandatory,
            stored["s"],
            req.unit or req.canonical_unit,
            req.entered,
            stored.get("a"),
            stored.get("x"),
            stored.get("m"),
            stored.get("g"),
            stored.get("gc"),
        )


# The stored form of one requirement's verdict, kept small because a full run writes it for every match: what the
# requirement says (operator, value, unit) is read back from the requirement itself; unstated values are left out.
# {"r": requirement, "p": parameter, "s": status, "a"/"x": stated value (low, high), "m": margin, "g": gap in the
# requirement's unit, "gc": gap canonical}
StoredResult = dict[str, Any]


# Not frozen: a full run builds hundreds of thousands, and a frozen dataclass sets each field through
# object.__setattr__ (three times the cost). Nothing changes a pair once ranking has built it.
@dataclass
class PairScore:
    product_id: int
    is_match: bool
    score: float
    components: dict[str, float]
    # Each requirement's verdict in its stored form, as ranking computed it.
    stored_results: tuple[StoredResult, ...]
    failed_mandatory: int
    unknown_mandatory: int
    gap_norm: float
    # The component that contributed most to the score (``vector.strongest_components``), stored with the match.
    strongest: str = ""
    requirements: tuple[RequirementSpec, ...] = field(default=(), compare=False, repr=False)

    @cached_property
    def results(self) -> tuple[RequirementResult, ...]:
        """The verdicts with what each requirement says, for reading."""
        return tuple(
            RequirementResult.from_stored(req, stored)
            for req, stored in zip(self.requirements, self.stored_results, strict=True)
        )

    @property
    def is_near_miss(self) -> bool:
        """Fails a mandatory requirement while stating every mandatory parameter (so its gaps are real)."""
        return not self.is_match and self.unknown_mandatory == 0 and self.failed_mandatory > 0


# --- Explaining a pair --------------------------------------------------------------------------------
# The verdicts themselves (pass, fail, gap, credit) are computed on arrays in ``matching.vector``, once for a whole
# pool or for one pair, and stored as ``StoredResult``; what is left here is reading them back.


def text_tokens(text: str) -> frozenset[str]:
    """A product's text as text relevance compares it: the search tokenizer's document tokens, so matching and
    search cut text alike."""
    return frozenset(document_tokens(text)) if text else frozenset()


def demand_tokens(text: str) -> frozenset[str]:
    """A demand's text read as a search query against product documents (compounds whole, CJK bigrams)."""
    return frozenset(query_words(text)) if text else frozenset()


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


def wanted_flag(req: RequirementSpec) -> bool | None:
    if not req.choices:
        return None
    try:
        return parse_yes_no(req.choices[0])
    except InvalidValue:
        return None
