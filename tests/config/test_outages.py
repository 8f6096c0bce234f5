"""Backing services lost: Elasticsearch that never answers, PostgreSQL that cannot be reached."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from tests.servers import free_port


@pytest.fixture(params=["hangs", "refuses"])
def silent_elasticsearch(request, settings) -> Iterator[str]:
    """Elasticsearch unreachable on a real port: one that accepts connections and never answers (hung, as the audit
    saw it), or one where nothing listens (stopped: connections refused)."""
    port = free_port(range(8303, 8310))
    listener = socket.socket()
    if request.param == "hangs":
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
    url = f"http://127.0.0.1:{port}"
    settings.ELASTICSEARCH_URL = url
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.SEARCH_ES_TIMEOUT = 3.0
    try:
        yield url
    finally:
        listener.close()


@pytest.mark.django_db
def test_healthz_answers_within_a_second_while_elasticsearch_hangs(client, silent_elasticsearch):
    client.get("/healthz")  # a first request pays for imports; a probe hits a warm process
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert elapsed < 2.5, f"healthz took {elapsed:.2f} s"  # about 1 s; margin for a busy machine, below the 3 s hang
    assert response.status_code == 200
    assert response.json()["checks"]["search"]["ok"] is False


@pytest.mark.django_db
def test_search_answers_from_the_database_while_elasticsearch_hangs(api_client, settings, silent_elasticsearch):
    from changes.registry import RetryLater
    from tests.factories import ProductFactory
    from tests.search.factories import index_now

    # given: a product in the database index, and an Elasticsearch that never answers
    product = ProductFactory(name_en="Fallback spectrometer")
    with pytest.raises(RetryLater):  # the database index is written first; Elasticsearch is retried later
        index_now("products", product)
    # when
    started = time.monotonic()
    response = api_client.get("/api/v1/search/", {"q": "Fallback"})
    elapsed = time.monotonic() - started
    # then: the answer comes from the database, marked degraded, after at most the Elasticsearch timeout
    body = response.json()
    assert response.status_code == 200
    assert (body["backend"], body["degraded"]) == ("database", True)
    assert [row["id"] for row in body["results"]] == [product.pk]
    assert elapsed < settings.SEARCH_ES_TIMEOUT + 1.5, f"search took {elapsed:.2f} s"


def _database_unreachable():
    """Point this process's connection at a port where no PostgreSQL listens (as when the server is down)."""
    connection.close()
    saved = dict(connection.settings_dict)
    connection.settings_dict["HOST"] = "127.0.0.1"
    connection.settings_dict["PORT"] = str(free_port(range(8304, 8310)))
    connection.settings_dict["OPTIONS"] = {**saved.get("OPTIONS", {}), "connect_timeout": 2}
    return saved


@pytest.fixture
def database_down(django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        saved = _database_unreachable()
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/products/", {}),
        ("/api/v1/demands/", {}),
        ("/api/v1/me/", {"HTTP_AUTHORIZATION": "Token 0123456789abcdef"}),  # the token is looked up first
    ],
)
def test_the_api_answers_a_json_503_while_the_database_is_down(database_down, path, headers):
    response = Client(raise_request_exception=False).get(path, **headers)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "service_unavailable"
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize("path", ["/", "/catalog/", "/demands/"])
def test_pages_answer_a_friendly_503_while_the_database_is_down(database_down, path):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "Temporarily unavailable" in response.content.decode()


def test_a_logged_in_page_request_is_a_503_too(database_down):
    # the session is read (from the database) before the view runs
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a" * 32
    response = client.get("/catalog/dashboard/")
    assert response.status_code == 503


def test_logging_in_while_the_database_is_down_is_a_503_not_a_500(database_down):
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": "someone@example.org", "password": "pass-word-123"}
    )
    assert response.status_code == 503
