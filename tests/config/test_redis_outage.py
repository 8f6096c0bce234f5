"""Redis is lost mid-run: API reads, token log-in, the log-in page and writes that queue tasks still answer."""

from __future__ import annotations

import time

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from catalog.models import Product
from config.celery import app as celery_app
from tests.factories import ProductFactory, member_of
from tests.servers import redis_server

PASSWORD = "pass-word-123"


@pytest.fixture
def spare_redis(settings):
    """The app's cache and Celery broker pointed at a redis-server of the test's own."""
    with redis_server() as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "config.cache.ResilientRedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app.conf.update(broker_url=server.url, task_always_eager=False)
        settings.CELERY_TASK_ALWAYS_EAGER = False
        try:
            yield server
        finally:
            celery_app.conf.update(saved)
            celery_app._pool = None
            celery_app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_requests_answer_without_a_server_error_when_redis_stops_mid_run(spare_redis, manufacturer, settings):
    # given: a maker with a published product, the app using its own Redis for throttling, cache and broker, and
    # the product list kept there for visitors
    settings.ANONYMOUS_CACHE_SECONDS = 60
    maker = member_of(manufacturer)
    product = ProductFactory(manufacturer=manufacturer)
    Client().get("/api/v1/products/")
    assert Client().get("/api/v1/products/")["X-Response-Cache"] == "hit"
    api = APIClient()
    token = api.post("/api/v1/auth/token/", {"email": maker.email, "password": PASSWORD}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/products/").status_code == 200
    assert api.patch(f"/api/v1/products/{product.pk}/", {"name_en": "Before"}, format="json").status_code == 200
    probe = redis.Redis.from_url(spare_redis.url)
    assert probe.dbsize() > 0, "throttling and the queued tasks should have written to this Redis"
    assert probe.llen("celery") > 0, "the write should have queued a task on this broker"

    # when: Redis stops
    spare_redis.stop()
    started = time.monotonic()
    read = api.get("/api/v1/products/")
    detail = api.get(f"/api/v1/products/{product.pk}/")
    write = api.patch(f"/api/v1/products/{product.pk}/", {"name_en": "During the outage"}, format="json")
    visitor = Client(raise_request_exception=False).get("/api/v1/products/")
    fresh_token = APIClient().post("/api/v1/auth/token/", {"email": maker.email, "password": PASSWORD})
    login_page = Client(raise_request_exception=False).get("/accounts/login/")
    page_login = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": maker.email, "password": PASSWORD}
    )
    elapsed = time.monotonic() - started

    # then: every answer is the one Redis being up would give, the write is stored, and nothing waited long
    assert read.status_code == 200 and read.json()["count"] == 1
    assert detail.status_code == 200
    assert write.status_code == 200
    # the visitor's list is built afresh (the kept one is out of reach), with the write made during the outage
    assert visitor.status_code == 200 and visitor.get("X-Response-Cache") != "hit"
    assert [row["name_en"] for row in visitor.json()["results"]] == ["During the outage"]
    assert Product.objects.get(pk=product.pk).name_en == "During the outage"
    assert fresh_token.status_code == 200 and fresh_token.json()["token"] == token
    assert login_page.status_code == 200
    assert page_login.status_code == 302
    assert cache.get("anything", "miss") == "miss"
    assert elapsed < 15, f"requests during the outage took {elapsed:.1f} s"


def test_a_value_written_into_redis_without_the_secret_key_is_never_unpickled(spare_redis):
    # given: a cached value, and someone with access to Redis who replaces it with a pickle that runs code
    import pickle

    cache.set("pool", {"ok": True})
    assert cache.get("pool") == {"ok": True}
    probe = redis.Redis.from_url(spare_redis.url)
    (key,) = probe.keys("*pool")

    class Exploit:
        def __reduce__(self):
            return (exec, ("import builtins; builtins.CACHE_EXPLOITED = True",))

    probe.set(key, pickle.dumps(Exploit()))

    # when: the platform reads it
    value = cache.get("pool", "miss")

    # then: the forged value is a miss and its code never ran
    import builtins

    assert value == "miss"
    assert not hasattr(builtins, "CACHE_EXPLOITED")
    cache.set("counter", 1)
    assert cache.incr("counter") == 2  # integers stay plain, so incr still works
