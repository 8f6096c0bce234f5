from __future__ import annotations

from unittest import mock

import pytest
from celery.exceptions import Retry

from config.celery import app
from search.backends import SearchUnavailable
from search.models import SearchOutbox
from search.services import index_mark
from search.tasks import sweep_pending, sync_pending
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_task_names_match_the_beat_schedule():
    assert sync_pending.name == "search.sync_pending"
    assert sweep_pending.name == "search.sweep_pending"
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "search.sweep_pending" in scheduled


def test_sync_task_indexes_pending_rows():
    product = ProductFactory()
    index_mark(kind="products", ids=[product.pk])
    assert sync_pending.apply().get() == 1
    assert not SearchOutbox.objects.filter(indexed_at__isnull=True).exists()


def test_sync_task_retries_with_growing_backoff_when_the_backend_fails():
    index_mark(kind="products", ids=[ProductFactory().pk])
    with (
        mock.patch("search.tasks.outbox_sync", side_effect=SearchUnavailable("down")),
        mock.patch.object(sync_pending, "retry", side_effect=Retry()) as retry,
    ):
        sync_pending.push_request(retries=2, is_eager=False)  # type: ignore[call-arg]
        try:
            with pytest.raises(Retry):
                sync_pending.run()
        finally:
            sync_pending.pop_request()
    assert retry.call_args.kwargs["countdown"] == 120


def test_sync_task_inline_leaves_rows_for_the_sweep_when_the_backend_fails():
    index_mark(kind="products", ids=[ProductFactory().pk])
    with mock.patch("search.services.index_backends") as backends:
        backends.return_value = [mock.Mock(index=mock.Mock(side_effect=SearchUnavailable("down")))]
        assert sync_pending.apply().get() == 0
    assert SearchOutbox.objects.filter(indexed_at__isnull=True).count() == 1


@pytest.mark.redis
def test_kick_queues_the_sync_task_on_the_real_broker(redis_celery_app, django_capture_on_commit_callbacks):
    # given: a real Redis broker (not eager)
    import uuid

    from django.db import transaction

    queue = f"search-test-{uuid.uuid4().hex[:8]}"
    with (
        redis_celery_app.connection_for_write() as connection,
        mock.patch.object(sync_pending, "delay", lambda: sync_pending.apply_async(queue=queue)),
    ):
        # when: a change is recorded and its transaction commits
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            index_mark(kind="products", ids=[ProductFactory().pk])
        # then: the sync task's message is on the queue
        simple = connection.SimpleQueue(queue)
        message = simple.get(timeout=5)
        assert message.headers["task"] == "search.sync_pending"
        message.ack()
        simple.queue.delete()
        simple.close()
