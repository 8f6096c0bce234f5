"""A real Celery worker consuming from the real Redis broker: the production path for tasks, end to end."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from search.models import SearchOutbox
from search.services import index_mark
from search.tasks import sync_pending
from tests.factories import ProductFactory

pytestmark = pytest.mark.redis


def _wait_for(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_queued_sync_task_is_run_by_a_worker_through_redis(redis_celery_app):
    # given: a product whose indexing is pending in the outbox
    product = ProductFactory()
    index_mark(kind="products", ids=[product.pk])
    assert SearchOutbox.objects.filter(indexed_at__isnull=True).exists()

    # when: the task is queued on Redis and a real worker consumes it
    with start_worker(redis_celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        sync_pending.delay()
        done = _wait_for(lambda: not SearchOutbox.objects.filter(indexed_at__isnull=True).exists())

    # then: the worker indexed it
    assert done, "the worker did not process the queued task within 20 seconds"
