"""A real Celery worker consuming from the real Redis broker: the production path for tasks, end to end."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from changes.models import ChangeDelivery
from changes.services import change_record
from changes.tasks import consume
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
def test_queued_consume_task_is_run_by_a_worker_through_redis(redis_celery_app):
    # given: a product whose indexing is pending in the change outbox
    product = ProductFactory()
    change_record(entity="product", ids=[product.pk])
    pending = ChangeDelivery.objects.filter(consumer="search", done_at__isnull=True)
    assert pending.exists()

    # when: the task is queued on Redis and a real worker consumes it
    with start_worker(redis_celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        consume.delay("search")
        done = _wait_for(lambda: not pending.exists())

    # then: the worker indexed it
    assert done, "the worker did not process the queued task within 20 seconds"
