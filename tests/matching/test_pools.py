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
from matching.models import PoolProduct, PoolStack
from matching.vector import SPEC_FIELDS, CandidatePool, StackedProducts, token_hashes
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


# --- Stacked categories ----------------------------------------------------------------------------------------


def same_pool(ours, theirs):
    """Two pools hold the same arrays: products, figures, tokens, provinces and every parameter's columns."""
    assert ours.ids.tolist() == theirs.ids.tolist()
    for name in ("price", "lead", "evaluation", "_token_starts", "_token_hashes", "no_provinces", "evaluation_score"):
        assert np.array_equal(getattr(ours, name), getattr(theirs, name), equal_nan=True), name
    assert {k: v.tolist() for k, v in ours._served.items()} == {k: v.tolist() for k, v in theirs._served.items()}
    assert ours.columns.keys() == theirs.columns.keys()
    for pid, column in ours.columns.items():
        other = theirs.columns[pid]
        for name in ("low", "high", "flag", "codes"):
            assert np.array_equal(getattr(column, name), getattr(other, name), equal_nan=True), (pid, name)
        assert (column.choices, column.folded) == (other.choices, other.folded)


def pool_from_rows(category):
    """The pool as read from the products' own rows, no stack involved."""
    return pools._read_pool(pools.candidate_products_q(pools.subtree_category_ids(category.pk)))


def stacked_ids(category):
    row = PoolStack.objects.filter(category=category).first()
    return [] if row is None else np.frombuffer(bytes(row.product_ids), dtype=">i8").tolist()


def test_a_category_stack_holds_its_own_candidates_and_follows_them_through_the_outbox(scene):
    # given the scene's rows prepared: each category stacks its own published domestic products
    pools.pool_products_refresh_all()
    assert stacked_ids(scene.leaf) == sorted([scene.strong.pk, scene.weak.pk])
    assert stacked_ids(scene.root) == [scene.middling.pk]
    same_pool(pools.load_pool(category_id=scene.root.pk), pool_from_rows(scene.root))
    # when a product's specification changes and the outbox is consumed
    Specification.objects.filter(product=scene.weak, parameter=scene.pressure).update(value=90.0)
    Product.objects.filter(pk=scene.weak.pk).update(updated_at=timezone.now())
    change_record(entity="product", ids=[scene.weak.pk])
    changes_consume(consumer_name="matching")
    # then the leaf's stack holds the new value, and a pool from the stacks is the pool from the rows
    row = PoolStack.objects.get(category=scene.leaf)
    at = stacked_ids(scene.leaf).index(scene.weak.pk)
    table = np.frombuffer(bytes(row.specifications), dtype="<f8").reshape(-1, SPEC_FIELDS)
    assert 90.0 in table[table[:, 0] == scene.pressure.pk, 1].tolist() and at >= 0
    pool = pools.load_pool(category_id=scene.root.pk)
    assert pool.columns[scene.pressure.pk].low[list(pool.ids).index(scene.weak.pk)] == 90.0
    same_pool(pool, pool_from_rows(scene.root))
    # when a product is withdrawn, it leaves its category's stack
    product_withdraw(product=scene.strong, user=scene.maker_member)
    changes_consume(consumer_name="matching")
    assert stacked_ids(scene.leaf) == [scene.weak.pk]
    same_pool(pools.load_pool(category_id=scene.root.pk), pool_from_rows(scene.root))


def test_a_pool_reads_a_product_from_its_row_while_its_stack_is_older_than_the_product(scene):
    # given stacks prepared, then a product changed a moment ago and its change not yet taken from the outbox
    pools.pool_products_refresh_all()
    Product.objects.filter(pk=scene.strong.pk).update(name_en="Ultra HPLC", updated_at=timezone.now())
    Specification.objects.filter(product=scene.strong, parameter=scene.pressure).update(value=120.0)
    # and a figure changed without a new updated_at (an evaluation)
    Product.objects.filter(pk=scene.middling.pk).update(evaluation_score=4.5)
    # when a pool is read, the stale product comes from its (prepared again) row, the figures as they are now
    pool = pools.load_pool(category_id=scene.root.pk)
    assert pool.columns[scene.pressure.pk].low[list(pool.ids).index(scene.strong.pk)] == 120.0
    assert holds_tokens(scene.strong, "ultra")
    assert pool.evaluation[list(pool.ids).index(scene.middling.pk)] == 4.5
    same_pool(pool, pool_from_rows(scene.root))


def test_a_product_that_became_a_candidate_without_a_change_is_still_in_the_pool(scene):
    # given stacks prepared, then a product published behind the services' back (no new updated_at, no outbox)
    draft = ProductFactory(category=scene.leaf, manufacturer=scene.strong.manufacturer, status=Product.Status.DRAFT)
    SpecificationFactory(product=draft, parameter=scene.pressure, value=75.0)
    pools.pool_products_refresh_all()
    assert draft.pk not in stacked_ids(scene.leaf)
    Product.objects.filter(pk=draft.pk).update(status=Product.Status.PUBLISHED)
    # when a pool is read, the product is a candidate: it comes from its row
    pool = pools.load_pool(category_id=scene.root.pk)
    assert pool.columns[scene.pressure.pk].low[list(pool.ids).index(draft.pk)] == 75.0
    same_pool(pool, pool_from_rows(scene.root))


def test_a_pool_without_stacks_is_read_from_its_rows_and_stacks_them(scene):
    # given rows prepared but no stack (a deployment before its backfill)
    pools.pool_products_refresh_all()
    PoolStack.objects.all().delete()
    # when a pool is read, it is the pool of the rows, and the stacks are built for the next read
    same_pool(pools.load_pool(category_id=scene.root.pk), pool_from_rows(scene.root))
    assert stacked_ids(scene.leaf) == sorted([scene.strong.pk, scene.weak.pk])
    same_pool(pools.load_pool(category_id=scene.root.pk), pool_from_rows(scene.root))


def test_a_product_in_two_stacks_after_a_move_is_read_once_from_its_row(scene):
    # given stacks prepared, then a product moved to the root (in bulk, its updated_at kept) and its row prepared
    # again with a new value, with only the root's stack rebuilt: the leaf's stack holds its earlier preparation
    pools.pool_products_refresh_all()
    Product.objects.filter(pk=scene.strong.pk).update(category=scene.root)
    Specification.objects.filter(product=scene.strong, parameter=scene.pressure).update(value=140.0)
    pools._refresh_rows([scene.strong.pk])
    pools.pool_stacks_refresh(category_ids=[scene.root.pk])
    assert scene.strong.pk in stacked_ids(scene.leaf) and scene.strong.pk in stacked_ids(scene.root)
    # when the root's pool is read, the product is in it once, as its row holds it
    pool = pools.load_pool(category_id=scene.root.pk)
    assert list(pool.ids).count(scene.strong.pk) == 1
    assert pool.columns[scene.pressure.pk].low[list(pool.ids).index(scene.strong.pk)] == 140.0
    same_pool(pool, pool_from_rows(scene.root))
    same_pool(pools.load_pool(category_id=scene.leaf.pk), pool_from_rows(scene.leaf))


def test_a_large_stacked_pool_equals_the_pool_of_its_rows():
    # given a catalog of two categories with numbers, ranges, choices, flags, provinces and text
    rng = random.Random(11)
    root = CategoryFactory()
    leaves = [CategoryFactory(parent=root), CategoryFactory(parent=root)]
    pressure = ParameterFactory(category=root, key="max_pressure", unit="MPa")
    band = ParameterFactory(category=root, key="band", unit="nm", value_type=Parameter.ValueType.RANGE)
    detector = ParameterFactory(
        category=root, key="detector", unit="", value_type=Parameter.ValueType.CHOICE, choices=["UV", "DAD", "MS"]
    )
    cooled = ParameterFactory(category=root, key="cooled", unit="", value_type=Parameter.ValueType.BOOLEAN)
    regions = [province("110000"), province("310000"), province("440000")]
    for i in range(30):
        product = ProductFactory(
            category=rng.choice([root, *leaves]),
            name_en=f"{rng.choice(['HPLC', 'pump', '质谱'])} {i}",
            price_min=Decimal(rng.choice([100_000, 300_000])),
            lead_time_days=rng.choice([None, 20]),
            evaluation_score=rng.choice([None, 2.5]),
        )
        product.provinces_served.set(rng.sample(regions, rng.randint(0, 3)))
        if rng.random() < 0.8:
            SpecificationFactory(product=product, parameter=pressure, value=float(rng.choice([20, 35, 60])))
        if rng.random() < 0.6:
            SpecificationFactory(product=product, parameter=band, value=None, value_min=200.0, value_max=800.0)
        if rng.random() < 0.7:
            SpecificationFactory(product=product, parameter=detector, value=None, value_text=rng.choice(["UV", "DAD"]))
        if rng.random() < 0.5:
            SpecificationFactory(product=product, parameter=cooled, value=None, value_bool=rng.random() < 0.5)
    # when pools are read from the stacks and from the rows
    pools.pool_products_refresh_all()
    assert PoolStack.objects.count() == 3
    # then they are the same, for the subtree and each category, and so is each one's shared copy
    for category in (root, *leaves):
        pool = pools.load_pool(category_id=category.pk)
        same_pool(pool, pool_from_rows(category))
        plain = pool.stacked.to_plain()
        assert {type(value) for value in plain.values()} <= {bytes, str}
        same_pool(CandidatePool.from_stacked(StackedProducts.from_plain(plain)), pool)


def test_a_warm_pool_checks_it_is_current_from_the_candidates_index_alone():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a category subtree with published domestic products, an imported one and a draft
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    for category in (parent, child, child):
        ProductFactory(category=category)
    ProductFactory(category=child, country_of_origin="DE", is_domestic=False)
    ProductFactory(category=child, status=Product.Status.DRAFT)
    # when a warm pool asks whether it is current (the candidates' number and latest change)
    ids = pools.subtree_category_ids(parent.pk)
    with CaptureQueriesContext(connection) as queries:
        fingerprint = pools._pool_fingerprint(parent.pk, ids)
    # then it counts the three candidates, and the planner can answer from the candidates index without the rows
    assert fingerprint[1] == 3
    [sql] = [q["sql"] for q in queries.captured_queries if "COUNT" in q["sql"]]
    with connection.cursor() as cursor:
        # A table this small may be read any way at all: with the other plain indexes dropped (inside the test's
        # transaction, rolled back) and no table or bitmap scan, the plan shows whether this index answers alone.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'catalog_product' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'catalog_product'::regclass) "
            "AND indexname <> 'catalog_product_candidates'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using catalog_product_candidates" in plan


def test_a_worker_keeps_its_most_recently_used_pools_within_the_product_budget(settings):
    # given three categories of two products each, and room for four products' pools
    a, b, c = (CategoryFactory() for _ in range(3))
    for category in (a, b, c):
        ProductFactory.create_batch(2, category=category)
    settings.MATCHING_POOL_CACHE_PRODUCTS = 4
    pools._POOLS.clear()
    # when A and B are read, A used again, then C read
    first = pools.warm_pool(category_id=a.pk)
    pools.warm_pool(category_id=b.pk)
    assert pools.warm_pool(category_id=a.pk) is first
    pools.warm_pool(category_id=c.pk)
    # then B, the least recently used, is forgotten, and A is still this worker's own copy
    assert list(pools._POOLS) == [a.pk, c.pk]
    assert pools.warm_pool(category_id=a.pk) is first
    # and a pool larger than the whole budget is still kept, alone
    settings.MATCHING_POOL_CACHE_PRODUCTS = 1
    pools.warm_pool(category_id=b.pk)
    assert list(pools._POOLS) == [b.pk]
