"""Elasticsearch configured but unreachable: searches fall back and say so; /healthz reports it."""

from __future__ import annotations

from unittest import mock

import pytest

from changes.registry import RetryLater
from search.backends import SearchUnavailable
from search.selectors import SearchQuery, search
from tests.factories import ProductFactory
from tests.search.factories import index_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_elasticsearch(settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens there: connection refused


def test_search_falls_back_to_the_database_and_is_marked_degraded(dead_elasticsearch):
    product = ProductFactory(name_zh="气相色谱仪")
    # the sync fails on Elasticsearch, but the database index it updates first is fresh
    with pytest.raises(RetryLater):
        index_now("products", product)
    result = search(SearchQuery(kind="products", text="GC"))
    assert result.ids == [product.pk]
    assert result.degraded is True
    assert result.backend == "database"


def test_after_a_failure_searches_skip_the_dead_backend_for_a_while(dead_elasticsearch):
    with mock.patch(
        "search.backends.elasticsearch.ElasticsearchBackend.search", side_effect=SearchUnavailable("down")
    ) as es_search:
        search(SearchQuery(kind="products", text="x"))
        second = search(SearchQuery(kind="products", text="x"))
    assert es_search.call_count == 1
    assert second.degraded


def test_api_reports_degraded(dead_elasticsearch, api_client):
    body = api_client.get("/api/v1/search/", {"q": "天平"}).json()
    assert (body["backend"], body["degraded"]) == ("database", True)


def test_healthz_reports_the_search_backend_down(dead_elasticsearch, client):
    response = client.get("/healthz")
    assert response.status_code == 200  # search is reported, never fatal
    check = response.json()["checks"]["search"]
    assert check["ok"] is False
    assert "SearchUnavailable" in check["error"]


def test_healthz_search_check_is_ok_on_the_database_backend(client):
    check = client.get("/healthz").json()["checks"]["search"]
    assert check["ok"] is True and check["backend"] == "database"
