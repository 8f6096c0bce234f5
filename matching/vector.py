"""The scoring formulas of ``matching.scoring`` applied to a whole candidate pool at once (pure; no ORM).

A pool holds one category subtree's published domestic products as column arrays, built once and reused for
every demand of that subtree. For each demand the pool yields a shortlist: the best-scoring full matches and the
closest near misses, plus how close any product gets to each mandatory requirement. The shortlist is then scored
again, pair by pair, with ``matching.scoring`` so what is stored and explained comes from one implementation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matching import scoring as s

# Extra candidates re-scored exactly beyond those kept, so a rounding difference at the cut cannot lose one.
SHORTLIST_SLACK = 3


@dataclass
class ParameterColumn:
    stated: np.ndarray  # bool
    value: np.ndarray
    value_min: np.ndarray
    value_max: np.ndarray
    low: np.ndarray
    high: np.ndarray
    flag: np.ndarray  # 1.0 / 0.0 / NaN
    texts: list[str]  # casefolded choice per product, "" when not stated
    raw_texts: dict[int, str] = field(default_factory=dict)
    _text_masks: dict[str, np.ndarray] = field(default_factory=dict)

    def text_mask(self, text: str) -> np.ndarray:
        mask = self._text_masks.get(text)
        if mask is None:
            mask = np.fromiter((t == text for t in self.texts), dtype=bool, count=len(self.texts))
            self._text_masks[text] = mask
        return mask

    @property
    def has_text(self) -> np.ndarray:
        return ~self.text_mask("")

    def spec(self, i: int) -> s.SpecValue | None:
        if not self.stated[i]:
            return None
        flag = self.flag[i]
        return s.SpecValue(
            value=_num(self.value[i]),
            value_min=_num(self.value_min[i]),
            value_max=_num(self.value_max[i]),
            text=self.raw_texts.get(i, ""),
            flag=None if np.isnan(flag) else bool(flag),
        )


@dataclass
class Shortlist:
    matches: list[s.PairScore]
    near_misses: list[s.PairScore]
    candidates: int
    matches_total: int
    near_misses_total: int
    # Per mandatory requirement: whether any candidate meets it, how many state it, the smallest canonical gap.
    requirement_gaps: list[dict[str, object]]


ProductRow = tuple[int, str, "float | None", "float | None", "int | None", "float | None"]
SpecRow = tuple[int, int, "float | None", "float | None", "float | None", str, "bool | None"]


class CandidatePool:
    """Column arrays over products sorted by id, so array order is the tie-break order.

    Built straight from database rows (``from_rows``) so a pool of tens of thousands of products needs no
    per-product objects; ``facts(i)`` rebuilds one product's facts for the exact, explained scoring.
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
        self._build(rows, specs, provinces, tokens)

    @classmethod
    def from_rows(
        cls, products: Sequence[ProductRow], specs: Iterable[SpecRow], provinces: Iterable[tuple[int, str]]
    ) -> CandidatePool:
        pool = cls.__new__(cls)
        pool._build(products, specs, provinces, None)
        return pool

    def _build(
        self,
        products: Sequence[ProductRow],
        specs: Iterable[SpecRow],
        provinces: Iterable[tuple[int, str]],
        tokens: dict[int, frozenset[str]] | None,
    ) -> None:
        ordered = sorted(products, key=lambda row: row[0])
        n = len(ordered)
        self.size = n
        self.ids = np.fromiter((row[0] for row in ordered), dtype=np.int64, count=n)
        position = {int(pk): i for i, pk in enumerate(self.ids)}
        self._price_min = [row[2] for row in ordered]
        self._price_max = [row[3] for row in ordered]
        self._lead_days = [row[4] for row in ordered]
        self._evaluation = [row[5] for row in ordered]
        reference = [
            (lo + hi) / 2 if lo is not None and hi is not None else (lo if lo is not None else hi)
            for lo, hi in zip(self._price_min, self._price_max, strict=True)
        ]
        self.price = np.array([_nan(v) for v in reference], dtype=np.float64)
        self.lead = np.array([_nan(v) for v in self._lead_days], dtype=np.float64)
        self.evaluation = np.array([_nan(v) for v in self._evaluation], dtype=np.float64)
        if tokens is None:
            self.tokens = [s.tokenize(row[1]) for row in ordered]
        else:
            self.tokens = [tokens.get(row[0], frozenset()) for row in ordered]
        token_index: dict[str, list[int]] = {}
        for i, product_tokens in enumerate(self.tokens):
            for token in product_tokens:
                token_index.setdefault(token, []).append(i)
        self._tokens = {token: np.array(idx, dtype=np.int64) for token, idx in token_index.items()}

        self.provinces: list[set[str]] = [set() for _ in range(n)]
        served: dict[str, list[int]] = {}
        for product_id, code in provinces:
            i = position.get(product_id)
            if i is not None:
                self.provinces[i].add(code)
                served.setdefault(code, []).append(i)
        self._served = {code: np.array(idx, dtype=np.int64) for code, idx in served.items()}
        self.no_provinces = np.fromiter((not p for p in self.provinces), dtype=bool, count=n)

        by_parameter: dict[int, list[tuple[int, float, float, float, float, str]]] = {}
        for product_id, parameter_id, value, vmin, vmax, text, flag in specs:
            i = position.get(product_id)
            if i is None:
                continue
            by_parameter.setdefault(parameter_id, []).append(
                (i, _nan(value), _nan(vmin), _nan(vmax), np.nan if flag is None else float(flag), text or "")
            )
        self.columns: dict[int, ParameterColumn] = {}
        for parameter_id, entries in by_parameter.items():
            idx = np.fromiter((e[0] for e in entries), dtype=np.int64, count=len(entries))
            stated = np.zeros(n, dtype=bool)
            stated[idx] = True
            columns = []
            for k in (1, 2, 3, 4):
                column = np.full(n, np.nan)
                column[idx] = np.fromiter((e[k] for e in entries), dtype=np.float64, count=len(entries))
                columns.append(column)
            value, vmin, vmax, flag = columns
            texts = [""] * n
            raw_texts = {}
            for e in entries:
                if e[5]:
                    texts[e[0]] = e[5].strip().casefold()
                    raw_texts[e[0]] = e[5]
            self.columns[parameter_id] = ParameterColumn(
                stated=stated,
                value=value,
                value_min=vmin,
                value_max=vmax,
                low=np.where(np.isnan(vmin), value, vmin),
                high=np.where(np.isnan(vmax), value, vmax),
                flag=flag,
                texts=texts,
                raw_texts=raw_texts,
            )
        self._facts: dict[int, s.ProductFacts] = {}

    def facts(self, i: int) -> s.ProductFacts:
        cached = self._facts.get(i)
        if cached is None:
            specs = {}
            for parameter_id, column in self.columns.items():
                spec = column.spec(i)
                if spec is not None:
                    specs[parameter_id] = spec
            cached = s.ProductFacts(
                product_id=int(self.ids[i]),
                specs=specs,
                price_min=self._price_min[i],
                price_max=self._price_max[i],
                lead_time_days=self._lead_days[i],
                evaluation_score=self._evaluation[i],
                provinces=frozenset(self.provinces[i]),
                tokens=self.tokens[i],
            )
            self._facts[i] = cached
        return cached

    def __len__(self) -> int:
        return self.size

    def province_component(self, province: str) -> np.ndarray:
        comp = np.where(self.no_provinces, s.NEUTRAL, 0.0)
        idx = self._served.get(province)
        if idx is not None:
            comp[idx] = 1.0
        return comp

    def text_component(self, demand_tokens: frozenset[str]) -> np.ndarray:
        if not demand_tokens:
            return np.zeros(self.size)
        counts = np.zeros(self.size)
        for token in demand_tokens:
            idx = self._tokens.get(token)
            if idx is not None:
                counts[idx] += 1.0
        return np.minimum(1.0, counts / min(len(demand_tokens), s.TEXT_TOKENS_CAP))

    def shortlist(
        self, demand: s.DemandFacts, *, weights: Mapping[str, float], top_n: int, near_miss_n: int
    ) -> Shortlist:
        n = self.size
        if n == 0:
            return Shortlist([], [], 0, 0, 0, _empty_gaps(demand))
        failed = np.zeros(n, dtype=np.int64)
        unknown = np.zeros(n, dtype=np.int64)
        gap_norm = np.zeros(n)
        preferred_num = np.zeros(n)
        preferred_den = 0.0
        preferred_cnt = 0
        mandatory_num = np.zeros(n)
        mandatory_den = 0.0
        mandatory_cnt = 0
        requirement_gaps: list[dict[str, object]] = []
        for req in demand.requirements:
            known, passed, credit, gap = self._evaluate(req)
            weight = max(req.weight, 0.0)
            if req.is_mandatory:
                fail = known & ~passed
                failed += fail
                unknown += ~known
                if gap is None:
                    gap_norm += fail * 1.0
                else:
                    gap_norm += np.where(fail, np.minimum(s.GAP_NORM_CAP, gap / s.requirement_scale(req)), 0.0)
                mandatory_num += weight * credit
                mandatory_den += weight
                mandatory_cnt += 1
                requirement_gaps.append(_requirement_gap(req, known, passed, fail, gap))
            else:
                preferred_num += weight * credit
                preferred_den += weight
                preferred_cnt += 1
        if preferred_cnt:
            requirements = preferred_num / preferred_den if preferred_den > 0 else None
        elif mandatory_cnt:
            requirements = mandatory_num / mandatory_den if mandatory_den > 0 else None
        else:
            requirements = np.ones(n)
        if requirements is None:  # every weight zero: plain mean of the credits, as the scalar formula does
            requirements = self._mean_credit(demand, preferred=bool(preferred_cnt))
        components = {
            "preferred": requirements,
            "price": self._price_component(demand.budget_per_unit),
            "text": self.text_component(demand.tokens),
            "evaluations": np.where(
                np.isnan(self.evaluation), s.NEUTRAL, np.clip((self.evaluation - 1.0) / 4.0, 0.0, 1.0)
            ),
            "province": self.province_component(demand.province),
            "lead_time": self._lead_component(demand.days_to_deadline),
        }
        total = sum(max(float(weights.get(name, 0.0)), 0.0) for name in s.COMPONENTS)
        if total > 0:
            raw = sum(max(float(weights.get(name, 0.0)), 0.0) * components[name] for name in s.COMPONENTS) / total
            score = np.round(np.clip(raw, 0.0, 1.0), s.SCORE_DECIMALS)
        else:
            score = np.zeros(n)
        is_match = (failed == 0) & (unknown == 0)
        is_near = ~is_match & (unknown == 0) & (failed > 0)
        match_idx = np.flatnonzero(is_match)
        near_idx = np.flatnonzero(is_near)
        gap_norm = np.round(gap_norm, s.SCORE_DECIMALS)

        top = _best(match_idx, -score, top_n + SHORTLIST_SLACK, tiebreak=(-score,))
        near_key = failed * (s.GAP_NORM_CAP * (len(demand.requirements) + 1)) + gap_norm
        near = _best(near_idx, near_key, near_miss_n + SHORTLIST_SLACK, tiebreak=(near_key, -score))

        exact_matches = s.rank([s.score_pair(demand, self.facts(i), weights) for i in top])[:top_n]
        exact_near = s.rank_near_misses([s.score_pair(demand, self.facts(i), weights) for i in near])[:near_miss_n]
        return Shortlist(
            matches=exact_matches,
            near_misses=exact_near,
            candidates=n,
            matches_total=int(match_idx.size),
            near_misses_total=int(near_idx.size),
            requirement_gaps=requirement_gaps,
        )

    # --- per requirement -----------------------------------------------------------------------------

    def _evaluate(self, req: s.RequirementSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """known, passed, credit and (numeric requirements) the canonical gap, one entry per product."""
        n = self.size
        column = self.columns.get(req.parameter_id)
        nothing = np.zeros(n, dtype=bool)
        if column is None:
            return nothing, nothing, np.zeros(n), None
        if req.value_type == "boolean":
            wanted = s._wanted_flag(req)
            if wanted is None:
                return nothing, nothing, np.zeros(n), None
            known = ~np.isnan(column.flag)
            passed = known & (column.flag == (1.0 if wanted else 0.0))
            return known, passed, passed * 1.0, None
        if req.is_textual:
            known = column.has_text
            passed = np.zeros(n, dtype=bool)
            for choice in {str(c).strip().casefold() for c in req.choices}:
                if choice:
                    passed |= column.text_mask(choice)
            return known, passed, passed * 1.0, None

        scale = s.requirement_scale(req)
        low, high = column.low, column.high
        with np.errstate(invalid="ignore"):
            if req.operator == s.COVERS:
                lo, hi = req.value_min, req.value_max
                if lo is None or hi is None:
                    lo = hi = req.target
                if lo is None or hi is None:
                    return nothing, nothing, np.zeros(n), None
                known = ~np.isnan(low) & ~np.isnan(high)
                eps = s.tolerance(max(abs(lo), abs(hi)))
                short = np.maximum(0.0, low - lo) + np.maximum(0.0, hi - high)
                passed = known & (short <= eps)
                margin = (lo - low) + (high - hi)
                credit = np.where(passed, 0.5 + 0.5 * np.clip(margin / scale, 0.0, 1.0), 0.0)
                return known, passed, credit, np.where(known, short, np.nan)
            target = req.target
            if target is None:
                return nothing, nothing, np.zeros(n), None
            eps = s.tolerance(target)
            if req.operator == s.GTE:
                known = ~np.isnan(high)
                margin = high - target
            elif req.operator == s.LTE:
                known = ~np.isnan(low)
                margin = target - low
            else:
                known = ~np.isnan(low) & ~np.isnan(high)
                distance = np.maximum(np.maximum(0.0, low - target), target - high)
                passed = known & (distance <= eps)
                return known, passed, passed * 1.0, np.where(known, distance, np.nan)
            passed = known & (margin >= -eps)
            credit = np.where(passed, 0.5 + 0.5 * np.clip(np.maximum(margin, 0.0) / scale, 0.0, 1.0), 0.0)
            return known, passed, credit, np.where(known, -margin, np.nan)

    def _mean_credit(self, demand: s.DemandFacts, *, preferred: bool) -> np.ndarray:
        chosen = [r for r in demand.requirements if r.is_mandatory != preferred]
        total = np.zeros(self.size)
        for req in chosen:
            total += self._evaluate(req)[2]
        return total / max(len(chosen), 1)

    def _price_component(self, budget_per_unit: float | None) -> np.ndarray:
        if budget_per_unit is None or budget_per_unit <= 0:
            return np.full(self.size, s.NEUTRAL)
        ratio = self.price / budget_per_unit
        return np.where(np.isnan(ratio), s.NEUTRAL, np.where(ratio <= 1.0, 1.0, np.maximum(0.0, 2.0 - ratio)))

    def _lead_component(self, days: int) -> np.ndarray:
        late = np.maximum(0.0, 1.0 - (self.lead - days) / max(days, 30))
        return np.where(np.isnan(self.lead), s.NEUTRAL, np.where(self.lead <= days, 1.0, late))


def _best(idx: np.ndarray, key: np.ndarray, k: int, *, tiebreak: tuple[np.ndarray, ...]) -> list[int]:
    """The k indices of ``idx`` with the smallest ``key`` (ties by index, i.e. product id), in order."""
    if idx.size == 0 or k <= 0:
        return []
    keys = key[idx]
    if idx.size > k:
        # Keep everything tied with the k-th key so the tie-break below sees all of them.
        cut = np.partition(keys, k - 1)[k - 1]
        keep = keys <= cut
        idx = idx[keep]
    order = np.lexsort((idx, *(t[idx] for t in reversed(tiebreak))))
    return [int(i) for i in idx[order][:k]]


def _requirement_gap(
    req: s.RequirementSpec, known: np.ndarray, passed: np.ndarray, fail: np.ndarray, gap: np.ndarray | None
) -> dict[str, object]:
    met = bool(passed.any())
    best: float | None = None
    if not met and gap is not None and fail.any():
        best = float(np.min(gap[fail]))
    return {
        "requirement": req.requirement_id,
        "parameter": req.parameter_id,
        "met": met,
        "stated": int(known.sum()),
        "best_gap": None if best is None else float(f"{best:.10g}"),
    }


def _empty_gaps(demand: s.DemandFacts) -> list[dict[str, object]]:
    return [
        {"requirement": r.requirement_id, "parameter": r.parameter_id, "met": False, "stated": 0, "best_gap": None}
        for r in demand.requirements
        if r.is_mandatory
    ]


def _nan(value: float | int | None) -> float:
    return float("nan") if value is None else float(value)


def _num(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
