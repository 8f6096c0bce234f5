"""Stable match identity: a (demand, product) pair keeps its row and id while it stays a match or near miss."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import Product
from changes.services import change_record
from matching import services
from matching.models import Match
from notifications.models import Notification
from procurement.models import Demand
from tests.factories import DemandFactory, ProductFactory, RequirementFactory, SpecificationFactory

pytestmark = pytest.mark.django_db

ROW = ("pk", "demand_id", "product_id", "is_near_miss", "rank", "score", "matched_at", "updated_at", "run_id")


def rows(**filters):
    return list(Match.objects.filter(**filters).order_by("pk").values_list(*ROW))


def ids_by_pair(demand):
    return {p: pk for pk, p in Match.objects.filter(demand=demand).values_list("pk", "product_id")}


def test_a_rerun_over_unchanged_data_changes_no_row(scene):
    # given: the demand matched by a full run
    services.match_run_full_inline()
    before = rows()
    assert len(before) == 3
    # when a full run and a one-demand run go over the same data again
    services.match_run_full_inline()
    services.match_run_demand(demand_id=scene.demand.pk)
    # then every row is as it was: same id, and not even rewritten (same run, same updated_at)
    assert rows() == before


def test_a_rerun_over_unchanged_data_sends_no_match_row_to_the_database(scene):
    from django.test.utils import CaptureQueriesContext

    def match_writes():
        with CaptureQueriesContext(connection) as queries:
            services.match_run_demand(demand_id=scene.demand.pk)
        return [q["sql"] for q in queries.captured_queries if "matching_match_incoming" in q["sql"]]

    # given the demand matched once
    services.match_run_demand(demand_id=scene.demand.pk)
    before = Match.objects.get(demand=scene.demand, product=scene.strong).score
    # when it is matched again over the same data, the stored digests say nothing changed: nothing is sent
    assert match_writes() == []
    # when a product's price changes, its pair is sent and updated in place
    Product.objects.filter(pk=scene.strong.pk).update(
        price_min=2_000_000, price_max=3_000_000, updated_at=timezone.now()
    )
    assert match_writes()
    assert Match.objects.get(demand=scene.demand, product=scene.strong).score < before


def test_a_product_edit_that_keeps_the_pair_keeps_its_id(scene, api_client, django_capture_on_commit_callbacks):
    services.match_run_demand(demand_id=scene.demand.pk)
    ids = ids_by_pair(scene.demand)
    strong = Match.objects.get(demand=scene.demand, product=scene.strong)
    api_client.force_authenticate(scene.institution_member)
    kept = api_client.get(f"/api/v1/matches/{strong.pk}/").json()
    notes = Notification.objects.count()
    # when the strong product gets cheaper than the budget allows and its pressure changes (still a match)
    with django_capture_on_commit_callbacks(execute=True):
        scene.strong.specifications.filter(parameter=scene.pressure).update(value=90.0)
        Product.objects.filter(pk=scene.strong.pk).update(price_min=1, price_max=2, updated_at=timezone.now())
        change_record(entity="product", ids=[scene.strong.pk])
    # then every pair kept its id; the edited pair was updated in place, its first-match time kept
    assert ids_by_pair(scene.demand) == ids
    after = Match.objects.get(pk=strong.pk)
    assert after.results != strong.results
    assert after.updated_at > strong.updated_at
    assert after.run_id != strong.run_id
    assert after.matched_at == strong.matched_at
    # and an API client that kept the id still reads the pair, with its new values
    again = api_client.get(f"/api/v1/matches/{strong.pk}/")
    assert again.status_code == 200
    assert (again.json()["product"], again.json()["matched_at"]) == (kept["product"], kept["matched_at"])
    assert again.json()["updated_at"] > kept["updated_at"]
    # and nobody hears of the pair again
    assert Notification.objects.count() == notes


def test_only_pairs_that_left_are_deleted_and_only_new_pairs_inserted(scene, django_capture_on_commit_callbacks):
    services.match_run_demand(demand_id=scene.demand.pk)
    ids = ids_by_pair(scene.demand)
    newcomer = ProductFactory(category=scene.leaf, name_en="HPLC newcomer")
    SpecificationFactory(product=newcomer, parameter=scene.pressure, value=70.0)
    SpecificationFactory(product=newcomer, parameter=scene.flow, value=8.0)
    # when one product is withdrawn and another published in the same batch
    with django_capture_on_commit_callbacks(execute=True):
        Product.objects.filter(pk=scene.middling.pk).update(status=Product.Status.WITHDRAWN)
        change_record(entity="product", ids=[scene.middling.pk, newcomer.pk])
    # then the withdrawn pair is gone, the new one has a new row, and the others kept theirs
    now = ids_by_pair(scene.demand)
    assert scene.middling.pk not in now
    assert now[scene.strong.pk] == ids[scene.strong.pk]
    assert now[scene.weak.pk] == ids[scene.weak.pk]
    assert now[newcomer.pk] > max(ids.values())


def test_matched_at_is_when_the_pair_first_became_a_match(scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    near = Match.objects.get(demand=scene.demand, product=scene.weak)
    # a near miss that never was a match has no match time
    assert near.is_near_miss and near.matched_at is None
    strong = Match.objects.get(demand=scene.demand, product=scene.strong)
    assert strong.matched_at is not None
    first = strong.matched_at - timedelta(days=3)
    Match.objects.filter(pk=strong.pk).update(matched_at=first)

    def set_pressure(product, value):
        product.specifications.filter(parameter=scene.pressure).update(value=value)
        services.match_run_product(product_id=product.pk)

    # when the near miss comes up to the requirement, it becomes a match now, in the same row
    set_pressure(scene.weak, 45.0)
    became = Match.objects.get(demand=scene.demand, product=scene.weak)
    assert (became.pk, became.is_near_miss) == (near.pk, False)
    assert became.matched_at is not None and became.matched_at >= near.updated_at
    # and a match that falls to a near miss and recovers keeps the time it first matched
    set_pressure(scene.strong, 20.0)
    assert Match.objects.get(pk=strong.pk).is_near_miss is True
    set_pressure(scene.strong, 100.0)
    again = Match.objects.get(pk=strong.pk)
    assert (again.is_near_miss, again.matched_at) == (False, first)


def test_writing_many_demands_takes_a_fixed_number_of_queries(scene, django_assert_max_num_queries):
    demands = [DemandFactory(category=scene.root, institution=scene.demand.institution) for _ in range(12)]
    for demand in demands:
        RequirementFactory(demand=demand, parameter=scene.pressure, operator=">=", value=40.0)
    ids = [d.pk for d in (scene.demand, *demands)]
    services.match_run_demands(demand_ids=ids, trigger="command")
    before = rows()
    # a product edit re-ranks every demand: updating, inserting and deleting are bulk, not one query per row
    scene.weak.specifications.filter(parameter=scene.pressure).update(value=200.0)
    Product.objects.filter(pk=scene.strong.pk).update(status=Product.Status.WITHDRAWN)
    with django_assert_max_num_queries(40):
        services.match_run_demands(demand_ids=ids, trigger="command")
    after = {(d, p): pk for pk, d, p, *_rest in rows()}
    kept = {(d, p): pk for pk, d, p, *_rest in before if p != scene.strong.pk}
    assert after == kept
    assert Demand.objects.filter(pk__in=ids).count() == 13


def test_the_portable_write_path_keeps_ids_too(scene, monkeypatch):
    services.match_run_demand(demand_id=scene.demand.pk)
    before = rows()
    monkeypatch.setattr(connection, "vendor", "sqlite")
    services.match_run_demand(demand_id=scene.demand.pk)
    assert rows() == before
    scene.weak.specifications.filter(parameter=scene.pressure).update(value=200.0)
    services.match_run_product(product_id=scene.weak.pk)
    assert {pk for pk, *_ in rows()} == {pk for pk, *_ in before}
    assert Match.objects.get(demand=scene.demand, product=scene.weak).is_near_miss is False


def test_a_digest_of_another_kind_is_replaced_without_rewriting_the_row(scene):
    from django.test.utils import CaptureQueriesContext

    # given the demand matched, then its stored digests made by some other rule (an older digest, another Python)
    services.match_run_demand(demand_id=scene.demand.pk)
    before = rows()
    computed = dict(Match.objects.values_list("pk", "digest"))
    Match.objects.update(digest=1)
    # when it is matched again over the same data, every row is sent (its digest differs) ...
    services.match_run_demand(demand_id=scene.demand.pk)
    # ... then each got its digest back and nothing else: same run, same updated_at
    assert rows() == before
    assert dict(Match.objects.values_list("pk", "digest")) == computed
    # and the next run sends nothing at all
    with CaptureQueriesContext(connection) as queries:
        services.match_run_demand(demand_id=scene.demand.pk)
    assert not [q for q in queries.captured_queries if "matching_match_incoming" in q["sql"]]


def test_row_digest_depends_on_the_values_alone():
    import numpy as np

    from matching.engine import row_digest

    def fields(score=0.5, strongest="price"):
        # built anew each time: equal values in other objects
        return (False, 1, score, {"price": 1.0, "text": 0.25}, "".join([strongest]), [{"r": 1, "s": "pass"}], 0, None)

    assert row_digest(fields()) == row_digest(fields())
    assert row_digest(fields(score=0.5000001)) != row_digest(fields())
    assert row_digest(fields(strongest="text")) != row_digest(fields())
    # an integer is not the float it equals (JSON would write 1 and 1.0 apart too)
    assert row_digest(fields(score=1)) != row_digest(fields(score=1.0))
    # a value marshal refuses still has a digest of its own
    assert row_digest(fields(score=np.float64(0.5))) == row_digest(fields(score=np.float64(0.5)))


def test_match_components_and_results_are_stored_as_the_json_written(scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    match = Match.objects.get(demand=scene.demand, product=scene.strong)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = %s AND column_name = ANY(%s)",
            [Match._meta.db_table, ["components", "results"]],
        )
        assert [t for (t,) in cursor.fetchall()] == ["json", "json"]
    # read back as the engine wrote them, keys in the engine's order
    from matching import scoring

    assert list(match.components) == list(scoring.COMPONENTS)
    assert [r["r"] for r in match.results] == sorted(r["r"] for r in match.results)
    assert all(set(r) >= {"r", "p", "s"} for r in match.results)
