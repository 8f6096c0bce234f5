"""The outbox's tasks: names in the beat schedule, retries with backoff on a transient failure, inline mode."""

from __future__ import annotations

from unittest import mock

import pytest
from celery.exceptions import Retry
from django.db import transaction

from changes.models import ChangeDelivery
from changes.registry import consumers
from changes.services import change_record
from changes.tasks import consume, sweep
from config.celery import app
from search.backends import SearchUnavailable
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


class DownBackend:
    """Stands for Elasticsearch while it is down (outside the project): indexing fails like a refused connection."""

    name = "elasticsearch"

    def index(self, kind, ids):
        raise SearchUnavailable("connection refused")


def test_task_names_match_the_beat_schedule():
    assert consume.name == "changes.consume"
    assert sweep.name == "changes.sweep"
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "changes.sweep" in scheduled


def test_consume_task_takes_pending_changes():
    change_record(entity="product", ids=[ProductFactory().pk])
    assert consume.apply(args=["search"]).get() == 1
    assert not ChangeDelivery.objects.filter(consumer="search", done_at__isnull=True).exists()


def test_consume_task_retries_with_growing_backoff_when_the_backend_is_down():
    change_record(entity="product", ids=[ProductFactory().pk])
    with (
        mock.patch("search.services.index_backends", return_value=[DownBackend()]),
        mock.patch.object(consume, "retry", side_effect=Retry()) as retry,
    ):
        consume.push_request(retries=2, is_eager=False)  # type: ignore[call-arg]
        try:
            with pytest.raises(Retry):
                consume.run("search")
        finally:
            consume.pop_request()
    assert retry.call_args.kwargs["countdown"] == 120


def test_consume_task_inline_leaves_changes_for_the_sweep_when_the_backend_is_down():
    change_record(entity="product", ids=[ProductFactory().pk])
    with mock.patch("search.services.index_backends", return_value=[DownBackend()]):
        assert consume.apply(args=["search"]).get() == 0
    assert ChangeDelivery.objects.filter(consumer="search", done_at__isnull=True).count() == 1


def test_sweep_serves_every_consumer_even_when_one_fails():
    change_record(entity="product", ids=[ProductFactory().pk])
    with mock.patch("search.services.index_backends", return_value=[DownBackend()]):
        handled = sweep.apply().get()
    # every consumer had its turn: search failed, the others took the change
    assert handled == {c.name: 0 if c.name == "search" else int(c.wants("product", [])) for c in consumers()}
    assert handled["matching"] == 1
    assert ChangeDelivery.objects.filter(consumer="search", done_at__isnull=True).count() == 1


@pytest.mark.redis
def test_kick_queues_the_consume_task_on_the_real_broker(redis_celery_app, django_capture_on_commit_callbacks):
    # given: a real Redis broker (not eager), its queues purged by the fixture
    with redis_celery_app.connection_for_write() as connection:
        # when: a change is recorded and its transaction commits
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            change_record(entity="product", ids=[ProductFactory().pk])
        # then: one consume message per consumer is on the default queue
        simple = connection.SimpleQueue(redis_celery_app.conf.task_default_queue)
        wanting = sorted(f"({c.name!r},)" for c in consumers() if c.wants("product", []))
        messages = [simple.get(timeout=5) for _ in wanting]
        assert "('matching',)" in wanting and "('search',)" in wanting
        assert sorted(m.headers["argsrepr"] for m in messages) == wanting
        assert {m.headers["task"] for m in messages} == {"changes.consume"}
        for message in messages:
            message.ack()
        simple.close()
