"""The Elasticsearch backend: index definition, request bodies, response parsing, indexing and rebuild calls.

No cluster runs here, so these tests check what the backend would send; the tests marked ``elasticsearch``
run the same paths against a real server when ELASTICSEARCH_URL is set.
"""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.conf import settings as django_settings

from catalog.search import product_documents
from search.backends import SearchUnavailable, get_backend
from search.backends.elasticsearch import (
    ElasticsearchBackend,
    alias_name,
    build_search,
    parse_response,
)
from search.backends.es_index import document_body, index_definition
from search.selectors import SearchQuery
from tests.factories import ProductFactory, SpecificationFactory

# --- Index definition -----------------------------------------------------------------------------------


def products_index() -> dict:
    return index_definition("products", "instruments-products-20260101").to_dict()


def test_chinese_analysis_is_cjk_width_then_bigrams_without_plugins():
    analysis = products_index()["settings"]["analysis"]
    assert analysis["analyzer"]["cjk_index"] == {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["cjk_width", "lowercase", "cjk_bigram"],
    }
    # unigrams serve one-character queries
    assert analysis["analyzer"]["cjk_unigram"]["filter"] == ["cjk_width", "lowercase"]


def test_search_analyzers_apply_the_synonym_file_before_bigrams():
    analysis = products_index()["settings"]["analysis"]
    assert analysis["analyzer"]["cjk_search"]["filter"] == [
        "cjk_width",
        "lowercase",
        "instrument_synonyms",
        "cjk_bigram",
    ]
    assert "instrument_synonyms" in analysis["analyzer"]["english_search"]["filter"]
    synonyms = analysis["filter"]["instrument_synonyms"]
    assert synonyms["type"] == "synonym_graph"
    hplc = next(rule for rule in synonyms["synonyms"] if rule.startswith("hplc,"))
    assert "高效液相色谱仪" in hplc and "high performance liquid chromatograph" in hplc
    for abbreviation in ("gc", "gc ms", "lc ms", "icp ms", "icp oes", "sem", "tem", "xrd", "xrf", "nmr", "ftir"):
        assert any(rule.startswith(abbreviation + ",") for rule in synonyms["synonyms"]), abbreviation


def test_text_fields_have_unigram_and_english_sub_fields():
    mapping = products_index()["mappings"]["properties"]
    name = mapping["name_zh"]
    assert (name["type"], name["analyzer"], name["search_analyzer"]) == ("text", "cjk_index", "cjk_search")
    assert name["fields"]["unigram"] == {"type": "text", "analyzer": "cjk_unigram"}
    assert name["fields"]["en"] == {"type": "text", "analyzer": "english_index", "search_analyzer": "english_search"}
    assert mapping["description_en"]["fields"].keys() == {"unigram", "en"}


def test_model_number_has_a_normalized_keyword_sub_field():
    index = products_index()
    keyword = index["mappings"]["properties"]["model_number"]["fields"]["keyword"]
    assert keyword == {"type": "keyword", "normalizer": "model_number_normalizer"}
    normalizer = index["settings"]["analysis"]["normalizer"]["model_number_normalizer"]
    assert normalizer["filter"] == ["lowercase"]
    assert index["settings"]["analysis"]["char_filter"]["drop_separators"]["type"] == "pattern_replace"


def test_filter_and_facet_fields_are_typed_and_specifications_map_dynamically():
    mappings = products_index()["mappings"]
    props = mappings["properties"]
    assert props["category_path"]["type"] == "keyword"
    assert props["provinces"]["type"] == "keyword"
    assert props["is_domestic"]["type"] == "boolean"
    assert props["price_min"]["type"] == "double"
    assert {"spec_numbers": {"path_match": "spec.*", "mapping": {"type": "double"}}} in mappings["dynamic_templates"]


def test_demand_index_has_its_own_fields():
    props = index_definition("demands", "x").to_dict()["mappings"]["properties"]
    assert props["title"]["analyzer"] == "cjk_index"
    assert props["budget"]["type"] == "double"
    assert props["deadline"]["type"] == "date"


@pytest.mark.django_db
def test_document_body_carries_typed_specifications():
    # given
    spec = SpecificationFactory(value=40.0)
    range_spec = SpecificationFactory(product=spec.product, value=None, value_min=190.0, value_max=900.0)
    # when
    (doc,) = product_documents([spec.product.pk])
    body = document_body(doc)
    # then
    assert body["spec"] == {
        spec.parameter.key: 40.0,
        f"{range_spec.parameter.key}_min": 190.0,
        f"{range_spec.parameter.key}_max": 900.0,
    }
    assert body["name_zh"] == spec.product.name_zh
    assert body["price_min"] == 300000.0
    assert body["is_domestic"] is True


# --- Request bodies ---------------------------------------------------------------------------------------


def body(query: SearchQuery, category_path: str | None = None) -> dict:
    return build_search(query, category_path=category_path).to_dict()


def test_chinese_query_body_searches_weighted_fields_with_filters_facets_and_highlights():
    query = SearchQuery(
        kind="products",
        text="液相色谱",
        filters={"category": 7, "is_domestic": True, "province": "110000", "manufacturer": 3, "price_max": 5e5},
        facets=("category", "domestic", "province", "manufacturer"),
        page=2,
        page_size=10,
    )
    sent = body(query, category_path="A/A01")
    should = sent["query"]["bool"]["must"][0]["bool"]["should"]
    assert should[0]["multi_match"]["fields"][:3] == ["name_zh^4", "name_en^4", "model_number^3"]
    assert should[0]["multi_match"]["operator"] == "and"
    assert should[1]["multi_match"]["fields"][0] == "name_zh.en^4"
    assert should[-1] == {"term": {"model_number.keyword": {"value": "液相色谱", "boost": 100}}}
    assert sent["query"]["bool"]["filter"] == [
        {"bool": {"should": [{"term": {"category_path": "A/A01"}}, {"prefix": {"category_path": "A/A01/"}}]}},
        {"term": {"provinces": "110000"}},
        {"term": {"status": "published"}},
        {"term": {"is_domestic": True}},
        {"term": {"manufacturer_id": 3}},
        {"range": {"price_min": {"lte": 500000.0}}},
    ]
    assert sent["aggs"] == {
        "category": {"terms": {"field": "category_id", "size": 30}},
        "domestic": {"terms": {"field": "is_domestic", "size": 30}},
        "province": {"terms": {"field": "provinces", "size": 30}},
        "manufacturer": {"terms": {"field": "manufacturer_id", "size": 30}},
    }
    assert sent["highlight"]["pre_tags"] == ["<mark>"]
    assert "name_zh" in sent["highlight"]["fields"]
    assert (sent["from"], sent["size"]) == (10, 10)
    # Domestic first, then relevance: an imported product never ranks above a domestic one by default.
    assert sent["sort"][:2] == [{"is_domestic": {"order": "desc", "missing": "_last"}}, "_score"]
    assert sent["track_total_hits"] is True


def test_model_number_query_body_boosts_the_normalized_exact_model():
    sent = body(SearchQuery(kind="products", text="LC-2030 C"))
    should = sent["query"]["bool"]["must"][0]["bool"]["should"]
    assert {"term": {"model_number.keyword": {"value": "lc2030c", "boost": 100}}} in should


def test_one_character_query_body_uses_the_unigram_sub_fields():
    sent = body(SearchQuery(kind="products", text="泵"))
    match = sent["query"]["bool"]["must"][0]["multi_match"]
    assert match["query"] == "泵"
    assert all(".unigram^" in f for f in match["fields"])


def test_browsing_without_text_sorts_domestic_then_by_date_and_has_no_highlight():
    sent = body(SearchQuery(kind="products"))
    assert "must" not in sent["query"]["bool"]
    assert sent["sort"][:2] == [
        {"is_domestic": {"order": "desc", "missing": "_last"}},
        {"sort_date": {"order": "desc", "missing": "_last"}},
    ]
    assert "highlight" not in sent
    assert body(SearchQuery(kind="demands"))["sort"][0] == {"sort_date": {"order": "desc", "missing": "_last"}}


@pytest.mark.parametrize(
    ("kind", "sort", "first"),
    [
        ("products", "price", {"price_min": {"order": "asc", "missing": "_last"}}),
        ("products", "-price", {"price_min": {"order": "desc", "missing": "_last"}}),
        ("products", "newest", {"sort_date": {"order": "desc", "missing": "_last"}}),
        ("demands", "deadline", {"deadline": {"order": "asc", "missing": "_last"}}),
        ("demands", "-budget", {"budget": {"order": "desc", "missing": "_last"}}),
    ],
)
def test_an_explicit_sort_comes_first_even_with_words(kind, sort, first):
    sent = body(SearchQuery(kind=kind, text="色谱", sort=sort))
    assert sent["sort"][0] == first and "_score" not in sent["sort"]
    assert sent["sort"][-1] == {"object_id": "asc"}


def test_demand_query_body_filters_budget_deadline_and_open_status():
    query = SearchQuery(
        kind="demands",
        text="质谱",
        filters={
            "budget_min": 100,
            "budget_max": 900,
            "deadline_after": datetime.date(2026, 1, 1),
            "deadline_before": datetime.date(2026, 6, 30),
            "province": "440000",
        },
        facets=("category", "province", "manufacturer"),
    )
    sent = body(query)
    assert sent["query"]["bool"]["filter"] == [
        {"term": {"provinces": "440000"}},
        {"term": {"status": "open"}},
        {"range": {"budget": {"gte": 100.0, "lte": 900.0}}},
        {"range": {"deadline": {"gte": "2026-01-01", "lte": "2026-06-30"}}},
    ]
    # manufacturer is not a demand facet
    assert set(sent["aggs"]) == {"category", "province"}
    assert sent["query"]["bool"]["must"][0]["bool"]["should"][0]["multi_match"]["fields"][0] == "title^4"


def test_unknown_category_matches_nothing():
    sent = body(SearchQuery(kind="products", text="x", filters={"category": 1}), category_path=None)
    assert {"match_none": {}} in sent["query"]["bool"]["filter"]


def test_parse_response_reads_ids_total_facets_and_merges_sub_field_highlights():
    response = {
        "hits": {
            "total": {"value": 42, "relation": "eq"},
            "hits": [
                {
                    "_id": "5",
                    "highlight": {"name_zh": ["高效<mark>液相</mark>"], "name_zh.unigram": ["高效<mark>液相</mark>"]},
                },
                {"_id": "3"},
            ],
        },
        "aggregations": {
            "domestic": {"buckets": [{"key": 1, "key_as_string": "true", "doc_count": 40}]},
            "province": {"buckets": [{"key": "110000", "doc_count": 7}]},
        },
    }
    result = parse_response(SearchQuery(kind="products", text="液相"), response)
    assert result.ids == [5, 3]
    assert result.total == 42
    assert result.facets == {"domestic": [("true", 40)], "province": [("110000", 7)]}
    assert result.highlights == {5: {"name_zh": ["高效<mark>液相</mark>"]}}


# --- Calls to the cluster (client mocked) -------------------------------------------------------------------


def test_get_backend_follows_settings(settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://search.example:9200"
    backend = get_backend()
    assert backend.name == "elasticsearch"
    assert backend.url == "http://search.example:9200"


def test_ping_raises_when_the_cluster_does_not_answer():
    client = mock.Mock()
    client.ping.return_value = False
    with pytest.raises(SearchUnavailable):
        ElasticsearchBackend("http://es:9200", client=client).ping()


def test_unreachable_cluster_raises_search_unavailable():
    backend = ElasticsearchBackend("http://127.0.0.1:9")
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(kind="products", text="x"))


@pytest.mark.django_db
def test_index_sends_index_actions_for_published_and_deletes_for_the_rest():
    # given
    published = ProductFactory()
    draft = ProductFactory(status="draft")
    client = mock.Mock()
    client.indices.exists_alias.return_value = True
    backend = ElasticsearchBackend("http://es:9200", client=client)
    sent: list[dict] = []

    def fake_bulk(client, actions, **kwargs):
        for action in actions:
            sent.append(action)
            yield True, {action["_op_type"]: {"_id": action["_id"], "status": 200}}

    # when
    with mock.patch("search.backends.elasticsearch.helpers.streaming_bulk", fake_bulk):
        backend.index("products", [published.pk, draft.pk])
    # then
    alias = alias_name("products")
    assert [(a["_op_type"], a["_index"], a["_id"]) for a in sent] == [
        ("index", alias, str(published.pk)),
        ("delete", alias, str(draft.pk)),
    ]
    assert sent[0]["_source"]["model_number"] == published.model_number


@pytest.mark.django_db
def test_rebuild_fills_a_new_index_swaps_the_alias_atomically_then_replays():
    # given
    product = ProductFactory()
    client = mock.Mock()
    client.indices.exists_alias.return_value = True
    client.indices.get_alias.return_value.body = {"instruments-products-old": {"aliases": {}}}
    backend = ElasticsearchBackend("http://es:9200", client=client)
    written: list[str] = []

    def fake_bulk(client, actions, **kwargs):
        for action in actions:
            written.append(action["_index"])
            yield True, {"index": {"_id": action["_id"], "status": 201}}

    replay = mock.Mock(return_value=[product.pk])
    # when
    with mock.patch("search.backends.elasticsearch.helpers.streaming_bulk", fake_bulk):
        report = backend.rebuild("products", replay=replay)
    # then
    new = report.index_name
    assert new.startswith(alias_name("products") + "-")
    client.indices.create.assert_called_once()
    assert client.indices.create.call_args.kwargs["index"] == new
    client.indices.update_aliases.assert_called_once_with(
        actions=[
            {"remove": {"index": "instruments-products-old", "alias": alias_name("products")}},
            {"add": {"index": new, "alias": alias_name("products")}},
        ]
    )
    # the bulk load went to the new index, the replay (after the swap) through the alias
    assert written == [new, alias_name("products")]
    assert (report.indexed, report.replayed) == (1, 1)
    client.indices.delete.assert_called_once_with(index="instruments-products-old")


# --- Live cluster -----------------------------------------------------------------------------------------

live = pytest.mark.skipif(
    not django_settings.ELASTICSEARCH_URL,
    reason="ELASTICSEARCH_URL is not set: no Elasticsearch server to run live tests against",
)


@pytest.fixture
def live_backend(settings):
    import uuid

    settings.SEARCH_INDEX_PREFIX = f"test-{uuid.uuid4().hex[:8]}"
    backend = ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    yield backend
    # Wildcard deletes are refused by default (action.destructive_requires_name): delete by name.
    for name in backend.client.indices.get(index=f"{settings.SEARCH_INDEX_PREFIX}-*").body:
        backend.client.indices.delete(index=name)


@live
@pytest.mark.elasticsearch
@pytest.mark.django_db
def test_live_search_finds_chinese_synonyms_models_and_single_characters(live_backend):
    # given
    hplc = ProductFactory(name_zh="高效液相色谱仪", name_en="", model_number="LC-2030")
    pump = ProductFactory(name_zh="真空泵", name_en="", model_number="VP-1")
    live_backend.ping()
    live_backend.rebuild("products", replay=list)
    live_backend.client.indices.refresh(index=alias_name("products"))

    def ids(text: str) -> list[int]:
        return live_backend.search(SearchQuery(kind="products", text=text, facets=("domestic",))).ids

    # then
    assert ids("液相色谱") == [hplc.pk]
    assert ids("HPLC") == [hplc.pk]
    assert ids("liquid chromatograph") == [hplc.pk]
    assert ids("LC-2030") == [hplc.pk]
    assert ids("泵") == [pump.pk]
    assert live_backend.count("products") == 2


@live
@pytest.mark.elasticsearch
@pytest.mark.django_db
def test_live_rebuild_swaps_alias_and_deletes_from_the_index(live_backend):
    product = ProductFactory(name_zh="扫描电子显微镜")
    live_backend.index("products", [product.pk])
    first = live_backend.current_indices("products")
    live_backend.rebuild("products", replay=list)
    assert live_backend.current_indices("products") != first
    product.status = "withdrawn"
    product.save()
    live_backend.index("products", [product.pk])
    live_backend.client.indices.refresh(index=alias_name("products"))
    assert live_backend.count("products") == 0
