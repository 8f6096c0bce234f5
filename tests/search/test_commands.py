from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Product
from search.models import SearchEntry
from search.services import index_mark
from tests.factories import DemandFactory, ProductFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("search_index", *args, stdout=out)
    return out.getvalue()


def test_status_shows_pending_counts_and_index_differences():
    # given: two published products, one indexed, one only marked
    indexed, waiting = ProductFactory(), ProductFactory()
    index_mark(kind="products", ids=[indexed.pk])
    run("sync")
    index_mark(kind="products", ids=[waiting.pk])
    # when
    output = run("status")
    # then
    assert "products: pending=1 stale_claims=0 failing=0" in output
    assert "database=2" in output
    assert "database: indexed=1 difference=-1" in output
    assert "demands: pending=0" in output


def test_sync_indexes_pending_rows():
    product = ProductFactory()
    index_mark(kind="products", ids=[product.pk])
    assert "indexed 1 outbox rows" in run("sync")
    assert SearchEntry.objects.filter(object_id=product.pk).exists()


def test_rebuild_indexes_every_searchable_row():
    ProductFactory.create_batch(3)
    ProductFactory(status=Product.Status.DRAFT)
    DemandFactory()
    output = run("rebuild")
    assert "products: 3 indexed" in output
    assert "demands: 1 indexed" in output
    assert SearchEntry.objects.filter(kind="products").count() == 3


def test_rebuild_of_a_backend_not_in_use_is_an_error():
    with pytest.raises(CommandError):
        run("rebuild", "--backend", "elasticsearch")


def test_rebuild_with_cluster_reorders_the_database_index():
    ProductFactory.create_batch(2)
    output = run("rebuild", "--kind", "products", "--backend", "database", "--cluster")
    assert "products: 2 indexed" in output
    assert SearchEntry.objects.filter(kind="products").count() == 2
