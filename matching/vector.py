"""The scoring formulas of ``matching.scoring`` applied to a whole candidate pool at once (pure; no ORM).

A pool holds one category subtree's published domestic products as column arrays, built once and reused for
every demand of that subtree. For each demand the pool yields a shortlist: the best-scoring full matches and the
closest near misses, plus how close any product gets to each mandatory requirement. For the pairs kept, each
requirement's verdict (and its margin or gap) comes from ``matching.scoring`` itself; scores and components are
computed here with its formulas, term by term in the same order, and the tests hold both paths equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matching import scoring as s


@dataclass
class ParameterColumn:
    stated: np.ndarray  # bool
    value: np.ndarray
    value_min: np.ndarray
    value_max: np.ndarray
    low: np.ndarray
    high: np.ndarray
    flag: np.ndarray  # 1.0 / 0.0 / NaN
    # Choices are few: each product holds a code into ``choices`` (0 is "not stated"); ``folded`` is the
    # casefolded form compared with requirements, ``choices`` the text as the manufacturer wrote it.
    codes: np.ndarray
    choices: list[str]
    folded: list[str]
    _text_masks: dict[str, np.ndarray] = field(default_factory=dict)
    _lists: tuple[list[Any], ...] | None = None
    # The best products come up for demand after demand; their values are built once.
    _specs: dict[int, s.SpecValue | None] = field(default_factory=dict)

    def text_mask(self, text: str) -> np.ndarray:
        """Products whose casefolded choice is ``text`` ("" = not stated)."""
        mask = self._text_masks.get(text)
        if mask is None:
            wanted = [code for code, folded in enumerate(self.folded) if folded == text]
            mask = np.isin(self.codes, wanted)
            self._text_masks[text] = mask
        return mask

    @property
    def has_text(self) -> np.ndarray:
        return self.codes != 0

    def without_caches(self) -> ParameterColumn:
        return ParameterColumn(
            stated=self.stated,
            value=self.value,
            value_min=self.value_min,
            value_max=self.value_max,
            low=self.low,
            high=self.high,
            flag=self.flag,
            codes=self.codes,
            choices=self.choices,
            folded=self.folded,
        )

    def spec(self, i: int) -> s.SpecValue | None:
        if i in self._specs:
            return self._specs[i]
        spec = self._make_spec(i)
        self._specs[i] = spec
        return spec

    def _make_spec(self, i: int) -> s.SpecValue | None:
        if self._lists is None:
            self._lists = (
                self.stated.tolist(),
                self.value.tolist(),
                self.value_min.tolist(),
                self.value_max.tolist(),
                self.flag.tolist(),
            )
        stated, value, value_min, value_max, flag = self._lists
        if not stated[i]:
            return None
        v, lo, hi, f = value[i], value_min[i], value_max[i], flag[i]
        return s.SpecValue(
            None if v != v else v,  # NaN is the one float unequal to itself
            None if lo != lo else lo,
            None if hi != hi else hi,
            self.choices[self.codes[i]],
            None if f != f else f == 1.0,
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
        cls,
        products: Sequence[ProductRow],
        specs: Iterable[SpecRow],
        provinces: Iterable[tuple[int, str]],
        tokens: dict[int, frozenset[str]] | None = None,
    ) -> CandidatePool:
        """``products`` rows carry each product's text; ``tokens``, when given, are its tokens already cut."""
        pool = cls.__new__(cls)
        pool._build(products, specs, provinces, tokens)
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
        # Only inverted indexes are kept (token -> products, province -> products): they are what scoring reads,
        # and arrays keep a pool cheap to store in the shared cache and to load back.
        token_index: dict[str, list[int]] = {}
        for i, row in enumerate(ordered):
            product_tokens = s.tokenize(row[1]) if tokens is None else tokens.get(row[0], frozenset())
            for token in product_tokens:
                token_index.setdefault(token, []).append(i)
        # Stored compactly (one array of product positions, sliced per token): model numbers make most tokens
        # unique, and one small array per token would make the pool slow to store and load.
        self._token_slot = {token: slot for slot, token in enumerate(token_index)}
        lengths = np.fromiter((len(idx) for idx in token_index.values()), dtype=np.int64, count=len(token_index))
        self._token_starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self._token_positions = (
            np.fromiter((i for idx in token_index.values() for i in idx), dtype=np.int64, count=int(lengths.sum()))
            if token_index
            else np.zeros(0, dtype=np.int64)
        )

        served: dict[str, list[int]] = {}
        for product_id, code in provinces:
            place = position.get(product_id)
            if place is not None:
                served.setdefault(code, []).append(place)
        self._served = {code: np.unique(np.array(idx, dtype=np.int64)) for code, idx in served.items()}
        self.no_provinces = np.ones(n, dtype=bool)
        for idx in self._served.values():
            self.no_provinces[idx] = False

        # Specifications are placed with array operations: a large pool has hundreds of thousands of them.
        self.columns: dict[int, ParameterColumn] = {}
        spec_rows = list(specs)
        if spec_rows and n:
            product_col, parameter_col, value_col, vmin_col, vmax_col, text_col, flag_col = zip(*spec_rows, strict=True)
            product_ids = np.fromiter(product_col, dtype=np.int64, count=len(spec_rows))
            where = np.minimum(np.searchsorted(self.ids, product_ids), n - 1)
            present = self.ids[where] == product_ids
            parameter_ids = np.fromiter(parameter_col, dtype=np.int64, count=len(spec_rows))
            all_values = np.array(value_col, dtype=np.float64)  # None becomes NaN
            all_mins = np.array(vmin_col, dtype=np.float64)
            all_maxs = np.array(vmax_col, dtype=np.float64)
            all_flags = np.array(flag_col, dtype=np.float64)
            for parameter_id in np.unique(parameter_ids[present]):
                rows = np.flatnonzero(present & (parameter_ids == parameter_id))
                idx = where[rows]
                stated = np.zeros(n, dtype=bool)
                stated[idx] = True
                value, vmin, vmax, flag = (np.full(n, np.nan) for _ in range(4))
                value[idx] = all_values[rows]
                vmin[idx] = all_mins[rows]
                vmax[idx] = all_maxs[rows]
                flag[idx] = all_flags[rows]
                choices = [""]
                code_of: dict[str, int] = {"": 0}
                codes = np.zeros(n, dtype=np.int32)
                for spec_row, place in zip(rows.tolist(), idx.tolist(), strict=True):
                    choice = text_col[spec_row]
                    if choice:
                        known_code = code_of.get(choice)
                        if known_code is None:
                            known_code = code_of[choice] = len(choices)
                            choices.append(choice)
                        codes[place] = known_code
                self.columns[int(parameter_id)] = ParameterColumn(
                    stated=stated,
                    value=value,
                    value_min=vmin,
                    value_max=vmax,
                    low=np.where(np.isnan(vmin), value, vmin),
                    high=np.where(np.isnan(vmax), value, vmax),
                    flag=flag,
                    codes=codes,
                    choices=choices,
                    folded=[c.strip().casefold() for c in choices],
                )
        self._facts: dict[int, s.ProductFacts] = {}
        self._province_cache: dict[str, np.ndarray] = {}
        self.evaluation_component = np.where(
            np.isnan(self.evaluation), s.NEUTRAL, np.clip((self.evaluation - 1.0) / 4.0, 0.0, 1.0)
        )

    def __getstate__(self) -> dict[str, Any]:
        # Caches are rebuilt on demand; a stored pool carries only its data.
        state = dict(self.__dict__)
        state["_facts"] = {}
        state["_province_cache"] = {}
        state["columns"] = {pid: column.without_caches() for pid, column in self.columns.items()}
        return state

    def facts(self, i: int) -> s.ProductFacts:
        """One product's facts for the scalar rules (tests compare both paths with it; scoring never needs it)."""
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
                provinces=frozenset(code for code, idx in self._served.items() if bool(np.any(idx == i))),
                tokens=frozenset(token for token in self._token_slot if self._has_token(i, token)),
            )
            self._facts[i] = cached
        return cached

    def __len__(self) -> int:
        return self.size

    def province_component(self, province: str) -> np.ndarray:
        comp = self._province_cache.get(province)
        if comp is None:
            comp = np.where(self.no_provinces, s.NEUTRAL, 0.0)
            idx = self._served.get(province)
            if idx is not None:
                comp[idx] = 1.0
            self._province_cache[province] = comp
        return comp

    def _has_token(self, i: int, token: str) -> bool:
        products = self._token_products(token)
        return products is not None and bool(np.any(products == i))

    def _token_products(self, token: str) -> np.ndarray | None:
        slot = self._token_slot.get(token)
        if slot is None:
            return None
        return self._token_positions[self._token_starts[slot] : self._token_starts[slot + 1]]

    def text_component(self, demand_tokens: frozenset[str]) -> np.ndarray:
        if not demand_tokens:
            return np.zeros(self.size)
        counts = np.zeros(self.size)
        for token in demand_tokens:
            idx = self._token_products(token)
            if idx is not None:
                counts[idx] += 1.0
        return np.minimum(1.0, counts / min(len(demand_tokens), s.TEXT_TOKENS_CAP))

    def shortlist(
        self, demand: s.DemandFacts, *, weights: Mapping[str, float], top_n: int, near_miss_n: int
    ) -> Shortlist:
        """The best matches and closest near misses, exactly scored; the pool is scanned once per requirement."""
        n = self.size
        if n == 0:
            return Shortlist([], [], 0, 0, 0, _empty_gaps(demand))
        mandatory = [r for r in demand.requirements if r.is_mandatory]
        preferred = [r for r in demand.requirements if not r.is_mandatory]
        failed = np.zeros(n, dtype=np.int64)
        unknown = np.zeros(n, dtype=np.int64)
        gap_norm = np.zeros(n)
        requirement_gaps: list[dict[str, object]] = []
        for req in mandatory:
            known, passed, _credit, gap = self._evaluate(req, None)
            fail = known & ~passed
            failed += fail
            unknown += ~known
            if gap is None:
                gap_norm += fail * 1.0
            else:
                gap_norm += np.where(fail, np.minimum(s.GAP_NORM_CAP, gap / req.scale), 0.0)
            requirement_gaps.append(_requirement_gap(req, known, passed, fail, gap))
        is_match = (failed == 0) & (unknown == 0)
        match_idx = np.flatnonzero(is_match)
        near_idx = np.flatnonzero(~is_match & (unknown == 0) & (failed > 0))
        near_key = failed * (s.GAP_NORM_CAP * (len(demand.requirements) + 1)) + np.round(gap_norm, s.SCORE_DECIMALS)
        near_keep = _smallest(near_idx, near_key[near_idx], near_miss_n)

        # Only the matches and the near misses still in the running need a score.
        subset = np.concatenate([match_idx, near_keep])
        score, components = self._score(demand, subset, mandatory, preferred, weights)
        m = match_idx.size
        local = np.arange(subset.size)
        top = _ordered(local[:m], -score[:m], (), top_n)
        near = _ordered(local[m:], near_key[near_keep], (-score[m:],), near_miss_n)

        def pair(j: int) -> s.PairScore:
            # Requirement verdicts come from the scalar rules themselves; the score and components were computed
            # above with the same formulas, term by term (tests hold the two paths equal).
            i = int(subset[j])
            results = tuple(s.evaluate_requirement(req, self._spec(req.parameter_id, i)) for req in demand.requirements)
            stored = {name: round(float(components[name][j]), s.COMPONENT_DECIMALS) for name in s.COMPONENTS}
            return s.PairScore(
                product_id=int(self.ids[i]),
                is_match=bool(is_match[i]),
                score=float(score[j]),
                components=stored,
                results=results,
                failed_mandatory=int(failed[i]),
                unknown_mandatory=int(unknown[i]),
                gap_norm=round(float(gap_norm[i]), s.SCORE_DECIMALS),
                strongest=s.strongest_component(stored, weights),
            )

        return Shortlist(
            matches=[pair(j) for j in top],
            near_misses=[pair(j) for j in near],
            candidates=n,
            matches_total=int(m),
            near_misses_total=int(near_idx.size),
            requirement_gaps=requirement_gaps,
        )

    def _score(
        self,
        demand: s.DemandFacts,
        subset: np.ndarray,
        mandatory: list[s.RequirementSpec],
        preferred: list[s.RequirementSpec],
        weights: Mapping[str, float],
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """``matching.scoring.combine`` for the products in ``subset``, term by term in the same order."""
        k = subset.size
        if k == 0:
            return np.zeros(0), {name: np.zeros(0) for name in s.COMPONENTS}
        chosen = preferred or mandatory
        if not chosen:
            requirements = np.ones(k)
        else:
            num = np.zeros(k)
            den = 0.0
            credits = []
            for req in chosen:
                credit = self._evaluate(req, subset)[2]
                credits.append(credit)
                weight = max(req.weight, 0.0)
                num += weight * credit
                den += weight
            # Every weight zero: the plain mean of the credits, as the scalar formula does.
            requirements = num / den if den > 0 else np.asarray(sum(credits)) / len(credits)
        components = {
            "preferred": requirements,
            "price": _price_component(self.price[subset], demand.budget_per_unit),
            "text": self.text_component(demand.tokens)[subset],
            "evaluations": self.evaluation_component[subset],
            "province": self.province_component(demand.province)[subset],
            "lead_time": _lead_component(self.lead[subset], demand.days_to_deadline),
        }
        total = 0.0
        raw = np.zeros(k)
        for name in s.COMPONENTS:
            weight = max(float(weights.get(name, 0.0)), 0.0)
            total += weight
            raw = raw + weight * components[name]
        if total <= 0:
            return np.zeros(k), components
        return np.round(np.clip(raw / total, 0.0, 1.0), s.SCORE_DECIMALS), components

    def _spec(self, parameter_id: int, i: int) -> s.SpecValue | None:
        column = self.columns.get(parameter_id)
        return None if column is None else column.spec(i)

    # --- per requirement -----------------------------------------------------------------------------

    def _evaluate(
        self, req: s.RequirementSpec, subset: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """known, passed, credit and (numeric requirements) the canonical gap, per product (of ``subset``)."""
        n = self.size if subset is None else subset.size
        column = self.columns.get(req.parameter_id)
        nothing = np.zeros(n, dtype=bool)
        if column is None:
            return nothing, nothing, np.zeros(n), None

        def pick(values: np.ndarray) -> np.ndarray:
            return values if subset is None else values[subset]

        if req.value_type == "boolean":
            wanted = s._wanted_flag(req)
            if wanted is None:
                return nothing, nothing, np.zeros(n), None
            flag = pick(column.flag)
            known = ~np.isnan(flag)
            passed = known & (flag == (1.0 if wanted else 0.0))
            return known, passed, passed * 1.0, None
        if req.is_textual:
            known = pick(column.has_text)
            passed = np.zeros(n, dtype=bool)
            for choice in req.choice_set:
                if choice:
                    passed |= pick(column.text_mask(choice))
            return known, passed, passed * 1.0, None

        scale = req.scale
        low, high = pick(column.low), pick(column.high)
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


def _price_component(price: np.ndarray, budget_per_unit: float | None) -> np.ndarray:
    if budget_per_unit is None or budget_per_unit <= 0:
        return np.full(price.size, s.NEUTRAL)
    ratio = price / budget_per_unit
    return np.where(np.isnan(ratio), s.NEUTRAL, np.where(ratio <= 1.0, 1.0, np.maximum(0.0, 2.0 - ratio)))


def _lead_component(lead: np.ndarray, days: int) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        late = np.maximum(0.0, 1.0 - (lead - days) / max(days, 30))
        return np.where(np.isnan(lead), s.NEUTRAL, np.where(lead <= days, 1.0, late))


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
