"""Percolation answers what the search would: the database in SQL (and its portable rules), Elasticsearch by the
very query its search sends (request bodies here, live against a server when ELASTICSEARCH_URL is set)."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.conf import settings as django_settings

from alerts.es_percolator import (
    SavedSearchPercolator,
    parse_percolate,
    percolate_body,
    percolator_index_body,
    stored_query,
)
from alerts.percolate import _percolate_portable, percolate_database, search_query
from alerts.services import saved_search_create
from search.backends.elasticsearch import build_search
from search.backends.es_index import document_body, index_definition
from search.documents import documents_for
from search.selectors import search
from tests.factories import (
    CategoryFactory,
    DemandFactory,
    ImportedProductFactory,
    ManufacturerFactory,
    ProductFactory,
    UserFactory,
    province,
)
from tests.search.factories import index_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    """Products and demands of two categories, two manufacturers, prices, provinces, budgets and deadlines."""
    chroma = CategoryFactory(name_zh="色谱仪器", name_en="Chromatography")
    liquid = CategoryFactory(parent=chroma, name_zh="液相色谱", name_en="Liquid chromatography")
    optics = CategoryFactory(name_zh="光学仪器", name_en="Optics")
    maker_a, maker_b = ManufacturerFactory(), ManufacturerFactory()
    products = [
        ProductFactory(
            name_zh="高效液相色谱仪",
            name_en="HPLC system",
            model_number="LC-2030",
            category=liquid,
            manufacturer=maker_a,
            price_min=Decimal("200000"),
            price_max=Decimal("400000"),
        ),
        ProductFactory(
            name_zh="气相色谱仪",
            name_en="Gas chromatograph",
            category=chroma,
            manufacturer=maker_b,
            price_min=Decimal("100000"),
            price_max=Decimal("150000"),
        ),
        ProductFactory(
            name_zh="荧光显微镜",
            name_en="Fluorescence microscope",
            category=optics,
            manufacturer=maker_a,
            price_min=Decimal("800000"),
            price_max=Decimal("900000"),
        ),
        ImportedProductFactory(name_zh="液相色谱质谱联用仪", name_en="LC-MS", category=liquid),
    ]
    products[0].provinces_served.set([province("110000")])
    products[1].provinces_served.set([province("310000")])
    today = datetime.date.today()
    demands = [
        DemandFactory(
            title="采购高效液相色谱仪",
            category=liquid,
            budget=Decimal("500000"),
            deadline=today + datetime.timedelta(days=30),
        ),
        DemandFactory(
            title="显微镜采购",
            category=optics,
            budget=Decimal("1200000"),
            deadline=today + datetime.timedelta(days=90),
            delivery_province=province("310000"),
        ),
    ]
    index_now("products", *products)
    index_now("demands", *demands)
    return {
        "chroma": chroma,
        "liquid": liquid,
        "optics": optics,
        "a": maker_a,
        "b": maker_b,
        "products": products,
        "demands": demands,
        "today": today,
    }


def _saved(catalog):
    user = UserFactory()
    today = catalog["today"]
    specs = [
        {"kind": "products", "q": "液相色谱"},
        {"kind": "products", "q": "HPLC"},
        {"kind": "products", "q": "chromatograph"},
        {"kind": "products", "category": catalog["chroma"].pk},
        {"kind": "products", "category": catalog["liquid"].pk, "price_max": "300000"},
        {"kind": "products", "manufacturer": catalog["a"].pk},
        {"kind": "products", "province": "310000"},
        {"kind": "products", "price_min": "500000"},
        {"kind": "products", "q": "LC-2030"},
        {"kind": "products"},
        {"kind": "demands", "q": "色谱"},
        {"kind": "demands", "budget_min": "1000000"},
        {"kind": "demands", "deadline_before": (today + datetime.timedelta(days=60)).isoformat()},
        {"kind": "demands", "category": catalog["optics"].pk, "province": "310000"},
        {"kind": "demands", "q": "不存在的词"},
    ]
    return [saved_search_create(user=user, params=p) for p in specs]


def _search_answers(saved):
    """What the search itself lists for each saved search (every page)."""
    answers = set()
    for s in saved:
        query = search_query(s)
        result = search(type(query)(kind=query.kind, text=query.text, filters=query.filters, page_size=1000))
        answers |= {(s.pk, object_id) for object_id in result.ids}
    return answers


def test_database_percolation_lists_what_the_search_lists(catalog):
    # given
    saved = _saved(catalog)
    # when
    hits = {
        (h.saved_search_id, h.object_id)
        for kind in ("products", "demands")
        for h in percolate_database(kind, documents_for(kind, [r.pk for r in catalog[kind]]))
    }
    # then: the same pairs, and not trivially (every saved search of this set but the last meets something)
    assert hits == _search_answers(saved)
    by_search = {s.pk: {o for p, o in hits if p == s.pk} for s in saved}
    hplc, gc, microscope, _imported = (p.pk for p in catalog["products"])
    assert by_search[saved[0].pk] == {hplc}
    assert by_search[saved[3].pk] == {hplc, gc}  # the subtree, never the imported product
    assert by_search[saved[4].pk] == {hplc}
    assert by_search[saved[9].pk] == {hplc, gc, microscope}
    assert by_search[saved[14].pk] == set()


def test_portable_rules_give_the_database_answers(catalog):
    saved = _saved(catalog)
    for kind in ("products", "demands"):
        documents = documents_for(kind, [r.pk for r in catalog[kind]])
        assert _percolate_portable(kind, documents) == percolate_database(kind, documents)
    assert saved


def test_product_searches_are_for_domestic_products_only(catalog):
    user = UserFactory()
    with pytest.raises(Exception) as refused:
        saved_search_create(user=user, params={"kind": "products", "is_domestic": "false"})
    assert "domestic" in str(refused.value)
    saved = saved_search_create(user=user, params={"kind": "products", "q": "LC-MS"})
    assert saved.filters["is_domestic"] is True


# --- Elasticsearch: what the percolator is sent ------------------------------------------------------------------


def test_percolator_index_has_the_search_index_mapping_and_a_percolator_field():
    for kind in ("products", "demands"):
        body = percolator_index_body(kind)
        search_index = index_definition(kind, "x").to_dict()
        properties = body["mappings"]["properties"]
        assert properties["query"] == {"type": "percolator"}
        for name, mapping in search_index["mappings"]["properties"].items():
            assert properties[name] == mapping
        assert body["settings"]["analysis"] == search_index["settings"]["analysis"]


def test_stored_query_is_the_query_the_search_sends(catalog):
    for saved in _saved(catalog):
        request = build_search(search_query(saved), category_path=saved.category_path or None).to_dict()
        stored = stored_query(saved)
        assert stored["query"] == request["query"]
        assert stored["saved_search_id"] == saved.pk


def test_percolate_request_carries_the_documents_and_hits_map_back_by_slot(catalog):
    documents = documents_for("products", [p.pk for p in catalog["products"]])
    body = percolate_body(documents)
    assert body["query"]["percolate"]["field"] == "query"
    assert body["query"]["percolate"]["documents"] == [document_body(d) for d in documents]
    response = {"hits": {"hits": [{"_id": "7", "fields": {"_percolator_document_slot": [0, 2]}}]}}
    pairs = {(h.saved_search_id, h.object_id) for h in parse_percolate(response, documents)}
    assert pairs == {(7, documents[0].id), (7, documents[2].id)}


live = pytest.mark.skipif(
    not django_settings.ELASTICSEARCH_URL,
    reason="ELASTICSEARCH_URL is not set: no Elasticsearch server to run live tests against",
)


@live
@pytest.mark.elasticsearch
def test_live_percolator_answers_what_the_database_answers(catalog, settings):
    settings.SEARCH_INDEX_PREFIX = f"test-{uuid.uuid4().hex[:8]}"
    percolator = SavedSearchPercolator(django_settings.ELASTICSEARCH_URL)
    saved = _saved(catalog)
    try:
        percolator.index(saved)
        for kind in ("products", "demands"):
            documents = documents_for(kind, [r.pk for r in catalog[kind]])
            assert percolator.percolate(kind, documents) == percolate_database(kind, documents)
    finally:
        for kind in ("products", "demands"):
            percolator.drop(kind)
