"""Whole answers kept for anonymous visitors (config/response_cache.py): served again without the database, dropped
by the change outbox, never kept for a signed-in person or an answer with a token or cookie; ETag and
Last-Modified answer revalidations with a 304."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.utils.http import http_date

from catalog import services
from catalog.models import Product
from tests.factories import DemandFactory, ProductFactory, member_of


@pytest.fixture
def kept(settings):
    settings.ANONYMOUS_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def _names(response) -> list[str]:
    return [row["name_en"] for row in response.json()["results"]]


@pytest.mark.django_db
def test_an_anonymous_answer_is_served_again_without_touching_the_database(kept, django_assert_num_queries):
    ProductFactory(name_en="Kept spectrometer")
    first = Client().get("/api/v1/products/")
    with django_assert_num_queries(0):
        second = Client().get("/api/v1/products/")
    assert second.status_code == 200
    assert second.content == first.content
    assert _names(second) == ["Kept spectrometer"]


@pytest.mark.django_db
def test_a_published_product_shows_on_the_next_anonymous_request_once_the_outbox_is_processed(
    kept, manufacturer, django_capture_on_commit_callbacks
):
    # given: an anonymous list kept in the cache, and a draft
    maker = member_of(manufacturer)
    ProductFactory(manufacturer=manufacturer, name_en="Listed")
    draft = ProductFactory(manufacturer=manufacturer, name_en="Fresh", status=Product.Status.DRAFT, published_at=None)
    assert _names(Client().get("/api/v1/products/")) == ["Listed"]
    # when: the maker publishes it; the outbox consumers run after the commit
    with django_capture_on_commit_callbacks() as callbacks:
        services.product_publish(product=draft, user=maker)
    assert _names(Client().get("/api/v1/products/")) == ["Listed"]  # still the kept answer: nothing consumed yet
    for callback in callbacks:
        callback()
    # then
    assert sorted(_names(Client().get("/api/v1/products/"))) == ["Fresh", "Listed"]


@pytest.mark.django_db
def test_each_language_and_each_query_is_kept_apart(kept):
    ProductFactory(name_en="Apart")
    english = Client().get("/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = Client().get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english["Content-Language"] == "en" and chinese["Content-Language"] == "zh-hans"
    assert Client().get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content == chinese.content
    assert Client().get("/api/v1/products/", {"is_domestic": "false"}).json()["count"] == 0
    assert Client().get("/api/v1/products/").json()["count"] == 1


@pytest.mark.django_db
def test_a_signed_in_page_is_never_kept_nor_served_a_visitors_copy(kept, researcher):
    # given: the home page kept for visitors
    visitor = Client().get("/")
    assert "Log in" in visitor.content.decode()
    # when: someone signed in asks for it, and a visitor comes after
    person = Client()
    person.force_login(researcher)
    own = person.get("/")
    after = Client().get("/")
    # then: the person gets a page of their own, and the visitor never sees it
    assert "Log out" in own.content.decode()
    assert "X-Response-Cache" not in own
    assert "Log out" not in after.content.decode()
    assert researcher.email not in after.content.decode()


@pytest.mark.django_db
def test_an_answer_that_sets_a_cookie_or_carries_a_csrf_token_is_never_kept(kept, settings):
    # The log-in page holds a form, hence a CSRF token tied to the visitor's cookie.
    settings.ANONYMOUS_CACHE_VIEWS = [*settings.ANONYMOUS_CACHE_VIEWS, "accounts:login"]
    first, second = Client(), Client()
    one = first.get("/accounts/login/")
    two = second.get("/accounts/login/")
    assert one.cookies["csrftoken"].value != two.cookies["csrftoken"].value
    assert "X-Response-Cache" not in two
    # each visitor's own token works
    assert second.post("/accounts/login/", {"username": "x@example.org", "password": "wrong"}).status_code == 200


@pytest.mark.django_db
def test_the_pages_kept_for_visitors_carry_no_token_and_set_no_cookie(kept):
    demand = DemandFactory()
    for path in ("/", f"/demands/{demand.pk}/"):
        response = Client().get(path)
        assert response.status_code == 200, path
        assert not response.cookies, path
        assert "csrfmiddlewaretoken" not in response.content.decode(), path
        assert Client().get(path)["X-Response-Cache"] == "hit", path


@pytest.mark.django_db
def test_the_language_switch_works_without_a_token(kept):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert client.get("/")["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_requests_with_a_session_or_credentials_are_not_served_from_the_cache(kept):
    ProductFactory()
    Client().get("/api/v1/products/")
    with_session = Client()
    with_session.cookies["sessionid"] = "x" * 32
    assert "X-Response-Cache" not in with_session.get("/api/v1/products/")
    assert "X-Response-Cache" not in Client().get("/api/v1/products/", HTTP_AUTHORIZATION="Token abc")


@pytest.mark.django_db
@pytest.mark.parametrize("keep", [True, False])
def test_a_revalidation_of_an_unchanged_answer_is_a_304(settings, keep):
    # Conditional requests hold with the cache on and off.
    settings.ANONYMOUS_CACHE_SECONDS = 60 if keep else 0
    cache.clear()
    ProductFactory()
    first = Client().get("/api/v1/products/")
    etag = first["ETag"]
    assert etag
    unchanged = Client().get("/api/v1/products/", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    if keep:
        since = Client().get("/api/v1/products/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert since.status_code == 304
    stale = Client().get("/api/v1/products/", HTTP_IF_NONE_MATCH='"something-else"')
    assert stale.status_code == 200
    cache.clear()


@pytest.mark.django_db
def test_a_change_gives_a_new_etag_and_a_newer_last_modified(kept, manufacturer, django_capture_on_commit_callbacks):
    maker = member_of(manufacturer)
    product = ProductFactory(manufacturer=manufacturer, name_en="Before")
    first = Client().get("/api/v1/products/")
    with django_capture_on_commit_callbacks(execute=True):
        services.product_update(product=product, user=maker, fields={"name_en": "After"})
    changed = Client().get("/api/v1/products/", HTTP_IF_NONE_MATCH=first["ETag"], HTTP_IF_MODIFIED_SINCE=http_date(0))
    assert changed.status_code == 200
    assert _names(changed) == ["After"]
    assert changed["ETag"] != first["ETag"]


@pytest.mark.django_db
def test_while_one_request_rebuilds_a_stale_answer_the_others_get_the_previous_copy(
    kept, manufacturer, django_capture_on_commit_callbacks
):
    from config import response_cache

    # given: a kept list, then a change consumed from the outbox
    maker = member_of(manufacturer)
    product = ProductFactory(manufacturer=manufacturer, name_en="Before")
    first = Client().get("/api/v1/products/")
    with django_capture_on_commit_callbacks(execute=True):
        services.product_update(product=product, user=maker, fields={"name_en": "After"})
    # when: another request is building the new answer right now
    rebuilding = response_cache.REBUILD_KEY.format(response_cache._key(RequestFactory().get("/api/v1/products/")))
    assert cache.add(rebuilding, 1)
    meanwhile = Client().get("/api/v1/products/")
    cache.delete(rebuilding)
    after = Client().get("/api/v1/products/")
    # then: the request meanwhile got the previous copy; the one after it the new answer, kept
    assert meanwhile["X-Response-Cache"] == "stale" and meanwhile.content == first.content
    assert _names(after) == ["After"]
    assert Client().get("/api/v1/products/")["X-Response-Cache"] == "hit"


@pytest.mark.django_db
def test_an_answer_older_than_the_seconds_is_built_again(kept, settings, monkeypatch):
    import time

    ProductFactory(name_en="Aged")
    Client().get("/api/v1/products/")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + settings.ANONYMOUS_CACHE_SECONDS + 1)
    again = Client().get("/api/v1/products/")
    assert again["X-Response-Cache"] == "miss"
    assert _names(again) == ["Aged"]
