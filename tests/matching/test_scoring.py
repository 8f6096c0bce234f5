"""Pure scoring: requirement rules, gaps in the buyer's unit, components, and invariants (hypothesis).

Every formula is an array function (``matching.vector``); one pair is scored as a pool of one product.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.values import from_canonical, to_canonical
from matching import scoring as s
from matching.vector import CandidatePool

WEIGHTS = {"preferred": 0.35, "price": 0.2, "text": 0.1, "evaluations": 0.15, "province": 0.1, "lead_time": 0.1}


def req(pid=1, op=">=", **kw) -> s.RequirementSpec:
    kw.setdefault("canonical_unit", "MPa")
    kw.setdefault("unit", kw["canonical_unit"])
    return s.RequirementSpec(requirement_id=pid, parameter_id=pid, key=f"p{pid}", operator=op, **kw)


def product(pk=1, specs=None, **kw) -> s.ProductFacts:
    return s.ProductFacts(product_id=pk, specs=specs or {}, **kw)


def score_pair(demand: s.DemandFacts, facts: s.ProductFacts, weights=WEIGHTS) -> s.PairScore:
    [pair] = CandidatePool([facts]).score_pairs(demand, weights=weights)
    return pair


def evaluate_requirement(r: s.RequirementSpec, spec: s.SpecValue) -> s.RequirementResult:
    return score_pair(s.DemandFacts(demand_id=1, requirements=(r,)), product(1, {r.parameter_id: spec})).results[0]


def matches_order(pairs):
    """The order the issue states for matches: score, best first, ties by product id."""
    return sorted(pairs, key=lambda p: (-p.score, p.product_id))


def near_misses_order(pairs):
    """Fewest failed mandatory requirements, then smallest relative gap, then score, then product id."""
    return sorted(pairs, key=lambda p: (p.failed_mandatory, p.gap_norm, -p.score, p.product_id))


def test_gte_passes_with_margin_and_fails_with_gap_in_requirement_unit():
    # given a requirement of at least 400 bar (40 MPa canonical)
    r = req(op=">=", value=40.0, unit="bar")
    # when a product states 35 MPa and another 50 MPa
    short = evaluate_requirement(r, s.SpecValue(value=35.0))
    ample = evaluate_requirement(r, s.SpecValue(value=50.0))
    # then the gap and the margin are in bar
    assert short.status == s.FAIL
    assert short.gap == pytest.approx(50.0)
    assert short.gap_canonical == pytest.approx(5.0)
    assert short.actual == pytest.approx(350.0)
    assert ample.status == s.PASS
    assert ample.margin == pytest.approx(100.0)


def test_lte_uses_the_low_end_and_reports_the_excess():
    r = req(op="<=", value=1.0, canonical_unit="nm", unit="Å")
    result = evaluate_requirement(r, s.SpecValue(value=1.5))
    assert result.status == s.FAIL
    assert result.gap == pytest.approx(5.0)  # 0.5 nm = 5 Å
    assert evaluate_requirement(r, s.SpecValue(value=0.8)).status == s.PASS


def test_temperature_gap_ignores_the_offset():
    r = req(op=">=", value=373.15, canonical_unit="K", unit="°C")
    result = evaluate_requirement(r, s.SpecValue(value=363.15))
    assert result.status == s.FAIL
    assert result.gap == pytest.approx(10.0)
    assert result.actual == pytest.approx(90.0)


def test_covers_needs_the_whole_range():
    r = req(op="covers", value_type="range", value_min=190.0, value_max=900.0, canonical_unit="nm")
    assert evaluate_requirement(r, s.SpecValue(value_min=180.0, value_max=1100.0)).status == s.PASS
    partial = evaluate_requirement(r, s.SpecValue(value_min=200.0, value_max=850.0))
    assert partial.status == s.FAIL
    assert partial.gap == pytest.approx(60.0)  # 10 short at the low end, 50 at the high end
    assert evaluate_requirement(r, s.SpecValue(value=500.0)).status == s.FAIL


def test_equal_on_numbers_accepts_a_range_holding_the_value():
    r = req(op="=", value=220.0, canonical_unit="V")
    assert evaluate_requirement(r, s.SpecValue(value=220.0)).status == s.PASS
    assert evaluate_requirement(r, s.SpecValue(value_min=100.0, value_max=240.0)).status == s.PASS
    off = evaluate_requirement(r, s.SpecValue(value=110.0))
    assert off.status == s.FAIL
    assert off.gap == pytest.approx(110.0)


def test_in_and_equal_on_choices_compare_text_case_insensitively():
    r = req(op="in", value_type="choice", choices=("ESI", "APCI"), canonical_unit="")
    assert evaluate_requirement(r, s.SpecValue(text="esi")).status == s.PASS
    fail = evaluate_requirement(r, s.SpecValue(text="MALDI"))
    assert fail.status == s.FAIL
    assert fail.gap is None
    assert evaluate_requirement(r, s.SpecValue()).status == s.UNKNOWN


def test_boolean_requirement():
    r = req(op="=", value_type="boolean", choices=("true",), canonical_unit="")
    assert evaluate_requirement(r, s.SpecValue(flag=True)).status == s.PASS
    assert evaluate_requirement(r, s.SpecValue(flag=False)).status == s.FAIL
    assert evaluate_requirement(r, s.SpecValue()).status == s.UNKNOWN


def test_unstated_parameter_is_unknown_and_blocks_a_full_match():
    demand = s.DemandFacts(demand_id=1, requirements=(req(op=">=", value=10.0),))
    result = score_pair(demand, product(specs={}))
    assert result.results[0].status == s.UNKNOWN
    assert not result.is_match
    assert not result.is_near_miss


def test_mandatory_failure_is_a_near_miss_with_gaps():
    demand = s.DemandFacts(demand_id=1, requirements=(req(1, ">=", value=10.0), req(2, "<=", value=5.0)))
    result = score_pair(demand, product(specs={1: s.SpecValue(value=8.0), 2: s.SpecValue(value=4.0)}))
    assert not result.is_match
    assert result.is_near_miss
    assert result.failed_mandatory == 1
    assert result.gap_norm == pytest.approx(0.2)


def test_components_are_named_and_follow_the_inputs():
    demand = s.DemandFacts(
        demand_id=1,
        budget_per_unit=100.0,
        province="110000",
        days_to_deadline=30,
        tokens=s.demand_tokens("液相色谱仪 HPLC"),
    )
    good = product(
        1,
        price_min=80.0,
        price_max=100.0,
        evaluation_score=5.0,
        provinces=frozenset({"110000"}),
        lead_time_days=20,
        tokens=s.text_tokens("高效液相色谱仪 HPLC-2000"),
    )
    poor = product(
        2, price_min=300.0, price_max=300.0, evaluation_score=1.0, provinces=frozenset({"440000"}), lead_time_days=90
    )
    g, p = score_pair(demand, good), score_pair(demand, poor)
    assert set(g.components) == set(s.COMPONENTS)
    assert g.components["price"] == 1.0 and p.components["price"] == 0.0
    assert g.components["province"] == 1.0 and p.components["province"] == 0.0
    assert g.components["evaluations"] == 1.0 and p.components["evaluations"] == 0.0
    assert g.components["lead_time"] == 1.0 and p.components["lead_time"] == 0.0
    assert g.components["text"] > 0.5 and p.components["text"] == 0.0
    assert g.score > p.score


def test_text_relevance_cuts_text_with_the_search_tokenizer():
    # a model number typed without its hyphen and a Chinese name share tokens, as they do in search
    demand = s.DemandFacts(demand_id=1, tokens=s.demand_tokens("LC2030 液相色谱"))
    hit = score_pair(demand, product(1, tokens=s.text_tokens("高效液相色谱仪 LC-2030")))
    miss = score_pair(demand, product(2, tokens=s.text_tokens("气相色谱 GC-1")))
    assert hit.components["text"] == 1.0
    assert miss.components["text"] < hit.components["text"]


def test_ranking_breaks_ties_by_product_id():
    demand = s.DemandFacts(demand_id=1)
    pool = CandidatePool([product(pk) for pk in (9, 3, 5)])
    shortlist = pool.shortlist(demand, weights=WEIGHTS, top_n=3, near_miss_n=3)
    assert [p.product_id for p in shortlist.matches] == [3, 5, 9]


# --- properties ------------------------------------------------------------------------------------------

values = st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False)
maybe = st.one_of(st.none(), values)


@st.composite
def demand_and_product(draw):
    n = draw(st.integers(min_value=1, max_value=5))
    requirements = []
    specs = {}
    for i in range(1, n + 1):
        op = draw(st.sampled_from([">=", "<=", "=", "covers", "in", "bool"]))
        mandatory, weight = draw(st.booleans()), draw(st.floats(0, 5))
        if op == "covers":
            low = draw(values)
            requirements.append(
                req(i, op, value_type="range", value_min=low, value_max=low + draw(values), is_mandatory=mandatory)
            )
            if draw(st.booleans()):
                a = draw(values)
                specs[i] = s.SpecValue(value_min=a, value_max=a + draw(values))
        elif op == "in":
            choices = tuple(draw(st.sets(st.sampled_from(["UV", "DAD", "MS"]), min_size=1)))
            requirements.append(req(i, op, value_type="choice", choices=choices, is_mandatory=mandatory, weight=weight))
            if draw(st.booleans()):
                specs[i] = s.SpecValue(text=draw(st.sampled_from(["UV", "dad", "FLD"])))
        elif op == "bool":
            wanted = draw(st.sampled_from(["true", "false"]))
            requirements.append(req(i, "=", value_type="boolean", choices=(wanted,), is_mandatory=mandatory))
            if draw(st.booleans()):
                specs[i] = s.SpecValue(flag=draw(st.booleans()))
        else:
            requirements.append(req(i, op, value=draw(values), is_mandatory=mandatory, weight=weight))
            spec = draw(maybe)
            if spec is not None:
                specs[i] = s.SpecValue(value=spec)
    demand = s.DemandFacts(
        demand_id=1,
        requirements=tuple(requirements),
        budget_per_unit=draw(maybe),
        province=draw(st.sampled_from(["110000", "310000"])),
        days_to_deadline=draw(st.integers(-30, 400)),
        tokens=s.demand_tokens(draw(st.sampled_from(["", "HPLC 色谱", "mass spectrometer"]))),
    )
    prod = product(
        draw(st.integers(1, 1000)),
        specs=specs,
        price_min=draw(maybe),
        lead_time_days=draw(st.one_of(st.none(), st.integers(0, 500))),
        evaluation_score=draw(st.one_of(st.none(), st.floats(1, 5))),
        provinces=frozenset(draw(st.sets(st.sampled_from(["110000", "310000", "440000"])))),
        tokens=s.text_tokens(draw(st.sampled_from(["", "HPLC", "色谱仪"]))),
    )
    return demand, prod


@settings(max_examples=200, deadline=None)
@given(demand_and_product())
def test_score_stays_between_zero_and_one(pair):
    demand, prod = pair
    result = score_pair(demand, prod)
    assert 0.0 <= result.score <= 1.0
    assert all(0.0 <= v <= 1.0 for v in result.components.values())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(values, st.floats(0.1, 5)), min_size=1, max_size=5),
    st.data(),
)
def test_meeting_strictly_more_preferred_requirements_never_scores_lower(preferred, data):
    # given preferred ">=" requirements, and two products alike except that one meets a strict superset
    requirements = tuple(
        req(i, ">=", value=v, is_mandatory=False, weight=w) for i, (v, w) in enumerate(preferred, start=1)
    )
    demand = s.DemandFacts(demand_id=1, requirements=requirements, budget_per_unit=100.0, days_to_deadline=30)
    met_by_both = data.draw(st.sets(st.integers(1, len(preferred))))
    extra = data.draw(st.integers(1, len(preferred)).filter(lambda i: i not in met_by_both))
    margin = data.draw(st.floats(0, 10))

    def facts(pk, met):
        specs = {
            i: s.SpecValue(value=v + margin if i in met else v * 0.5) for i, (v, _w) in enumerate(preferred, start=1)
        }
        return product(pk, specs=specs, price_min=90.0)

    fewer = score_pair(demand, facts(1, met_by_both))
    more = score_pair(demand, facts(2, met_by_both | {extra}))
    # then the one meeting more never scores lower
    assert more.score >= fewer.score


units_for_pressure = st.sampled_from(["MPa", "bar", "kPa", "psi"])


@settings(max_examples=200, deadline=None)
@given(values, values, units_for_pressure, units_for_pressure, st.sampled_from([">=", "<=", "="]))
def test_expressing_a_requirement_in_another_unit_changes_nothing(required_mpa, stated_mpa, unit_a, unit_b, op):
    # given the same requirement entered in two units (stored canonically, as the demand services do)
    entered_a = from_canonical(required_mpa, "MPa", unit_a)
    entered_b = from_canonical(required_mpa, "MPa", unit_b)
    canonical_a = to_canonical(entered_a, unit_a, "MPa")
    canonical_b = to_canonical(entered_b, unit_b, "MPa")
    a = req(1, op, value=canonical_a, unit=unit_a)
    b = req(1, op, value=canonical_b, unit=unit_b)
    spec = {1: s.SpecValue(value=stated_mpa)}
    ra = score_pair(s.DemandFacts(demand_id=1, requirements=(a,)), product(1, spec))
    rb = score_pair(s.DemandFacts(demand_id=1, requirements=(b,)), product(1, spec))
    # then the verdict and the score agree, and the gaps are the same quantity (to the six significant digits
    # an explanation keeps)
    assert ra.results[0].status == rb.results[0].status
    assert ra.score == pytest.approx(rb.score, abs=1e-6)
    if ra.results[0].gap is not None:
        assert to_canonical(ra.results[0].gap, unit_a, "MPa") - to_canonical(0, unit_a, "MPa") == pytest.approx(
            to_canonical(rb.results[0].gap, unit_b, "MPa") - to_canonical(0, unit_b, "MPa"), rel=1e-5
        )


@settings(max_examples=150, deadline=None)
@given(st.lists(demand_and_product(), min_size=3, max_size=12), st.integers(1, 4))
def test_a_shortlist_agrees_with_each_pair_scored_alone(pairs, top_n):
    # given one demand and a pool of products (ids made unique)
    demand = pairs[0][0]
    products = [s.ProductFacts(**{**p.__dict__, "product_id": i}) for i, (_d, p) in enumerate(pairs, start=1)]
    pool = CandidatePool(products)
    # when the pool shortlists, and when every pair is scored one by one
    shortlist = pool.shortlist(demand, weights=WEIGHTS, top_n=top_n, near_miss_n=top_n)
    brute = [score_pair(demand, p) for p in products]
    # then both give the same matches and near misses, in the same order, with the same scores and verdicts:
    # what explains a pair and what is stored with it are what ranking used
    expected_matches = matches_order([b for b in brute if b.is_match])[:top_n]
    expected_near = near_misses_order([b for b in brute if b.is_near_miss])[:top_n]
    assert [p.product_id for p in shortlist.matches] == [p.product_id for p in expected_matches]
    assert [p.product_id for p in shortlist.near_misses] == [p.product_id for p in expected_near]
    for got, want in zip(shortlist.matches + shortlist.near_misses, expected_matches + expected_near, strict=True):
        assert got.score == want.score
        assert got.components == want.components
        assert got.results == want.results
        assert (got.failed_mandatory, got.unknown_mandatory, got.gap_norm) == (
            want.failed_mandatory,
            want.unknown_mandatory,
            want.gap_norm,
        )


# --- pruning --------------------------------------------------------------------------------------------------

# Few distinct values, so ties (at thresholds, in gaps and in scores) are common.
grid = st.sampled_from([0.5, 1.0, 2.0, 2.5, 4.0, 8.0, 10.0, 16.0, 40.0, 100.0])


@st.composite
def catalog_and_demand(draw):
    """A random pool of products over four parameters and a demand with mixed mandatory requirements."""
    n_products = draw(st.integers(min_value=1, max_value=60))
    products = []
    for pk in range(1, n_products + 1):
        specs = {}
        for parameter in (1, 2):
            kind = draw(st.sampled_from(["value", "range", "low only", "none"]))
            if kind == "value":
                specs[parameter] = s.SpecValue(value=draw(grid))
            elif kind == "range":
                low = draw(grid)
                specs[parameter] = s.SpecValue(value_min=low, value_max=low + draw(grid))
            elif kind == "low only":
                specs[parameter] = s.SpecValue(value_min=draw(grid))
        if draw(st.booleans()):
            specs[3] = s.SpecValue(text=draw(st.sampled_from(["UV", "dad", "MS"])))
        if draw(st.booleans()):
            specs[4] = s.SpecValue(flag=draw(st.booleans()))
        products.append(
            product(
                pk,
                specs=specs,
                price_min=draw(st.one_of(st.none(), grid)),
                evaluation_score=draw(st.one_of(st.none(), st.sampled_from([1.0, 3.0, 5.0]))),
                lead_time_days=draw(st.one_of(st.none(), st.sampled_from([10, 60]))),
            )
        )
    requirements = []
    for rid in range(1, draw(st.integers(min_value=1, max_value=5)) + 1):
        mandatory = draw(st.booleans())
        kind = draw(st.sampled_from([">=", "<=", "covers", "=", "in", "bool"]))
        parameter = draw(st.sampled_from([1, 2]))
        if kind == "covers":
            low = draw(grid)
            r = s.RequirementSpec(rid, parameter, "p", "covers", "range", None, low, low + draw(grid))
        elif kind == "in":
            r = s.RequirementSpec(
                rid, 3, "d", "in", "choice", choices=tuple(draw(st.sets(st.sampled_from(["UV", "DAD"]), min_size=1)))
            )
        elif kind == "bool":
            r = s.RequirementSpec(rid, 4, "b", "=", "boolean", choices=(draw(st.sampled_from(["true", "false"])),))
        else:
            r = s.RequirementSpec(rid, parameter, "p", kind, "number", draw(grid))
        requirements.append(
            s.RequirementSpec(
                **{**r.__dict__, "is_mandatory": mandatory, "weight": draw(st.sampled_from([0.0, 1.0, 2.0]))}
            )
        )
    demand = s.DemandFacts(
        demand_id=1, requirements=tuple(requirements), budget_per_unit=draw(st.one_of(st.none(), grid))
    )
    return products, demand


def shown(shortlist):
    return (
        [(p.product_id, p.score, p.components, p.results, p.strongest) for p in shortlist.matches],
        [(p.product_id, p.score, p.failed_mandatory, p.gap_norm, p.results) for p in shortlist.near_misses],
        shortlist.matches_total,
        shortlist.near_misses_total,
        shortlist.requirement_gaps,
    )


@settings(max_examples=400, deadline=None)
@given(catalog_and_demand(), st.integers(0, 5), st.integers(0, 5))
def test_pruned_shortlist_equals_checking_every_product(data, top_n, near_miss_n):
    # given a random catalog and demand
    products, demand = data
    pool = CandidatePool(products)
    # when the pool shortlists with pruning and by checking every product
    pruned = pool.shortlist(demand, weights=WEIGHTS, top_n=top_n, near_miss_n=near_miss_n)
    everything = pool.shortlist(demand, weights=WEIGHTS, top_n=top_n, near_miss_n=near_miss_n, prune=False)
    # then both find the same matches and near misses, in the same ranks, with the same gap per requirement
    assert shown(pruned) == shown(everything)
    assert pruned.checked <= everything.checked == len(products)


def test_pruning_checks_only_products_near_the_thresholds():
    # given 2,000 products with pressures 1..2000 and a demand for at least 1990 (mandatory)
    products = [product(pk, specs={1: s.SpecValue(value=float(pk))}) for pk in range(1, 2001)]
    demand = s.DemandFacts(demand_id=1, requirements=(req(1, ">=", value=1990.0),))
    shortlist = CandidatePool(products).shortlist(demand, weights=WEIGHTS, top_n=5, near_miss_n=5)
    # then the eleven passing products and one walk step of near misses are checked, not the whole pool
    assert [p.product_id for p in shortlist.matches] == [2000, 1999, 1998, 1997, 1996] or shortlist.matches_total == 11
    assert [p.product_id for p in shortlist.near_misses] == [1989, 1988, 1987, 1986, 1985]
    assert shortlist.near_misses_total == 1989
    assert shortlist.requirement_gaps[0]["met"] is True
    assert shortlist.checked < 100


def test_a_value_close_to_a_preferred_requirement_earns_part_of_the_credit():
    # given a preferred minimum of 100 and a preferred range 200..1000
    demand = s.DemandFacts(
        demand_id=1,
        requirements=(
            req(1, ">=", value=100.0, is_mandatory=False),
            req(2, "covers", value_type="range", value_min=200.0, value_max=1000.0, is_mandatory=False),
        ),
    )

    def preferred(specs):
        return score_pair(demand, product(1, specs=specs)).components["preferred"]

    meets = preferred({1: s.SpecValue(value=100.0), 2: s.SpecValue(value_min=200.0, value_max=1000.0)})
    close = preferred({1: s.SpecValue(value=98.0), 2: s.SpecValue(value_min=240.0, value_max=1000.0)})
    silent = preferred({})
    far = preferred({1: s.SpecValue(value=50.0), 2: s.SpecValue(value_min=600.0, value_max=700.0)})
    # then missing the minimum by 2% and covering 95% of the range earn more than stating nothing, less than meeting
    assert meets > close > silent == far == 0.0
    # the rule: half the credit, less in proportion to the shortfall, none beyond a tenth of the scale
    assert close == pytest.approx((0.5 * (1 - 0.02 / 0.1) + 0.5 * (1 - 0.05 / 0.1)) / 2)


@pytest.mark.parametrize("seed", range(6))
def test_shared_tokens_from_the_index_equal_the_products_own_tokens(seed):
    # given: a pool whose products hold a common word (most of them), some shared words and rare ones
    rng = random.Random(seed)
    words = ["液相色谱", "common", "pump", "detector", "column", *[f"rare{i}" for i in range(40)]]
    products = []
    for pid in range(1, 201):
        held = {w for w in words if rng.random() < (0.9 if w in ("液相色谱", "common") else 0.08)}
        products.append(s.ProductFacts(product_id=pid, tokens=frozenset(held)))
    pool = CandidatePool(products)
    everyone = np.arange(len(pool))
    for _ in range(8):
        wanted = frozenset([*rng.sample(words, rng.randint(1, 8)), "absent"])
        idx = np.array(sorted(rng.sample(range(len(pool)), rng.randint(1, 120))))
        expected = [len(products[i].tokens & wanted) for i in idx.tolist()]
        # when: counted the first time (the products' own tokens) and then from the pool's index
        fresh = CandidatePool(products)._shared_tokens(wanted, idx)
        pool._shared_tokens(wanted, everyone)
        indexed = pool._shared_tokens(wanted, idx)
        # then: both count exactly the shared tokens
        assert fresh.tolist() == expected
        assert indexed.tolist() == expected
