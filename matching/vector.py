"""Every scoring formula of matching, written once on arrays, and the candidate pools they run over (pure; no ORM).

A pool holds one category subtree's published domestic products as column arrays, built once and reused for
every demand of that subtree. For each demand the pool yields a shortlist: the best-scoring full matches and the
closest near misses, plus how close any product gets to each mandatory requirement. A single pair is a pool of
one (or a one-element subset): the verdicts that explain a kept pair, its stored components and its score are
the very arrays ranking used, so an explanation can never disagree with a rank.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matching import scoring as s

# --- The formulas ------------------------------------------------------------------------------------------


def tolerance(target: float) -> float:
    """Canonical values are stored to 12 significant digits; anything closer than this is equal."""
    return 1e-9 * max(1.0, abs(target))


def ordered_credit(margin: np.ndarray, scale: float) -> np.ndarray:
    """Credit for a passed ordered requirement: half for meeting it, the rest for exceeding it."""
    return 0.5 + 0.5 * np.minimum(np.maximum(margin / scale, 0.0), 1.0)


def partial_credit(gap: np.ndarray, scale: float) -> np.ndarray:
    """Credit for a stated value that falls short of an ordered requirement: up to half (never as much as meeting
    it), shrinking linearly with the shortfall relative to the requirement's scale and gone at PARTIAL_BAND."""
    # fmax turns the NaN of an unstated value into 0 (no credit) without a separate pass.
    return 0.5 * np.fmax(np.minimum(1.0 - (gap / scale) / s.PARTIAL_BAND, 1.0), 0.0)


def price_component(price: np.ndarray, budget_per_unit: float | None) -> np.ndarray:
    """1 within budget, falling linearly to 0 at twice the budget; unstated price or budget is neutral."""
    if budget_per_unit is None or budget_per_unit <= 0:
        return np.full(price.size, s.NEUTRAL)
    ratio = price / budget_per_unit
    return np.where(np.isnan(ratio), s.NEUTRAL, np.where(ratio <= 1.0, 1.0, np.maximum(0.0, 2.0 - ratio)))


def evaluation_component(evaluation: np.ndarray) -> np.ndarray:
    """The average evaluation (1 to 5) scaled to [0, 1]; no evaluation is neutral."""
    return np.where(np.isnan(evaluation), s.NEUTRAL, np.minimum(np.maximum((evaluation - 1.0) / 4.0, 0.0), 1.0))


def lead_time_component(lead: np.ndarray, days_to_deadline: int) -> np.ndarray:
    """1 when the product arrives by the deadline; late deliveries lose credit in proportion to the delay."""
    late = np.maximum(0.0, 1.0 - (lead - days_to_deadline) / max(days_to_deadline, 30))
    return np.where(np.isnan(lead), s.NEUTRAL, np.where(lead <= days_to_deadline, 1.0, late))


def text_component(shared_tokens: np.ndarray, demand_tokens: int) -> np.ndarray:
    """Share of the demand's tokens a product's text holds; saturates at TEXT_TOKENS_CAP tokens."""
    if demand_tokens == 0:
        return np.zeros(shared_tokens.size)
    return np.minimum(1.0, shared_tokens / min(demand_tokens, s.TEXT_TOKENS_CAP))


def requirements_component(credits: Sequence[np.ndarray], weights: Sequence[float], size: int) -> np.ndarray:
    """Weighted credit of the preferred requirements (or, with none, of the mandatory ones); none at all is 1."""
    if not credits:
        return np.ones(size)
    clipped = [max(w, 0.0) for w in weights]
    total = sum(clipped)
    if total <= 0:
        # Every weight zero: the plain mean of the credits.
        return np.asarray(sum(credits)) / len(credits)
    num = np.zeros(size)
    for weight, credit in zip(clipped, credits, strict=True):
        num += weight * credit
    return num / total


def combine(components: Mapping[str, np.ndarray], weights: Mapping[str, float], size: int) -> np.ndarray:
    """The score: the weighted mean of the components (weights normalised), rounded so ties are exact."""
    total = 0.0
    raw = np.zeros(size)
    for name in s.COMPONENTS:
        weight = max(float(weights.get(name, 0.0)), 0.0)
        total += weight
        raw += weight * components[name]
    if total <= 0:
        return np.zeros(size)
    return np.minimum(np.maximum(raw / total, 0.0), 1.0).round(s.SCORE_DECIMALS)


def gap_norm_term(req: s.RequirementSpec, fail: np.ndarray, gap: np.ndarray | None) -> np.ndarray:
    """A failed mandatory requirement's part of the near-miss distance: its gap relative to the requirement's
    scale, capped so one absurd gap cannot swamp the others (1 for a choice or flag that is simply wrong)."""
    if gap is None:
        return fail * 1.0
    # NaN (an unstated value) only ever meets ``fail`` False: no floating-point error can arise here.
    return np.where(fail, np.minimum(s.GAP_NORM_CAP, gap / req.scale), 0.0)


def near_miss_key(failed: np.ndarray, gap_norm: np.ndarray, requirements: int) -> np.ndarray:
    """Near misses order by fewest failed requirements, then smallest summed relative gap (then score, id)."""
    return failed * (s.GAP_NORM_CAP * (requirements + 1)) + gap_norm.round(s.SCORE_DECIMALS)


def strongest_components(components: Mapping[str, np.ndarray], weights: Mapping[str, float], size: int) -> list[str]:
    """Each pair's strongest component: the one that contributed most to its score, the largest weight x value of
    its stored (rounded) components; ties go to the first in COMPONENTS, and no component at all is "". Computed
    once, stored with the match, and read by the API, the pages and the reports alike."""
    names = [name for name in s.COMPONENTS if name in components]
    if not names:
        return [""] * size
    shares = np.stack([max(float(weights.get(name, 0.0)), 0.0) * np.asarray(components[name]) for name in names])
    return [names[i] for i in np.argmax(shares, axis=0).tolist()]


# Exact powers of ten up to 1e22 (and the nearest doubles beyond), looked up rather than raised per value.
_POWERS_OF_TEN = np.array([10.0**i for i in range(309)])


def shown(values: np.ndarray) -> list[Any]:
    """Numbers as explanations keep them: SHOWN_DIGITS significant digits (NaN, infinities and zero unchanged).
    Any shape: a whole block of an explanation is rounded in one pass."""
    finite = np.isfinite(values) & (values != 0)
    digits = s.SHOWN_DIGITS - 1 - np.floor(np.log10(np.where(finite, np.abs(values), 1.0))).astype(np.int64)
    scale = _POWERS_OF_TEN[np.minimum(np.abs(digits), 308)]
    # Multiply by an exact power of ten (or divide by one), never by an inexact 10 ** -n.
    return np.where(digits >= 0, np.rint(values * scale) / scale, np.rint(values / scale) * scale).tolist()


@dataclass
class Verdicts:
    """One requirement against products: known (the parameter is stated) and passed, and for numbers the
    canonical shortfall (``gap``, positive when failing) and margin (what ``requirement_credit`` reads)."""

    known: np.ndarray
    passed: np.ndarray
    gap: np.ndarray | None = None
    margin: np.ndarray | None = None


def known_mask(req: s.RequirementSpec, column: ParameterColumn | None) -> np.ndarray | None:
    """Which products state what the requirement reads (None: nobody can, the requirement says nothing usable)."""
    if column is None or not req.reads:
        return None
    return column.known(req.reads)


def evaluate(req: s.RequirementSpec, column: ParameterColumn | None, idx: np.ndarray) -> Verdicts:
    """The requirement checked against the products at positions ``idx`` of a column (pass / fail / unknown).

    An unstated value is NaN, and NaN fails every comparison: the masks need no separate pass for it.
    """
    n = idx.size
    stated = known_mask(req, column)
    if stated is None or column is None:
        nothing = np.zeros(n, dtype=bool)
        return Verdicts(nothing, nothing)
    known = stated[idx]
    if req.value_type == "boolean":
        return Verdicts(known, known & (column.flag[idx] == (1.0 if req.wanted else 0.0)))
    if req.is_textual:
        return Verdicts(known, column.text_mask(req.choice_set)[idx])
    operator = req.operator
    if operator == s.GTE:
        margin = column.high[idx] - req.target
    elif operator == s.LTE:
        margin = req.target - column.low[idx]
    elif operator == s.COVERS:
        assert req.bounds is not None
        lo, hi = req.bounds
        low, high = column.low[idx], column.high[idx]
        # NaN at either end (not both stated) makes the shortfall NaN: unknown.
        short = np.maximum(0.0, low - lo) + np.maximum(0.0, hi - high)
        return Verdicts(known, short <= tolerance(max(abs(lo), abs(hi))), short, (lo - low) + (high - hi))
    else:  # "=" (and "in" on a number, read as its first value): inside a stated range counts as equal
        target = req.target
        assert target is not None
        distance = np.maximum(np.maximum(0.0, column.low[idx] - target), target - column.high[idx])
        return Verdicts(known, distance <= tolerance(target), distance, np.zeros(n))
    passed = margin >= -tolerance(req.target)  # type: ignore[arg-type]
    return Verdicts(known, passed, -margin, np.maximum(margin, 0.0))


def requirement_credit(req: s.RequirementSpec, verdicts: Verdicts) -> np.ndarray:
    """A requirement's credit: 1 for a matching choice or flag; for numbers half for meeting it and the rest for
    exceeding it (``ordered_credit``), partial credit for falling just short, none for stating nothing."""
    if verdicts.gap is None or verdicts.margin is None:
        return verdicts.passed * 1.0
    if req.operator in (s.GTE, s.LTE, s.COVERS):
        met = ordered_credit(verdicts.margin, req.scale)
    else:
        met = np.ones(verdicts.passed.size)
    return np.where(verdicts.passed, met, partial_credit(verdicts.gap, req.scale))


def _edges(req: s.RequirementSpec) -> tuple[float, float]:
    """(at most, at least): how low a stated low end and how high a stated high end may be to pass, widened by
    twice the tolerance so that a float comparison of a difference never passes a product outside the region."""
    if req.operator == s.COVERS:
        assert req.bounds is not None
        lo, hi = req.bounds
        slack = 2 * tolerance(max(abs(lo), abs(hi)))
        return lo + slack, hi - slack
    target = req.target
    assert target is not None
    slack = 2 * tolerance(target)
    return target + slack, target - slack


def pass_region(req: s.RequirementSpec, column: ParameterColumn | None, size: int) -> np.ndarray | None:
    """A superset of the products passing a mandatory ordered requirement (``>=``, ``<=``, ``covers``, ``=`` on a
    number), found by binary search on the sorted column; None when the requirement is not ordered."""
    if req.value_type == "boolean" or req.is_textual:
        return None
    region = np.zeros(size, dtype=bool)
    if column is None or known_mask(req, column) is None:
        return region  # nobody states it: nobody passes
    at_most, at_least = _edges(req)
    if req.operator != s.LTE:
        highs, high_values = column.sorted_by("high")
        region[highs[np.searchsorted(high_values, at_least, side="left") :]] = True
    if req.operator != s.GTE:
        lows, low_values = column.sorted_by("low")
        below = np.zeros(size, dtype=bool)
        below[lows[: np.searchsorted(low_values, at_most, side="right")]] = True
        region = below if req.operator == s.LTE else region & below
    return region


def outward(req: s.RequirementSpec, column: ParameterColumn) -> np.ndarray:
    """The products stating a ``>=`` or ``<=`` requirement's value outside its region, nearest the threshold first
    (the smallest shortfall first): the rest of the sorted column beyond the cut ``pass_region`` made."""
    at_most, at_least = _edges(req)
    if req.operator == s.GTE:
        highs, high_values = column.sorted_by("high")
        return highs[: np.searchsorted(high_values, at_least, side="left")][::-1]
    lows, low_values = column.sorted_by("low")
    return lows[np.searchsorted(low_values, at_most, side="right") :]


# --- Pools ---------------------------------------------------------------------------------------------------


@dataclass
class ParameterColumn:
    """One parameter's stated values over a pool (canonical; NaN where not stated)."""

    low: np.ndarray
    high: np.ndarray
    flag: np.ndarray  # 1.0 / 0.0 / NaN
    # Choices are few: each product holds a code into ``choices`` (0 is "not stated"); ``folded`` is the
    # casefolded form compared with requirements, ``choices`` the text as the manufacturer wrote it.
    codes: np.ndarray
    choices: list[str]
    folded: list[str]
    _text_masks: dict[frozenset[str], np.ndarray] = field(default_factory=dict)
    _sorted: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _known: dict[str, np.ndarray] = field(default_factory=dict)
    _known_counts: dict[str, int] = field(default_factory=dict)

    def sorted_by(self, end: str) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the products stating ``end`` ("low" or "high"), ordered by it, and the ordered values:
        the structure a mandatory ordered requirement is answered from by binary search."""
        found = self._sorted.get(end)
        if found is None:
            values = self.low if end == "low" else self.high
            stated = np.flatnonzero(~np.isnan(values))
            order = stated[np.argsort(values[stated], kind="stable")]
            found = self._sorted[end] = (order, values[order])
        return found

    def known(self, kind: str) -> np.ndarray:
        """Products stating the low end, the high end, both, a choice or a flag."""
        mask = self._known.get(kind)
        if mask is None:
            if kind == "low":
                mask = ~np.isnan(self.low)
            elif kind == "high":
                mask = ~np.isnan(self.high)
            elif kind == "both":
                mask = ~np.isnan(self.low) & ~np.isnan(self.high)
            elif kind == "text":
                mask = self.codes != 0
            else:
                mask = ~np.isnan(self.flag)
            self._known[kind] = mask
        return mask

    def known_count(self, kind: str) -> int:
        """How many products state ``kind`` (``known``), counted once per pool."""
        count = self._known_counts.get(kind)
        if count is None:
            count = self._known_counts[kind] = int(self.known(kind).sum())
        return count

    def text_mask(self, wanted: frozenset[str]) -> np.ndarray:
        """Products whose casefolded choice is one of ``wanted``."""
        mask = self._text_masks.get(wanted)
        if mask is None:
            mask = np.isin(self.codes, [code for code, folded in enumerate(self.folded) if folded and folded in wanted])
            self._text_masks[wanted] = mask
        return mask


@dataclass
class Shortlist:
    matches: list[s.PairScore]
    near_misses: list[s.PairScore]
    candidates: int
    matches_total: int
    near_misses_total: int
    # Per mandatory requirement: whether any candidate meets it, how many state it, the smallest canonical gap.
    requirement_gaps: list[dict[str, object]]
    # Products whose requirements were checked for this demand (the pool's size without pruning).
    checked: int = 0


@dataclass
class _Found:
    """What the checks found before scoring: the matches, the near misses still in the running, the gap map."""

    matches: np.ndarray
    near: np.ndarray
    near_key: np.ndarray
    near_total: int
    gaps: list[dict[str, object]]
    checked: int


ProductRow = tuple[int, str, "float | None", "float | None", "int | None", "float | None"]
SpecRow = tuple[int, int, "float | None", "float | None", "float | None", str, "bool | None"]


# --- A product prepared for pools ------------------------------------------------------------------------------
# What a pool reads of a product, as bytes that concatenate: a pool of any size is stacked from its products' rows
# with a join and a frombuffer, no per-product work. Little-endian and fixed-width, never pickled.
SPEC_FIELDS = 5  # parameter id, value, minimum, maximum, yes/no (NaN where not stated)
PROVINCE_WIDTH = 6  # a GB/T 2260 code


@functools.lru_cache(maxsize=1 << 16)
def token_hash(token: str) -> int:
    """A token's 64-bit hash, the same in every process. Remembered: a category's demands and products share most
    of their words, so a full run hashes each distinct token once instead of each of its hundreds of thousands."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little", signed=True)


def token_hashes(tokens: Iterable[str]) -> np.ndarray:
    """Tokens as sorted, distinct 64-bit hashes (text relevance compares these)."""
    return np.unique(np.fromiter(map(token_hash, tokens), dtype=np.int64))


# A token held by more than 1/COMMON_TOKEN_SHARE of a pool's products is counted from a column of flags.
COMMON_TOKEN_SHARE = 16


@functools.lru_cache(maxsize=4096)
def demand_token_hashes(tokens: frozenset[str]) -> np.ndarray:
    """A demand's token hashes, computed once however many pools and re-runs compare them."""
    hashes = token_hashes(tokens)
    hashes.setflags(write=False)
    return hashes


@dataclass(frozen=True)
class PreparedProduct:
    tokens: bytes
    specifications: bytes
    # The specifications' choices as the inside of a JSON array, one string per specification ("" for none).
    choices: str
    provinces: bytes


def prepare_product(
    tokens: Iterable[str],
    specs: Iterable[tuple[int, float | None, float | None, float | None, str, bool | None]],
    provinces: Iterable[str],
) -> PreparedProduct:
    """One product's pool data from its tokens, its (parameter, value, minimum, maximum, choice, yes/no)
    specifications and the codes of the provinces it serves."""
    rows = sorted(specs, key=lambda row: row[0])
    table = np.array([(pid, _nan(v), _nan(lo), _nan(hi), _nan(flag)) for pid, v, lo, hi, _c, flag in rows])
    codes = sorted(set(provinces))
    if any(len(code.encode()) > PROVINCE_WIDTH for code in codes):
        raise ValueError(f"a province code is longer than {PROVINCE_WIDTH} characters: {codes}")
    return PreparedProduct(
        tokens=token_hashes(tokens).astype("<i8").tobytes(),
        specifications=table.astype("<f8").tobytes() if rows else b"",
        choices=json.dumps([text or "" for *_v, text, _f in rows], ensure_ascii=False)[1:-1] if rows else "",
        provinces=np.array(codes, dtype=f"S{PROVINCE_WIDTH}").tobytes() if codes else b"",
    )


def _nan(value: float | int | None) -> float:
    return float("nan") if value is None else float(value)


def _floats(values: Sequence[Any]) -> np.ndarray:
    return np.array([_nan(v) for v in values], dtype=np.float64)


def _counts(blobs: Sequence[bytes | memoryview], width: int) -> np.ndarray:
    return np.fromiter((len(b) for b in blobs), dtype=np.int64, count=len(blobs)) // width


@dataclass(frozen=True)
class StackedProducts:
    """A pool's products in id order, their prepared data stacked: what one query over the pool table returns."""

    ids: np.ndarray
    price_min: np.ndarray
    price_max: np.ndarray
    lead: np.ndarray
    evaluation: np.ndarray
    token_counts: np.ndarray
    tokens: bytes
    spec_counts: np.ndarray
    specifications: bytes
    # Every specification's choice ("" for none), in the order of ``specifications``.
    choices: list[str]
    province_counts: np.ndarray
    provinces: bytes
    # ``choices`` as the JSON array they were read from, when they are in that order still: sharing a pool then
    # writes that text instead of encoding a hundred thousand strings again.
    choices_json: str | None = field(default=None, compare=False, repr=False)

    def to_plain(self) -> dict[str, bytes | str]:
        """Plain bytes and text only (what the shared cache keeps: nothing that runs code when it is read)."""
        plain: dict[str, bytes | str] = {
            "choices": self.choices_json
            if self.choices_json is not None
            else json.dumps(self.choices, ensure_ascii=False)
        }
        for name, value in self.__dict__.items():
            if name in ("choices", "choices_json"):
                continue
            plain[name] = (
                value.astype("<f8" if value.dtype.kind == "f" else "<i8").tobytes()
                if isinstance(value, np.ndarray)
                else value
            )
        return plain

    def in_id_order(self) -> StackedProducts:
        """The same products ordered by id (a database may stack them in any order; every column in the same)."""
        if self.ids.size < 2 or bool(np.all(np.diff(self.ids) > 0)):
            return self
        return self.taken(np.argsort(self.ids, kind="stable"))

    def taken(self, positions: np.ndarray) -> StackedProducts:
        """The products at ``positions`` (a selection of them, in any order), every column alike."""
        tokens, token_counts = _reordered(np.frombuffer(self.tokens, dtype="<i8"), self.token_counts, positions)
        table = np.frombuffer(self.specifications, dtype="<f8").reshape(-1, SPEC_FIELDS)
        places = _places(self.spec_counts, positions)
        codes = np.frombuffer(self.provinces, dtype=f"S{PROVINCE_WIDTH}")
        provinces, province_counts = _reordered(codes, self.province_counts, positions)
        return StackedProducts(
            ids=self.ids[positions],
            price_min=self.price_min[positions],
            price_max=self.price_max[positions],
            lead=self.lead[positions],
            evaluation=self.evaluation[positions],
            token_counts=token_counts,
            tokens=tokens.tobytes(),
            spec_counts=self.spec_counts[positions],
            specifications=table[places].tobytes(),
            choices=[self.choices[i] for i in places.tolist()],
            province_counts=province_counts,
            provinces=provinces.tobytes(),
        )

    def joined(self, other: StackedProducts) -> StackedProducts:
        """These products followed by ``other``'s (put them ``in_id_order`` after)."""
        return StackedProducts(
            ids=np.concatenate([self.ids, other.ids]),
            price_min=np.concatenate([self.price_min, other.price_min]),
            price_max=np.concatenate([self.price_max, other.price_max]),
            lead=np.concatenate([self.lead, other.lead]),
            evaluation=np.concatenate([self.evaluation, other.evaluation]),
            token_counts=np.concatenate([self.token_counts, other.token_counts]),
            tokens=self.tokens + other.tokens,
            spec_counts=np.concatenate([self.spec_counts, other.spec_counts]),
            specifications=self.specifications + other.specifications,
            choices=self.choices + other.choices,
            province_counts=np.concatenate([self.province_counts, other.province_counts]),
            provinces=self.provinces + other.provinces,
        )

    @classmethod
    def from_plain(cls, plain: Mapping[str, Any]) -> StackedProducts:
        values: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            if name == "choices_json":
                continue
            value = plain[name]
            if name in ("tokens", "specifications", "provinces"):
                values[name] = bytes(value)
            elif name == "choices":
                values[name] = json.loads(value)
            else:
                kind = "<f8" if name in ("price_min", "price_max", "lead", "evaluation") else "<i8"
                values[name] = np.frombuffer(bytes(value), dtype=kind).astype(np.float64 if kind == "<f8" else np.int64)
        return cls(**values)


def _places(counts: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Positions of the records of products laid out with ``counts`` each, taken product by product in ``order``."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    taken = counts[order].astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(taken)[:-1]]).astype(np.int64)
    return np.repeat(starts[order] - offsets, taken) + np.arange(int(taken.sum()), dtype=np.int64)


def _reordered(records: np.ndarray, counts: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return records[_places(counts, order)], counts[order]


def stack_prepared(
    ids: Sequence[int],
    price_min: Sequence[Any],
    price_max: Sequence[Any],
    lead: Sequence[Any],
    evaluation: Sequence[Any],
    tokens: Sequence[bytes | memoryview],
    specifications: Sequence[bytes | memoryview],
    choices: Sequence[str],
    provinces: Sequence[bytes | memoryview],
) -> StackedProducts:
    """Per-product columns (figures and prepared rows) stacked."""
    return StackedProducts(
        ids=np.array(ids, dtype=np.int64),
        price_min=_floats(price_min),
        price_max=_floats(price_max),
        lead=_floats(lead),
        evaluation=_floats(evaluation),
        token_counts=_counts(tokens, 8),
        tokens=b"".join(tokens),
        spec_counts=_counts(specifications, 8 * SPEC_FIELDS),
        specifications=b"".join(specifications),
        choices=json.loads("[" + ",".join(c for c in choices if c) + "]"),
        province_counts=_counts(provinces, PROVINCE_WIDTH),
        provinces=b"".join(provinces),
    )


def _grouped(owners: np.ndarray, codes: np.ndarray) -> dict[str, np.ndarray]:
    """Per code, the owners holding it, in increasing order: one sort instead of one comparison of every code per
    distinct code."""
    if codes.size == 0:
        return {}
    # Codes padded to eight bytes compare as big-endian integers in the order they compare as text.
    keys = np.frombuffer(codes.astype("S8").tobytes(), dtype=">u8")
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    firsts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    bounds = np.append(firsts, ordered.size).tolist()
    return {codes[order[first]].decode(): owners[order[first:last]] for first, last in itertools.pairwise(bounds)}


def _choice_codes(texts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Each specification's choice as a code into the distinct choices (0, and ``vocabulary[0]``, is none): most
    specifications state none, so only the few that do are looked up."""
    stated = np.array(texts, dtype=object)
    named = np.flatnonzero(stated != "")
    index: dict[str, int] = {"": 0}
    codes = np.zeros(len(texts), dtype=np.int64)
    if named.size:
        codes[named] = [index.setdefault(text, len(index)) for text in stated[named].tolist()]
    return codes, list(index)


class CandidatePool:
    """Column arrays over products sorted by id, so array order is the tie-break order.

    Stacked from prepared products (``from_prepared``: what the pool table keeps, read in one query), so a pool
    of tens of thousands of products needs no per-product work; ``CandidatePool(products)`` and ``from_rows``
    prepare facts or database rows first (tests, a handful of products).
    """

    def __init__(self, products: Sequence[s.ProductFacts] = ()) -> None:
        rows: list[ProductRow] = []
        specs: list[SpecRow] = []
        provinces: list[tuple[int, str]] = []
        tokens: dict[int, frozenset[str]] = {}
        for p in products:
            rows.append((p.product_id, "", p.price_min, p.price_max, p.lead_time_days, p.evaluation_score))
            tokens[p.product_id] = p.tokens
            provinces.extend((p.product_id, code) for code in p.provinces)
            specs.extend(
                (p.product_id, pid, v.value, v.value_min, v.value_max, v.text, v.flag) for pid, v in p.specs.items()
            )
        self._build_rows(rows, specs, provinces, tokens)

    @classmethod
    def from_rows(
        cls,
        products: Sequence[ProductRow],
        specs: Iterable[SpecRow],
        provinces: Iterable[tuple[int, str]],
        tokens: dict[int, frozenset[str]] | None = None,
    ) -> CandidatePool:
        """``products`` rows carry each product's text; ``tokens``, when given, are its tokens already cut."""
        pool = cls.__new__(cls)
        pool._build_rows(products, specs, provinces, tokens)
        return pool

    def _build_rows(
        self,
        products: Sequence[ProductRow],
        specs: Iterable[SpecRow],
        provinces: Iterable[tuple[int, str]],
        tokens: dict[int, frozenset[str]] | None,
    ) -> None:
        ordered = sorted(products, key=lambda row: row[0])
        by_product: dict[int, list[tuple[int, Any, Any, Any, str, Any]]] = {}
        for product_id, parameter_id, value, low, high, text, flag in specs:
            by_product.setdefault(product_id, []).append((parameter_id, value, low, high, text, flag))
        served: dict[int, list[str]] = {}
        for product_id, code in provinces:
            served.setdefault(product_id, []).append(code)
        prepared = [
            prepare_product(
                s.text_tokens(row[1]) if tokens is None else tokens.get(row[0], frozenset()),
                by_product.get(row[0], ()),
                served.get(row[0], ()),
            )
            for row in ordered
        ]
        self._stack(
            stack_prepared(
                [row[0] for row in ordered],
                [row[2] for row in ordered],
                [row[3] for row in ordered],
                [row[4] for row in ordered],
                [row[5] for row in ordered],
                [p.tokens for p in prepared],
                [p.specifications for p in prepared],
                [p.choices for p in prepared],
                [p.provinces for p in prepared],
            )
        )

    @classmethod
    def from_prepared(
        cls,
        ids: Sequence[int],
        price_min: Sequence[Any],
        price_max: Sequence[Any],
        lead: Sequence[Any],
        evaluation: Sequence[Any],
        tokens: Sequence[bytes | memoryview],
        specifications: Sequence[bytes | memoryview],
        choices: Sequence[str],
        provinces: Sequence[bytes | memoryview],
    ) -> CandidatePool:
        """A pool from its products' own figures and prepared data, each a column in product id order."""
        return cls.from_stacked(
            stack_prepared(ids, price_min, price_max, lead, evaluation, tokens, specifications, choices, provinces)
        )

    @classmethod
    def from_stacked(cls, stacked: StackedProducts) -> CandidatePool:
        pool = cls.__new__(cls)
        pool._stack(stacked)
        return pool

    def _stack(self, stacked: StackedProducts) -> None:
        # Kept: it is what the shared cache holds of a pool (plain bytes, rebuilt into arrays when read).
        self.stacked = stacked
        n = stacked.ids.size
        self.size = n
        self.ids = stacked.ids.astype(np.int64)
        if n > 1 and not bool(np.all(np.diff(self.ids) > 0)):
            raise ValueError("a pool's products come in increasing id order")
        low_price, high_price = stacked.price_min, stacked.price_max
        # The reference price: the middle of a stated range, or the one end stated.
        self.price = np.where(
            np.isnan(low_price), high_price, np.where(np.isnan(high_price), low_price, (low_price + high_price) / 2)
        )
        self.lead = stacked.lead.astype(np.float64)
        self.evaluation = stacked.evaluation.astype(np.float64)

        # Each product's token hashes, one slice of one array (text relevance reads the few products it scores).
        self._token_starts = np.concatenate([[0], np.cumsum(stacked.token_counts)]).astype(np.int64)
        self._token_hashes = np.frombuffer(stacked.tokens, dtype="<i8").astype(np.int64)
        self._postings: tuple[np.ndarray, np.ndarray] | None = None
        self._common: dict[int, np.ndarray] = {}
        self._text_served = False

        held = stacked.province_counts.astype(np.int64)
        codes = np.frombuffer(stacked.provinces, dtype=f"S{PROVINCE_WIDTH}")
        owners = np.repeat(np.arange(n, dtype=np.int64), held)
        self._served = _grouped(owners, codes)
        self.no_provinces = held == 0

        # Specifications are placed with array operations: a large pool has hundreds of thousands of them, so they
        # are grouped by parameter with one sort rather than one scan of them all per parameter.
        self.columns: dict[int, ParameterColumn] = {}
        table = np.frombuffer(stacked.specifications, dtype="<f8").reshape(-1, SPEC_FIELDS)
        if table.shape[0] and n:
            where = np.repeat(np.arange(n, dtype=np.int64), stacked.spec_counts.astype(np.int64))
            texts = stacked.choices
            if len(texts) != table.shape[0]:
                raise ValueError("a prepared product's choices do not fit its specifications")
            text_codes, vocabulary = _choice_codes(texts)
            parameter_ids = table[:, 0].astype(np.int64)
            # A stated range's ends, or the single value at both ends.
            all_lows = np.where(np.isnan(table[:, 2]), table[:, 1], table[:, 2])
            all_highs = np.where(np.isnan(table[:, 3]), table[:, 1], table[:, 3])
            # Stable: each parameter's rows stay in pool order, as a scan for them would find them.
            by_parameter = np.argsort(parameter_ids, kind="stable")
            distinct, firsts = np.unique(parameter_ids[by_parameter], return_index=True)
            bounds = np.append(firsts, by_parameter.size).tolist()
            for k, parameter_id in enumerate(distinct.tolist()):
                rows = by_parameter[bounds[k] : bounds[k + 1]]
                idx = where[rows]
                low, high, flag = (np.full(n, np.nan) for _ in range(3))
                low[idx] = all_lows[rows]
                high[idx] = all_highs[rows]
                flag[idx] = table[rows, 4]
                codes_of = np.zeros(n, dtype=np.int32)
                given = text_codes[rows]
                named = given != 0
                choices_list = [""]
                if named.any():
                    # The parameter's own choices in text order, coded from 1 as they are listed.
                    stated = np.unique(given[named])
                    ordered = sorted(stated.tolist(), key=vocabulary.__getitem__)
                    rank = np.zeros(len(vocabulary), dtype=np.int32)
                    rank[ordered] = np.arange(1, len(ordered) + 1, dtype=np.int32)
                    codes_of[idx[named]] = rank[given[named]]
                    choices_list += [vocabulary[c] for c in ordered]
                self.columns[int(parameter_id)] = ParameterColumn(
                    low=low,
                    high=high,
                    flag=flag,
                    codes=codes_of,
                    choices=choices_list,
                    folded=[c.strip().casefold() for c in choices_list],
                )
        self._province_cache: dict[str, np.ndarray] = {}
        self.evaluation_score = evaluation_component(self.evaluation)

    def __len__(self) -> int:
        return self.size

    def _province(self, province: str) -> np.ndarray:
        """1 where the product serves the province, 0 where it serves others only, neutral where none is stated."""
        comp = self._province_cache.get(province)
        if comp is None:
            comp = np.where(self.no_provinces, s.NEUTRAL, 0.0)
            idx = self._served.get(province)
            if idx is not None:
                comp[idx] = 1.0
            self._province_cache[province] = comp
        return comp

    def _shared_tokens(self, demand_tokens: frozenset[str], idx: np.ndarray) -> np.ndarray:
        """How many of the demand's tokens each product at ``idx`` holds.

        A pool that serves many demands (a full run) counts from an inverted index, the postings of the demand's
        few tokens; the first demand of a pool reads the products' own tokens, so one re-match does not pay for
        sorting every token of the pool.
        """
        if not demand_tokens or idx.size == 0:
            return np.zeros(idx.size)
        wanted = demand_token_hashes(demand_tokens)
        if self._postings is None and not self._text_served:
            self._text_served = True
            starts = self._token_starts
            lengths = starts[idx + 1] - starts[idx]
            owner = np.repeat(np.arange(idx.size), lengths)
            offsets = np.repeat(starts[idx] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
            held = self._token_hashes[np.arange(owner.size) + offsets]
            return np.bincount(owner, weights=np.isin(held, wanted), minlength=idx.size)
        if self._postings is None:
            owners = np.repeat(np.arange(self.size, dtype=np.int64), np.diff(self._token_starts))
            order = np.argsort(self._token_hashes, kind="stable")
            self._postings = (self._token_hashes[order], owners[order])
        hashes, owners = self._postings
        first = np.searchsorted(hashes, wanted, side="left").tolist()
        last = np.searchsorted(hashes, wanted, side="right").tolist()
        # A product's tokens are distinct, and so are the demand's: each posting is one shared token. A token most
        # products hold (the category's own word) is counted from a column of flags kept for it; the rest from
        # their postings.
        counts = np.zeros(idx.size)
        rare: list[np.ndarray] = []
        for a, b in zip(first, last, strict=True):
            if b - a > self.size // COMMON_TOKEN_SHARE:
                flags = self._common.get(a)
                if flags is None:
                    flags = self._common[a] = np.zeros(self.size, dtype=np.float64)
                    flags[owners[a:b]] = 1.0
                counts += flags[idx]
            elif b > a:
                rare.append(owners[a:b])
        if rare:
            counts += np.bincount(np.concatenate(rare), minlength=self.size)[idx]
        return counts

    # --- per demand --------------------------------------------------------------------------------------

    def shortlist(
        self,
        demand: s.DemandFacts,
        *,
        weights: Mapping[str, float],
        top_n: int,
        near_miss_n: int,
        prune: bool = True,
    ) -> Shortlist:
        """The best matches and closest near misses, scored and explained.

        Pruned (the default): the products passing every mandatory ordered requirement are found by binary
        search on the sorted columns and intersected, and only they, plus the near misses closest to each
        requirement (walked outward from its threshold), are checked and scored. ``prune=False`` checks every
        product: the reference the tests hold the pruned path to (same matches, near misses, ranks and gaps).
        """
        n = self.size
        if n == 0:
            return Shortlist([], [], 0, 0, 0, _empty_gaps(demand))
        mandatory = [r for r in demand.requirements if r.is_mandatory]
        regions = [pass_region(r, self.columns.get(r.parameter_id), n) for r in mandatory] if prune else []
        if any(region is not None for region in regions):
            found = self._find_pruned(demand, mandatory, regions, near_miss_n)
        else:
            found = self._find_all(demand, mandatory, near_miss_n)
        subset = np.concatenate([found.matches, found.near])
        score, components = self.score(demand, subset, weights)
        m = found.matches.size
        local = np.arange(subset.size)
        top = _ordered(local[:m], -score[:m], (), top_n)
        near = _ordered(local[m:], found.near_key, (-score[m:],), near_miss_n)
        kept = np.array(top + near, dtype=np.int64)
        pairs = self._pairs(demand, subset[kept], score[kept], {k: v[kept] for k, v in components.items()}, weights)
        return Shortlist(
            matches=pairs[: len(top)],
            near_misses=pairs[len(top) :],
            candidates=n,
            matches_total=int(m),
            near_misses_total=found.near_total,
            requirement_gaps=found.gaps,
            checked=found.checked,
        )

    def _mandatory(
        self, demand: s.DemandFacts, mandatory: list[s.RequirementSpec], idx: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Failed and unknown mandatory requirements and the near-miss key of the products at ``idx``."""
        failed = np.zeros(idx.size, dtype=np.int64)
        unknown = np.zeros(idx.size, dtype=np.int64)
        gap_norm = np.zeros(idx.size)
        for req in mandatory:
            verdicts = evaluate(req, self.columns.get(req.parameter_id), idx)
            fail = verdicts.known & ~verdicts.passed
            failed += fail
            unknown += ~verdicts.known
            gap_norm += gap_norm_term(req, fail, verdicts.gap)
        return failed, unknown, near_miss_key(failed, gap_norm, len(demand.requirements))

    def _find_all(self, demand: s.DemandFacts, mandatory: list[s.RequirementSpec], near_miss_n: int) -> _Found:
        everyone = np.arange(self.size)
        failed = np.zeros(self.size, dtype=np.int64)
        unknown = np.zeros(self.size, dtype=np.int64)
        gap_norm = np.zeros(self.size)
        gaps = []
        for req in mandatory:
            verdicts = evaluate(req, self.columns.get(req.parameter_id), everyone)
            fail = verdicts.known & ~verdicts.passed
            failed += fail
            unknown += ~verdicts.known
            gap_norm += gap_norm_term(req, fail, verdicts.gap)
            gaps.append(_requirement_gap(req, verdicts, fail))
        key = near_miss_key(failed, gap_norm, len(demand.requirements))
        near_idx = np.flatnonzero((unknown == 0) & (failed > 0))
        near = _smallest(near_idx, key[near_idx], near_miss_n)
        return _Found(
            matches=np.flatnonzero((failed == 0) & (unknown == 0)),
            near=near,
            near_key=key[near],
            near_total=int(near_idx.size),
            gaps=gaps,
            checked=self.size,
        )

    def _find_pruned(
        self,
        demand: s.DemandFacts,
        mandatory: list[s.RequirementSpec],
        regions: list[np.ndarray | None],
        near_miss_n: int,
    ) -> _Found:
        n = self.size
        ordered = [i for i, region in enumerate(regions) if region is not None]
        everywhere = np.ones(n, dtype=bool)

        def passing_all(but: int | None = None) -> np.ndarray:
            mask = everywhere
            for i in ordered:
                if i != but:
                    mask = mask & regions[i]
            return mask

        # Matches lie where every ordered requirement's region overlaps; near misses failing only a choice, a
        # flag or by less than the slack lie there too.
        inside = np.flatnonzero(passing_all())
        failed, unknown, key = self._mandatory(demand, mandatory, inside)
        # What was checked: disjoint sets (inside every region; outside one region and inside the others).
        checked = [inside]
        matches = inside[(failed == 0) & (unknown == 0)]
        near_sets = [(inside[(failed == 1) & (unknown == 0)], key[(failed == 1) & (unknown == 0)])]
        # Near misses failing exactly one ordered requirement lie outside its region and inside the others':
        # walked from the threshold outward (smallest gap first) until the closest near_miss_n are certain.
        for i in ordered:
            req = mandatory[i]
            column = self.columns.get(req.parameter_id)
            stated = known_mask(req, column)
            if column is None or stated is None:
                continue
            others = passing_all(but=i) if len(ordered) > 1 else None
            if req.operator in (s.GTE, s.LTE):
                beyond = outward(req, column)
                if others is not None:
                    beyond = beyond[others[beyond]]
                found, walked = self._walk(demand, mandatory, req, beyond, near_miss_n)
                checked.append(walked)
                near_sets.append(found)
            else:
                # A range or an equality: the shortfall has two sides, so the few candidates are all checked.
                outside = stated & ~regions[i]  # type: ignore[operator]
                candidates = np.flatnonzero(outside if others is None else others & outside)
                c_failed, c_unknown, c_key = self._mandatory(demand, mandatory, candidates)
                checked.append(candidates)
                one = (c_failed == 1) & (c_unknown == 0)
                near_sets.append((candidates[one], c_key[one]))
        near_idx = np.concatenate([idx for idx, _k in near_sets])
        near_key = np.concatenate([k for _i, k in near_sets])
        # Every product stating every mandatory parameter is a match or a near miss: counted without a check.
        stated_all = everywhere
        for req in mandatory:
            mask = known_mask(req, self.columns.get(req.parameter_id))
            stated_all = stated_all & (mask if mask is not None else np.zeros(n, dtype=bool))
        near_total = int(stated_all.sum()) - int(matches.size)
        fallback = near_idx.size < min(near_miss_n, near_total)
        if fallback:
            # Fewer than wanted fail only one requirement: the rest fail several, so check all who state everything.
            candidates = np.flatnonzero(stated_all)
            c_failed, c_unknown, c_key = self._mandatory(demand, mandatory, candidates)
            checked.append(candidates)
            several = (c_failed > 0) & (c_unknown == 0)
            near_idx, near_key = candidates[several], c_key[several]
        keep = _smallest(np.arange(near_idx.size), near_key, near_miss_n)
        # In pool order, as the exhaustive path has them: the last tie-break is the position (product id).
        keep = keep[np.argsort(near_idx[keep], kind="stable")]
        return _Found(
            matches=matches,
            near=near_idx[keep],
            near_key=near_key[keep],
            near_total=near_total,
            gaps=[self._gap(req, regions[i]) for i, req in enumerate(mandatory)],
            checked=sum(int(part.size) for part in checked)
            if len(checked) < 2 or not fallback
            else _union_size(checked, n),
        )

    def _walk(
        self,
        demand: s.DemandFacts,
        mandatory: list[s.RequirementSpec],
        req: s.RequirementSpec,
        outward: np.ndarray,
        near_miss_n: int,
    ) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
        """Near misses failing only ``req``, from products ordered by growing shortfall on it: stop once
        near_miss_n are found and the next product, failing only ``req``, could not rank among them. Returns what
        was found and the products checked."""
        column = self.columns.get(req.parameter_id)
        found_idx: list[np.ndarray] = []
        found_key: list[np.ndarray] = []
        walked: list[np.ndarray] = []
        count = 0
        if near_miss_n <= 0:
            return (np.zeros(0, dtype=np.int64), np.zeros(0)), outward[:0]
        step = max(64, 4 * near_miss_n)
        failing = np.ones(1, dtype=bool)
        for start in range(0, outward.size, step):
            if count >= near_miss_n:
                # The key grows with the shortfall: once the next product's key, were it to fail only this
                # requirement, is above the current cut, nobody further out can rank among the closest.
                alone = evaluate(req, column, outward[start : start + 1])
                bound = near_miss_key(failing * 1, gap_norm_term(req, failing, alone.gap), len(demand.requirements))
                cut = np.partition(np.concatenate(found_key), near_miss_n - 1)[near_miss_n - 1]
                if bound[0] > cut:
                    break
            chunk = outward[start : start + step]
            failed, unknown, key = self._mandatory(demand, mandatory, chunk)
            walked.append(chunk)
            one = (failed == 1) & (unknown == 0)
            found_idx.append(chunk[one])
            found_key.append(key[one])
            count += int(one.sum())
        checked = np.concatenate(walked) if walked else outward[:0]
        if not found_idx:
            return (np.zeros(0, dtype=np.int64), np.zeros(0)), checked
        return (np.concatenate(found_idx), np.concatenate(found_key)), checked

    def _gap(self, req: s.RequirementSpec, region: np.ndarray | None) -> dict[str, object]:
        """How close the pool gets to one mandatory requirement, from the sorted columns where they answer it."""
        column = self.columns.get(req.parameter_id)
        stated = known_mask(req, column)
        if column is None or stated is None:
            return _requirement_gap(req, evaluate(req, column, np.zeros(0, dtype=np.int64)), np.zeros(0, dtype=bool))
        count = column.known_count(req.reads)
        if req.operator in (s.GTE, s.LTE) and region is not None:
            # Passing grows with the stated value: the best product (highest, or lowest) answers for all.
            order, _values = column.sorted_by("high" if req.operator == s.GTE else "low")
            best = order[-1:] if req.operator == s.GTE else order[:1]
            verdicts = evaluate(req, column, best)
            met = bool(verdicts.passed.any())
            gap = None if met or verdicts.gap is None or best.size == 0 else float(verdicts.gap[0])
            return _gap_entry(req, met, count, gap)
        if region is not None:
            near = np.flatnonzero(region)
            if bool(evaluate(req, column, near).passed.any()):
                return _gap_entry(req, True, count, None)
        everyone = np.flatnonzero(stated)
        verdicts = evaluate(req, column, everyone)
        return _requirement_gap(req, verdicts, verdicts.known & ~verdicts.passed, stated=count)

    def score(
        self, demand: s.DemandFacts, idx: np.ndarray, weights: Mapping[str, float]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The score and its components for the products at ``idx``."""
        k = idx.size
        chosen = [r for r in demand.requirements if not r.is_mandatory] or list(demand.requirements)
        credits = [requirement_credit(req, evaluate(req, self.columns.get(req.parameter_id), idx)) for req in chosen]
        components = {
            "preferred": requirements_component(credits, [r.weight for r in chosen], k),
            "price": price_component(self.price[idx], demand.budget_per_unit),
            "text": text_component(self._shared_tokens(demand.tokens, idx), len(demand.tokens)),
            "evaluations": self.evaluation_score[idx],
            "province": self._province(demand.province)[idx],
            "lead_time": lead_time_component(self.lead[idx], demand.days_to_deadline),
        }
        return combine(components, weights, k), components

    def score_pairs(self, demand: s.DemandFacts, *, weights: Mapping[str, float]) -> list[s.PairScore]:
        """Every product of the pool scored and explained, in id order (a pool of one scores one pair)."""
        everyone = np.arange(self.size)
        score, components = self.score(demand, everyone, weights)
        return self._pairs(demand, everyone, score, components, weights)

    def _pairs(
        self,
        demand: s.DemandFacts,
        idx: np.ndarray,
        score: np.ndarray,
        components: Mapping[str, np.ndarray],
        weights: Mapping[str, float],
    ) -> list[s.PairScore]:
        """The products at ``idx`` as explained pairs: each requirement's verdict, from the same arrays."""
        k = idx.size
        failed = np.zeros(k, dtype=np.int64)
        unknown = np.zeros(k, dtype=np.int64)
        gap_norm = np.zeros(k)
        checked: list[tuple[s.RequirementSpec, ParameterColumn | None, Verdicts]] = []
        for req in demand.requirements:
            column = self.columns.get(req.parameter_id)
            verdicts = evaluate(req, column, idx)
            if req.is_mandatory:
                fail = verdicts.known & ~verdicts.passed
                failed += fail
                unknown += ~verdicts.known
                gap_norm += gap_norm_term(req, fail, verdicts.gap)
            checked.append((req, column, verdicts))
        columns = _explain(checked, idx)
        ids, scores, norms = self.ids[idx].tolist(), score.tolist(), gap_norm.round(s.SCORE_DECIMALS).tolist()
        failed_list, unknown_list = failed.tolist(), unknown.tolist()
        rounded = {name: components[name].round(s.COMPONENT_DECIMALS) for name in s.COMPONENTS}
        strongest = strongest_components(rounded, weights, k)
        stored = [
            dict(zip(s.COMPONENTS, values, strict=True))
            for values in zip(*(rounded[n].tolist() for n in s.COMPONENTS), strict=True)
        ]
        by_pair = list(zip(*columns, strict=True)) if columns else [()] * k
        requirements = demand.requirements
        return [
            s.PairScore(
                product_id=ids[j],
                is_match=failed_list[j] == 0 and unknown_list[j] == 0,
                score=scores[j],
                components=stored[j],
                stored_results=by_pair[j],
                failed_mandatory=failed_list[j],
                unknown_mandatory=unknown_list[j],
                gap_norm=norms[j],
                strongest=strongest[j],
                requirements=requirements,
            )
            for j in range(k)
        ]


def _explain(
    checked: Sequence[tuple[s.RequirementSpec, ParameterColumn | None, Verdicts]], idx: np.ndarray
) -> list[list[s.StoredResult]]:
    """Each requirement's verdicts on the products at ``idx`` with what they state, stored as ranking computed
    them. Numbers are converted to each requirement's unit and rounded for reading in one block for all of them."""
    k = idx.size
    # Per numeric requirement five rows: stated value (and a range's other end), margin, gap in the
    # requirement's unit, gap canonical. Unstated values stay NaN: they are never written out.
    blocks: list[np.ndarray] = []
    nothing = np.full(k, np.nan)
    for req, column, verdicts in checked:
        if column is None or k == 0 or req.value_type == "boolean" or req.is_textual:
            continue
        a, b = req.shown_in_unit
        low, high = column.low[idx], column.high[idx]
        if req.operator == s.GTE:
            first, second = high, nothing
        elif req.operator == s.LTE:
            first, second = low, nothing
        else:
            first = low
            second = high if req.operator == s.COVERS else np.where(low != high, high, np.nan)
        gap = nothing if verdicts.gap is None else verdicts.gap
        margin = nothing if verdicts.margin is None else verdicts.margin
        blocks.extend((a * first + b, a * second + b, a * margin, a * gap, gap))
    numbers = iter(shown(np.stack(blocks)) if blocks else [])
    out: list[list[s.StoredResult]] = []
    for req, column, verdicts in checked:
        r, p = req.requirement_id, req.parameter_id
        if column is None or k == 0:
            out.append([{"r": r, "p": p, "s": s.UNKNOWN} for _ in range(k)])
            continue
        known, passed = verdicts.known.tolist(), verdicts.passed.tolist()
        if req.value_type == "boolean" or req.is_textual:
            if req.value_type == "boolean":
                stated = ["true" if f == 1.0 else "false" for f in column.flag[idx].tolist()]
            else:
                stated = [column.choices[code] for code in column.codes[idx].tolist()]
            out.append(
                [
                    {"r": r, "p": p, "s": s.PASS if ok else s.FAIL, "a": value}
                    if kn
                    else {"r": r, "p": p, "s": s.UNKNOWN}
                    for kn, ok, value in zip(known, passed, stated, strict=True)
                ]
            )
            continue
        firsts, seconds, margins, gaps, gaps_canonical = (next(numbers) for _ in range(5))
        # What a verdict states: the value, then the margin of a pass or the gap of a failure (in the buyer's unit
        # and canonical); a range's other end is added where there is one.
        entries: list[s.StoredResult] = [
            (
                {"r": r, "p": p, "s": s.PASS, "a": a, "m": m}
                if ok
                else {"r": r, "p": p, "s": s.FAIL, "a": a, "g": g, "gc": gc}
            )
            if kn
            else {"r": r, "p": p, "s": s.UNKNOWN}
            for kn, ok, a, m, g, gc in zip(known, passed, firsts, margins, gaps, gaps_canonical, strict=True)
        ]
        if req.operator not in (s.GTE, s.LTE):
            for entry, kn, x in zip(entries, known, seconds, strict=True):
                if kn and x == x:  # not NaN: a range's other end
                    entry["x"] = x
        out.append(entries)
    return out


def _union_size(parts: Sequence[np.ndarray], size: int) -> int:
    """How many distinct positions the index arrays hold together."""
    mask = np.zeros(size, dtype=bool)
    for part in parts:
        mask[part] = True
    return int(mask.sum())


def _smallest(idx: np.ndarray, keys: np.ndarray, k: int) -> np.ndarray:
    """The entries of ``idx`` whose key is among the k smallest, keeping every tie at the cut (unordered)."""
    if idx.size <= k:
        return idx
    if k <= 0:
        return idx[:0]
    cut = np.partition(keys, k - 1)[k - 1]
    return idx[keys <= cut]


def _ordered(idx: np.ndarray, primary: np.ndarray, secondary: tuple[np.ndarray, ...], k: int) -> list[int]:
    """The k best of ``idx`` by ``primary``, then ``secondary``, then index (product id), in order."""
    if idx.size == 0 or k <= 0:
        return []
    if idx.size > k:
        cut = np.partition(primary, k - 1)[k - 1]
        keep = primary <= cut
        idx, primary, secondary = idx[keep], primary[keep], tuple(x[keep] for x in secondary)
    order = np.lexsort((idx, *reversed(secondary), primary))
    return [int(i) for i in idx[order][:k]]


def _requirement_gap(
    req: s.RequirementSpec, verdicts: Verdicts, fail: np.ndarray, stated: int | None = None
) -> dict[str, object]:
    met = bool(verdicts.passed.any())
    best: float | None = None
    if not met and verdicts.gap is not None and fail.any():
        best = float(np.min(verdicts.gap[fail]))
    return _gap_entry(req, met, int(verdicts.known.sum()) if stated is None else stated, best)


def _gap_entry(req: s.RequirementSpec, met: bool, stated: int, best: float | None) -> dict[str, object]:
    return {
        "requirement": req.requirement_id,
        "parameter": req.parameter_id,
        "met": met,
        "stated": stated,
        "best_gap": None if best is None else float(f"{best:.10g}"),
    }


def _empty_gaps(demand: s.DemandFacts) -> list[dict[str, object]]:
    return [
        {"requirement": r.requirement_id, "parameter": r.parameter_id, "met": False, "stated": 0, "best_gap": None}
        for r in demand.requirements
        if r.is_mandatory
    ]
