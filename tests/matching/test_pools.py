"""Candidate pools built from data kept ready: each product's pool row (tokens, provinces, specifications),
refreshed through the change outbox, read in one query."""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from catalog.models import Parameter, Product, Specification
from catalog.services import product_publish, product_specifications_set, product_withdraw
from changes.consume import changes_consume
from changes.services import change_record
from matching import engine, pools, services
from matching import scoring as s
from matching.models import PoolProduct
from matching.vector import SPEC_FIELDS, CandidatePool, token_hashes
from tests.factories import (
    CategoryFactory,
    DemandFactory,
    ParameterFactory,
    ProductFactory,
    RequirementFactory,
    SpecificationFactory,
    province,
)

pytestmark = pytest.mark.django_db


def holds_tokens(product, *tokens):
    """Whether the product's pool row holds every one of these tokens."""
    kept = np.frombuffer(bytes(PoolProduct.objects.get(product=product).tokens), dtype="<i8")
    return bool(np.isin(token_hashes(tokens), kept).all())


def stated(product, parameter):
    """What the product's pool row says of one parameter: [value, minimum, maximum, yes/no], None for unstated."""
    row = PoolProduct.objects.get(product=product)
    table = np.frombuffer(bytes(row.specifications), dtype="<f8").reshape(-1, SPEC_FIELDS)
    found = [[None if np.isnan(v) else float(v) for v in spec[1:]] for spec in table if int(spec[0]) == parameter.pk]
    return found[0] if found else None


def test_a_pool_is_read_in_one_query_from_prepared_rows_without_cutting_text(
    scene, monkeypatch, django_assert_max_num_queries
):
    # given the products' pool rows were prepared when they changed
    pools.pool_products_refresh(product_ids=[scene.strong.pk, scene.weak.pk, scene.middling.pk])
    assert holds_tokens(scene.strong, "strong")
    cut = []
    real = s.text_tokens

    def counting(text):
        cut.append(text)
        return real(text)

    monkeypatch.setattr(s, "text_tokens", counting)
    # when a pool is read: the subtree's path and categories, then one query for its products and their rows
    with django_assert_max_num_queries(3):
        pool = pools.load_pool(category_id=scene.root.pk)
    # then no product text was cut, and the pool holds the stated values
    assert cut == []
    assert list(pool.ids) == sorted([scene.strong.pk, scene.weak.pk, scene.middling.pk])
    assert pool.columns[scene.pressure.pk].low.tolist() == [
        {scene.strong.pk: 100.0, scene.weak.pk: 30.0, scene.middling.pk: 60.0}[pk] for pk in pool.ids
    ]


def test_prepared_rows_follow_publish_spec_edit_and_withdraw_through_the_outbox(scene):
    # given a draft product with a pressure of 50 MPa, prepared while it was a draft
    draft = ProductFactory(category=scene.leaf, manufacturer=scene.strong.manufacturer, status=Product.Status.DRAFT)
    SpecificationFactory(product=draft, parameter=scene.pressure, value=50.0)
    pools.pool_products_refresh(product_ids=[draft.pk])
    assert draft.pk not in pools.load_pool(category_id=scene.root.pk).ids
    # when it is published, the matching consumer takes the change and the pool holds the product
    product_publish(product=draft, user=scene.maker_member)
    changes_consume(consumer_name="matching")
    assert stated(draft, scene.pressure) == [50.0, None, None, None]
    assert draft.pk in pools.load_pool(category_id=scene.root.pk).ids
    # when a specification is edited through the service, the row has the new value before any pool is read
    product_specifications_set(
        product=draft,
        user=scene.maker_member,
        specifications=[{"parameter": "max_pressure", "value": 700, "unit": "bar"}],
    )
    changes_consume(consumer_name="matching")
    assert stated(draft, scene.pressure) == [70.0, None, None, None]
    pool = pools.load_pool(category_id=scene.root.pk)
    assert pool.columns[scene.pressure.pk].high[list(pool.ids).index(draft.pk)] == 70.0
    # when it is withdrawn, its row stays current and it leaves the pool
    product_withdraw(product=draft, user=scene.maker_member)
    changes_consume(consumer_name="matching")
    assert PoolProduct.objects.get(product=draft).product_updated_at == Product.objects.get(pk=draft.pk).updated_at
    assert draft.pk not in pools.load_pool(category_id=scene.root.pk).ids


def test_a_product_change_refreshes_its_tokens_through_the_outbox(scene, django_capture_on_commit_callbacks):
    pools.pool_products_refresh(product_ids=[scene.strong.pk])
    with django_capture_on_commit_callbacks(execute=True):
        Product.objects.filter(pk=scene.strong.pk).update(name_en="Gradient pump")
        change_record(entity="product", ids=[scene.strong.pk])
    changes_consume(consumer_name="matching")
    assert holds_tokens(scene.strong, "gradient", "pump")
    assert not holds_tokens(scene.strong, "strong")


def test_a_row_older_than_its_product_is_prepared_again_when_a_pool_reads_it(scene):
    # given a row prepared before the product changed, with the change not yet taken from the outbox
    pools.pool_products_refresh(product_ids=[scene.weak.pk])
    Product.objects.filter(pk=scene.weak.pk).update(name_en="Ultra HPLC", updated_at=timezone.now())
    Specification.objects.filter(product=scene.weak, parameter=scene.pressure).update(value=90.0)
    # when a pool is read, the row does not fit the product: it is prepared now and kept
    pool = pools.load_pool(category_id=scene.root.pk)
    assert holds_tokens(scene.weak, "ultra")
    assert stated(scene.weak, scene.pressure)[0] == 90.0
    assert pool.columns[scene.pressure.pk].low[list(pool.ids).index(scene.weak.pk)] == 90.0
    # and products without a row get one
    assert PoolProduct.objects.filter(product__in=[scene.strong, scene.weak, scene.middling]).count() == 3


def test_text_relevance_reads_the_kept_tokens(scene):
    # a demand written in the words of one product's name ranks it on text, from the kept tokens
    scene.demand.title = "strong"
    scene.demand.save(update_fields=["title"])
    services.match_run_demand(demand_id=scene.demand.pk)
    pools._POOLS.clear()
    row = engine.demand_facts([scene.demand.pk])[scene.demand.pk]
    pool = pools.load_pool(category_id=scene.root.pk)
    [strong] = [p for p in pool.score_pairs(row.facts, weights={"text": 1.0}) if p.product_id == scene.strong.pk]
    assert strong.components["text"] > 0


def _pool_from_scratch(products):
    """The catalog read as it stands and the text cut now: what a pool was before rows were kept ready."""
    ids = [p.pk for p in products]
    rows = [
        (pk, pools._product_text(parts), None if lo is None else float(lo), None if hi is None else float(hi), lead, ev)
        for pk, lo, hi, lead, ev, *parts in Product.objects.filter(pk__in=ids).values_list(
            "pk", "price_min", "price_max", "lead_time_days", "evaluation_score", *pools.PRODUCT_TEXT_FIELDS
        )
    ]
    specs = Specification.objects.filter(product_id__in=ids).values_list("product_id", *pools.SPECIFICATION_FIELDS)
    served = Product.provinces_served.through.objects.filter(product_id__in=ids).values_list(
        "product_id", "province_id"
    )
    return CandidatePool.from_rows(rows, list(specs), list(served), tokens=None)


def _shortlisted(shortlist):
    def pairs(ranked):
        return [(p.product_id, p.score, p.components, p.strongest, p.stored_results) for p in ranked]

    return (
        pairs(shortlist.matches),
        pairs(shortlist.near_misses),
        shortlist.matches_total,
        shortlist.near_misses_total,
        shortlist.requirement_gaps,
    )


def test_a_pool_from_prepared_rows_ranks_exactly_like_one_built_from_scratch():
    # given a factory catalog: numbers, ranges, choices and flags, prices, lead times, evaluations, provinces, text
    rng = random.Random(7)
    category = CategoryFactory()
    pressure = ParameterFactory(category=category, key="max_pressure", unit="MPa")
    noise = ParameterFactory(category=category, key="noise", unit="dB", better=Parameter.Better.LOWER)
    band = ParameterFactory(category=category, key="band", unit="nm", value_type=Parameter.ValueType.RANGE)
    detector = ParameterFactory(
        category=category, key="detector", unit="", value_type=Parameter.ValueType.CHOICE, choices=["UV", "DAD", "MS"]
    )
    cooled = ParameterFactory(category=category, key="cooled", unit="", value_type=Parameter.ValueType.BOOLEAN)
    regions = [province("110000"), province("310000"), province("440000")]
    words = ["HPLC", "液相色谱", "pump", "detector", "质谱", "gradient"]
    products = []
    for i in range(40):
        product = ProductFactory(
            category=category,
            name_en=f"{rng.choice(words)} {rng.choice(words)} {i}",
            name_zh=f"{rng.choice(words)}仪",
            description_en=rng.choice(["", "for the laboratory", "gradient pump and detector"]),
            price_min=Decimal(rng.choice([100_000, 300_000, 900_000])),
            price_max=rng.choice([None, Decimal(1_200_000)]),
            lead_time_days=rng.choice([None, 20, 90, 200]),
            evaluation_score=rng.choice([None, 2.5, 4.0]),
        )
        product.provinces_served.set(rng.sample(regions, rng.randint(0, 2)))
        if rng.random() < 0.85:
            SpecificationFactory(product=product, parameter=pressure, value=float(rng.choice([20, 35, 40, 60, 100])))
        if rng.random() < 0.85:
            SpecificationFactory(product=product, parameter=noise, value=float(rng.choice([30, 45, 50, 70])))
        if rng.random() < 0.8:
            SpecificationFactory(
                product=product,
                parameter=band,
                value=None,
                value_min=float(rng.choice([180, 200, 250])),
                value_max=float(rng.choice([700, 900])),
            )
        if rng.random() < 0.8:
            SpecificationFactory(product=product, parameter=detector, value=None, value_text=rng.choice(["UV", "DAD"]))
        if rng.random() < 0.7:
            SpecificationFactory(product=product, parameter=cooled, value=None, value_bool=rng.random() < 0.5)
        products.append(product)
    demands = []
    for i in range(6):
        demand = DemandFactory(category=category, title=f"{rng.choice(words)} {rng.choice(words)}", budget=500_000)
        RequirementFactory(demand=demand, parameter=pressure, value=float(rng.choice([30, 40, 50])))
        RequirementFactory(
            demand=demand, parameter=noise, operator="<=", value=50.0, is_mandatory=i % 2 == 0, weight=2.0
        )
        RequirementFactory(
            demand=demand, parameter=band, operator="covers", value=None, value_min=200.0, value_max=800.0
        )
        RequirementFactory(
            demand=demand, parameter=detector, operator="in", value=None, value_choices=["DAD"], is_mandatory=i < 3
        )
        RequirementFactory(
            demand=demand, parameter=cooled, operator="=", value=None, value_choices=["yes"], is_mandatory=False
        )
        demands.append(demand)
    # when one pool is built from the prepared rows and another from the catalog with the text cut afresh
    pools.pool_products_refresh_all()
    prepared = pools.load_pool(category_id=category.pk)
    scratch = _pool_from_scratch(products)
    # then every demand gets the same matches, near misses, ranks, scores, components, explanations and gaps
    weights = engine.weights()
    rows = engine.demand_facts([d.pk for d in demands])
    assert len(rows) == 6
    compared = 0
    for row in rows.values():
        ours = prepared.shortlist(row.facts, weights=weights, top_n=8, near_miss_n=8)
        theirs = scratch.shortlist(row.facts, weights=weights, top_n=8, near_miss_n=8)
        assert _shortlisted(ours) == _shortlisted(theirs)
        assert prepared.score_pairs(row.facts, weights=weights) == scratch.score_pairs(row.facts, weights=weights)
        compared += len(ours.matches) + len(ours.near_misses)
    assert compared > 20
