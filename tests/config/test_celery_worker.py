"""A real Celery worker consuming from the real Redis broker: the production path for tasks, end to end."""

from __future__ import annotations

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from search.models import SearchOutbox
from search.services import index_mark
from search.tasks import sync_pending
from tests.factories import ProductFactory

REDIS = os.environ.get("TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS, reason="TEST_REDIS_URL is not set: no Redis broker"),
]


@pytest.fixture
def redis_app():
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}
    app.conf.update(broker_url=REDIS, task_always_eager=False, broker_transport_options={"visibility_timeout": 60})
    app.control.purge()
    try:
        yield app
    finally:
        app.conf.update(saved)


def _wait_for(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_queued_sync_task_is_run_by_a_worker_through_redis(redis_app):
    # given: a product whose indexing is pending in the outbox
    product = ProductFactory()
    index_mark(kind="products", ids=[product.pk])
    assert SearchOutbox.objects.filter(indexed_at__isnull=True).exists()

    # when: the task is queued on Redis and a real worker consumes it
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        sync_pending.delay()
        done = _wait_for(lambda: not SearchOutbox.objects.filter(indexed_at__isnull=True).exists())

    # then: the worker indexed it
    assert done, "the worker did not process the queued task within 20 seconds"
