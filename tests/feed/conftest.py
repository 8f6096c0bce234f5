from __future__ import annotations

import pytest

from catalog.models import Product
from catalog.services.products import product_changes_record
from changes.consume import changes_consume
from feed.models import FeedEntry
from tests.feed.receivers import start_receiver


def take_feed() -> list[FeedEntry]:
    """The feed consumer takes what the outbox holds for it; returns every entry so far, in feed order."""
    changes_consume(consumer_name="feed")
    return list(FeedEntry.objects.order_by("id"))


@pytest.fixture
def feed_kinds():
    def kinds() -> list[tuple[str, int]]:
        return [(entry.kind, entry.object_id) for entry in take_feed()]

    return kinds


def record_products(products) -> None:
    """Record factory-made products in the outbox, as the catalog's services do for theirs."""
    product_changes_record(
        products=Product.objects.filter(pk__in=[p.pk for p in products]).select_related("category").order_by("pk")
    )


@pytest.fixture
def receiver(settings):
    """A real HTTP server on 127.0.0.1 running the README's example receiver; loopback allowed for it."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    state, server = start_receiver(b"a-test-secret-of-some-length")
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
