"""Matching as a consumer of the change outbox: batches per category subtree, idempotent, durable across outages."""

from __future__ import annotations

import pytest
from django.db import transaction

from changes.consume import changes_consume
from changes.models import ChangeDelivery
from changes.services import change_record
from changes.tasks import consume, sweep
from matching.models import Match, MatchRun
from procurement import services as procurement
from procurement.requirement_rules import RequirementInput
from tests.factories import ProductFactory, SpecificationFactory


def pending_for_matching() -> int:
    return ChangeDelivery.objects.filter(consumer="matching", done_at__isnull=True).count()


def test_a_bulk_change_of_many_products_is_one_run_for_their_subtree(scene):
    # given: twelve new products in the leaf category, all changed in one transaction (a bulk import)
    products = [ProductFactory(category=scene.leaf) for _ in range(12)]
    for product in products:
        SpecificationFactory(product=product, parameter=scene.pressure, value=80.0)
    change_record(entity="product", ids=[p.pk for p in products])
    # when matching takes its changes
    report = changes_consume(consumer_name="matching")
    # then one batch made one run, re-matching the root category's demand once
    assert (report.batches, report.changes) == (1, 12)
    run = MatchRun.objects.get()
    assert (run.kind, run.category_id, run.demands_count) == (MatchRun.Kind.CATEGORY, scene.leaf.pk, 1)
    assert Match.objects.filter(demand=scene.demand, product__in=products).exists()


def test_a_redelivered_batch_changes_nothing(scene):
    change_record(entity="product", ids=[scene.strong.pk, scene.weak.pk])
    assert consume.apply(args=["matching"]).get() == 2
    before = list(Match.objects.order_by("pk").values_list("pk", "rank", "score", "matched_at", "run_id"))
    # when the broker delivers the same task again
    assert consume.apply(args=["matching"]).get() == 0
    # then no run was added and no match row was touched
    assert MatchRun.objects.count() == 1
    assert list(Match.objects.order_by("pk").values_list("pk", "rank", "score", "matched_at", "run_id")) == before


def test_a_draft_product_nobody_matched_makes_no_run(scene):
    draft = ProductFactory(category=scene.leaf, status="draft", published_at=None)
    change_record(entity="product", ids=[draft.pk])
    assert changes_consume(consumer_name="matching").changes == 1
    assert not MatchRun.objects.exists()
    assert pending_for_matching() == 0


def test_a_document_upload_does_not_concern_matching(scene):
    change_record(entity="product", ids=[scene.strong.pk], fields=["documents"])
    assert pending_for_matching() == 0
    assert ChangeDelivery.objects.filter(consumer="search").count() == 1


def test_a_failing_run_leaves_its_batch_pending_and_writes_nothing(scene, monkeypatch):
    # given: the engine fails in the middle of the batch (a bug in the run, say)
    from matching import engine

    def broken(**kwargs):
        raise RuntimeError("engine failed")

    monkeypatch.setattr(engine, "match_demand_ids", broken)
    change_record(entity="demand", ids=[scene.demand.pk])
    with pytest.raises(RuntimeError):
        changes_consume(consumer_name="matching")
    # then nothing of the run was kept and the change waits for the next attempt, with the error
    assert not MatchRun.objects.exists()
    delivery = ChangeDelivery.objects.get(consumer="matching")
    assert delivery.done_at is None and delivery.claim_token is None
    assert "engine failed" in delivery.last_error


def test_a_broker_outage_during_a_demand_change_loses_no_rematch(
    scene, unreachable_broker, django_capture_on_commit_callbacks
):
    # given: an open demand and a broker that refuses connections
    researcher = scene.institution_member
    # when: the buyer revises the demand while the broker is down, and the transaction commits
    with django_capture_on_commit_callbacks(execute=True) as kicks, transaction.atomic():
        procurement.demand_revise(
            demand=scene.demand,
            user=researcher,
            requirements=[RequirementInput("max_pressure", ">=", value=50, unit="MPa")],
            reason="Higher pressure",
        )
    # then: the revision stands, no run happened (the kicks could not be queued), the change is kept
    assert kicks
    scene.demand.refresh_from_db()
    assert scene.demand.revision == 1
    assert not MatchRun.objects.exists()
    assert pending_for_matching() == 1
    # when: the periodic sweep runs (its beat entry is a few minutes away)
    handled = sweep.apply().get()
    # then: the demand is re-matched against its new requirement
    assert handled["matching"] == 1
    run = MatchRun.objects.get()
    assert (run.kind, run.demand_id, run.status) == (MatchRun.Kind.DEMAND, scene.demand.pk, MatchRun.Status.SUCCEEDED)
    matched = set(Match.objects.filter(demand=scene.demand, is_near_miss=False).values_list("product_id", flat=True))
    assert matched == {scene.strong.pk, scene.middling.pk}  # 100 and 60 MPa meet 50 MPa; 30 MPa does not
    assert pending_for_matching() == 0
