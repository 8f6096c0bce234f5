"""Candidate pools built from data kept ready: product tokens cut once and refreshed through the change outbox."""

from __future__ import annotations

import pytest

from catalog.models import Product
from changes.consume import changes_consume
from changes.services import change_record
from matching import engine, pools, services
from matching import scoring as s
from matching.models import ProductTokens

pytestmark = pytest.mark.django_db


def kept_tokens(product):
    return set(ProductTokens.objects.get(product=product).tokens.split())


def test_a_pool_is_built_without_cutting_text_kept_ready(scene, monkeypatch):
    # given the products' tokens were cut when they changed
    pools.tokens_refresh(product_ids=[scene.strong.pk, scene.weak.pk, scene.middling.pk])
    assert "strong" in kept_tokens(scene.strong)
    cut = []
    real = s.text_tokens

    def counting(text):
        cut.append(text)
        return real(text)

    monkeypatch.setattr(s, "text_tokens", counting)
    # when a pool is read
    pool = pools.load_pool(category_id=scene.root.pk)
    # then no product text was cut again, and the pool ranks by the kept tokens
    assert cut == []
    assert len(pool) == 3


def test_a_product_change_refreshes_its_tokens_through_the_outbox(scene, django_capture_on_commit_callbacks):
    pools.tokens_refresh(product_ids=[scene.strong.pk])
    with django_capture_on_commit_callbacks(execute=True):
        Product.objects.filter(pk=scene.strong.pk).update(name_en="Gradient pump")
        change_record(entity="product", ids=[scene.strong.pk])
    changes_consume(consumer_name="matching")
    assert {"gradient", "pump"} <= kept_tokens(scene.strong)
    assert "strong" not in kept_tokens(scene.strong)


def test_an_outdated_row_is_cut_again_and_repaired_when_a_pool_is_read(scene):
    # given a row cut before the product's text changed, with no change reported
    pools.tokens_refresh(product_ids=[scene.weak.pk])
    Product.objects.filter(pk=scene.weak.pk).update(name_en="Ultra HPLC")
    # when a pool is read, the text itself decides: the row is outdated, so the text is cut now and kept
    pools.load_pool(category_id=scene.root.pk)
    assert "ultra" in kept_tokens(scene.weak)
    assert ProductTokens.objects.filter(product__in=[scene.strong, scene.weak, scene.middling]).count() == 3


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
