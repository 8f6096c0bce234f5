"""The feed under concurrent writes: a reader paging while writers commit sees every entry once, in order."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from catalog.models import Product
from catalog.services import products as product_services
from feed.models import FeedEntry
from tests.factories import CategoryFactory, ManufacturerFactory, member_of

WRITERS = 4
PRODUCTS_PER_WRITER = 12


@pytest.fixture
def widened_commit_window(monkeypatch):
    """Sleep a little between writing a batch's entries and committing them: the window in which an entry with a
    smaller id could still be uncommitted while a larger one is read. Without the feed's serialized numbering a
    reader then skips entries, and this test fails."""
    original = FeedEntry.objects.bulk_create

    def slow_bulk_create(*args, **kwargs):
        written = original(*args, **kwargs)
        time.sleep(random.uniform(0.02, 0.1))
        return written

    monkeypatch.setattr(FeedEntry.objects, "bulk_create", slow_bulk_create)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reader_paging_during_concurrent_writes_sees_no_gap_and_no_duplicate(widened_commit_window):
    manufacturer = ManufacturerFactory()
    maker = member_of(manufacturer)
    category = CategoryFactory()
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            for n in range(PRODUCTS_PER_WRITER):
                product = product_services.product_create(
                    user=maker,
                    manufacturer=manufacturer,
                    category=category,
                    model_number=f"W{writer}-{n}",
                    name_zh=f"并发仪器{writer}-{n}",
                )
                product_services.product_publish(product=product, user=maker)
                product_services.product_update(product=product, user=maker, fields={"lead_time_days": n + 1})
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    writers = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in writers:
        thread.start()

    client = APIClient()
    seen: list[int] = []
    url = "/api/v1/feed/?limit=5"
    pages = 0
    while True:
        body = client.get(url).json()
        pages += 1
        seen += [event["id"] for event in body["results"]]
        url = body["next"]
        if not body["has_more"] and not any(thread.is_alive() for thread in writers):
            # One more read after the last writer finished: nothing may be left behind.
            body = client.get(url).json()
            seen += [event["id"] for event in body["results"]]
            if not body["results"]:
                break
    for thread in writers:
        thread.join()

    assert not errors, errors
    assert Product.objects.filter(status=Product.Status.PUBLISHED).count() == WRITERS * PRODUCTS_PER_WRITER
    assert len(seen) == len(set(seen)), "an entry was served twice"
    assert seen == sorted(seen)
    assert seen == list(FeedEntry.objects.order_by("id").values_list("id", flat=True)), "an entry was skipped"
    published = FeedEntry.objects.filter(kind=FeedEntry.Kind.PRODUCT_PUBLISHED).values_list("object_id", flat=True)
    assert sorted(published) == sorted(Product.objects.values_list("pk", flat=True))
    assert pages > 3  # the reader really paged while the writers wrote
