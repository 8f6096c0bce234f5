"""Search as a consumer of the change outbox: changes recorded in the caller's transaction, idempotent claims,
outages that lose nothing."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from catalog.models import Product
from changes.consume import changes_prune, changes_sweep
from changes.models import ChangeDelivery
from changes.registry import RetryLater, consumers
from changes.services import change_record
from search.backends import SearchUnavailable
from search.backends.base import SearchBackend
from search.models import SearchEntry
from search.selectors import SearchQuery, search
from search.services import search_index_rebuild, search_sync
from tests.factories import DemandFactory, ProductFactory

pytestmark = pytest.mark.django_db


class BrokenBackend(SearchBackend):
    """Stands for Elasticsearch while it is down: every call fails like a refused connection."""

    name = "elasticsearch"

    def ping(self):
        raise SearchUnavailable("connection refused")

    def search(self, query, *, category_path=None):
        raise SearchUnavailable("connection refused")

    def index(self, kind, ids):
        raise SearchUnavailable("connection refused")

    def delete(self, kind, ids):
        raise SearchUnavailable("connection refused")

    def count(self, kind):
        raise SearchUnavailable("connection refused")

    def rebuild(self, kind, *, replay, progress=None, cluster=False):
        raise SearchUnavailable("connection refused")


ENTITY = {"products": "product", "demands": "demand"}


def deliveries():
    return ChangeDelivery.objects.filter(consumer="search")


def pending(kind: str | None = None) -> list[int]:
    qs = deliveries().filter(done_at__isnull=True)
    if kind:
        qs = qs.filter(change__entity=ENTITY[kind])
    return sorted(qs.values_list("change__object_id", flat=True))


def index_mark(*, kind: str, ids: list[int]) -> None:
    change_record(entity=ENTITY[kind], ids=ids)


def sweep() -> int:
    return changes_sweep()["search"]


def test_index_mark_records_pending_rows_in_the_callers_transaction():
    # given
    product = ProductFactory()
    # when
    index_mark(kind="products", ids=[product.pk, product.pk])
    # then: one row per id, pending
    assert pending("products") == [product.pk]


def test_index_mark_rows_roll_back_with_the_callers_transaction():
    product = ProductFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        index_mark(kind="products", ids=[product.pk])
        raise RuntimeError("the service failed")
    assert pending() == []


def test_a_change_no_consumer_wants_is_not_recorded():
    assert change_record(entity="organization", ids=[1]) == 0
    assert not ChangeDelivery.objects.exists()


def test_recorded_changes_kick_each_consumer_once_after_commit_and_are_indexed(django_capture_on_commit_callbacks):
    # given
    product = ProductFactory(name_zh="流式细胞仪")
    demand = DemandFactory(title="流式细胞仪采购")
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        index_mark(kind="products", ids=[product.pk])
        index_mark(kind="demands", ids=[demand.pk])
    # then: one kick per consumer of products or demands (search, matching, alerts), not one per change
    wanting = {c.name for c in consumers() if c.wants("product", []) or c.wants("demand", [])}
    assert {"search", "matching"} <= wanting
    kicked = [
        cell.cell_contents
        for callback in callbacks
        for cell in callback.__closure__ or ()
        if isinstance(cell.cell_contents, tuple) and cell.cell_contents in {(name,) for name in wanting}
    ]
    # (a consumer may queue work of its own once it ran, e.g. the feed's webhook fan-out: not a kick)
    assert sorted(kicked) == sorted((name,) for name in wanting)
    assert pending() == []
    assert search(SearchQuery(kind="products", text="流式细胞")).ids == [product.pk]
    assert search(SearchQuery(kind="demands", text="流式细胞")).ids == [demand.pk]


def test_broker_down_does_not_fail_the_write_and_the_sweep_indexes_later(
    django_capture_on_commit_callbacks, unreachable_broker
):
    # given: the broker is unreachable (a real connection to a closed port)
    product = ProductFactory(name_zh="激光共聚焦显微镜")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        index_mark(kind="products", ids=[product.pk])
    # then: the write stands and the work is recorded
    assert pending("products") == [product.pk]
    # when: the periodic sweep runs
    assert sweep() == 1
    assert pending() == []
    assert search(SearchQuery(kind="products", text="共聚焦")).ids == [product.pk]


def test_backend_outage_keeps_product_and_demand_writes_and_work_pending_until_the_sweep(settings):
    # given: Elasticsearch is the configured backend and it is down
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    broken = BrokenBackend()
    product = ProductFactory(name_zh="差示扫描量热仪")
    demand = DemandFactory(title="差示扫描量热仪 采购")
    with mock.patch("search.backends.get_backend", return_value=broken):
        # when: the services' writes mark the rows and the sync runs
        with transaction.atomic():
            index_mark(kind="products", ids=[product.pk])
            index_mark(kind="demands", ids=[demand.pk])
        with pytest.raises(RetryLater):
            search_sync()
        # then: both rows are still pending, released for the next attempt, with the error kept
        rows = deliveries().order_by("change__entity")
        assert [(r.change.entity, r.done_at, r.claim_token, r.attempts) for r in rows] == [
            ("demand", None, None, 1),
            ("product", None, None, 1),
        ]
        assert all("connection refused" in r.last_error for r in rows)
        # and the sweep during the outage does not raise
        assert sweep() == 0
        assert len(pending()) == 2
        # searches fall back to the database, which the failed syncs kept fresh, and say so
        result = search(SearchQuery(kind="products", text="DSC"))
        assert result.degraded and result.backend == "database"
        assert result.ids == [product.pk]
    # when: the backend is back, a minute later
    deliveries().update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    healthy = mock.Mock(spec=SearchBackend)
    healthy.name = "elasticsearch"
    with mock.patch("search.backends.get_backend", return_value=healthy):
        assert sweep() == 2
    # then
    assert pending() == []
    indexed = {(c.args[0], tuple(c.args[1])) for c in healthy.index.call_args_list}
    assert indexed == {("products", (product.pk,)), ("demands", (demand.pk,))}


def test_sync_skips_rows_claimed_by_a_live_worker_and_reclaims_expired_leases():
    # given
    product = ProductFactory()
    index_mark(kind="products", ids=[product.pk])
    deliveries().update(claimed_until=timezone.now() + datetime.timedelta(minutes=5))
    # when / then: a live claim is left alone
    assert search_sync().changes == 0
    assert pending() == [product.pk]
    # when the lease has run out (the worker died), the next sync takes it
    deliveries().update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    assert search_sync().changes == 1
    assert pending() == []
    assert SearchEntry.objects.filter(kind="products", object_id=product.pk).exists()


def test_sync_is_idempotent_when_run_twice():
    product = ProductFactory(name_zh="原子荧光光谱仪")
    index_mark(kind="products", ids=[product.pk])
    first, second = search_sync(), search_sync()
    assert (first.changes, second.changes) == (1, 0)
    assert SearchEntry.objects.filter(kind="products").count() == 1


def test_a_mark_made_after_the_claim_stays_pending_for_the_next_sync():
    # given: a product is changed again while the sync is indexing it
    product = ProductFactory(name_zh="旧名称")
    index_mark(kind="products", ids=[product.pk])

    def index_and_change(self, kind, ids):
        Product.objects.filter(pk=product.pk).update(name_zh="新名称拉曼光谱仪")
        index_mark(kind="products", ids=[product.pk])
        original_index(self, kind, ids)

    from search.backends.database import DatabaseBackend

    original_index = DatabaseBackend.index
    with mock.patch.object(DatabaseBackend, "index", index_and_change):
        search_sync(max_batches=1)
    # then: the second mark is still pending and the next sync indexes the new name
    assert pending() == [product.pk]
    search_sync()
    assert search(SearchQuery(kind="products", text="拉曼")).ids == [product.pk]


def test_sync_processes_many_rows_in_batches():
    rows = [ProductFactory(name_zh=f"天平 {i}") for i in range(7)]
    index_mark(kind="products", ids=[r.pk for r in rows])
    report = search_sync(batch_size=3)
    assert (report.changes, report.batches) == (7, 3)
    assert search(SearchQuery(kind="products", text="天平")).total == 7


def test_outbox_prune_deletes_only_old_changes_every_consumer_took():
    product = ProductFactory()
    index_mark(kind="products", ids=[product.pk])
    ChangeDelivery.objects.update(done_at=timezone.now())
    index_mark(kind="products", ids=[product.pk])
    old = ChangeDelivery.objects.filter(done_at__isnull=False).values_list("change_id", flat=True)
    from changes.models import Change

    Change.objects.filter(pk__in=list(old)).update(created_at=timezone.now() - datetime.timedelta(days=3))
    assert changes_prune() == 1
    assert pending() == [product.pk]


def test_rebuild_indexes_everything_removes_strays_and_replays_changes_made_meanwhile():
    # given: one product never marked, one stray entry for a product that is gone
    product = ProductFactory(name_zh="核磁共振波谱仪")
    SearchEntry.objects.create(kind="products", object_id=999_999)
    changed = ProductFactory(name_zh="电子顺磁共振波谱仪")
    # a change recorded during the rebuild window
    index_mark(kind="products", ids=[changed.pk])
    # when
    (report,) = search_index_rebuild(kind="products")
    # then
    assert report.indexed == 2
    assert report.replayed == 1
    assert set(SearchEntry.objects.filter(kind="products").values_list("object_id", flat=True)) == {
        product.pk,
        changed.pk,
    }
    assert search(SearchQuery(kind="products", text="NMR")).ids == [product.pk]


def test_while_the_backend_is_down_every_batch_still_reaches_the_database_index(settings):
    # given: three marked products and an unreachable Elasticsearch
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    rows = [ProductFactory(name_zh=f"粒度仪 {i}") for i in range(3)]
    index_mark(kind="products", ids=[r.pk for r in rows])
    # when: the sync runs in batches of one
    with mock.patch("search.backends.get_backend", return_value=BrokenBackend()), pytest.raises(RetryLater):
        search_sync(batch_size=1)
    # then: all three are searchable through the fallback, and all three stay pending for Elasticsearch
    assert SearchEntry.objects.filter(kind="products").count() == 3
    assert pending() == sorted(r.pk for r in rows)
    now = timezone.now()
    assert all(r.claimed_until is not None and r.claimed_until > now for r in deliveries())
