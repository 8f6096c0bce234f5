from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Product
from changes.services import change_record
from search.models import SearchEntry
from tests.factories import DemandFactory, ProductFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("search_index", *args, stdout=out)
    return out.getvalue()


def test_status_shows_pending_counts_and_index_differences():
    # given: two published products, one indexed, one only marked
    indexed, waiting = ProductFactory(), ProductFactory()
    change_record(entity="product", ids=[indexed.pk])
    run("sync")
    change_record(entity="product", ids=[waiting.pk])
    # when
    output = run("status")
    # then
    assert "products: pending=1 stale_claims=0 failing=0" in output
    assert "database=2" in output
    assert "database: indexed=1 difference=-1" in output
    assert "demands: pending=0" in output


def test_sync_indexes_pending_rows():
    product = ProductFactory()
    change_record(entity="product", ids=[product.pk])
    assert "indexed 1 changes" in run("sync")
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


# --- ensure ---------------------------------------------------------------------------------------------


def test_ensure_on_the_database_backend_has_nothing_to_create():
    output = run("ensure")
    assert "products: index exists" in output
    assert "demands: index exists" in output


@pytest.fixture
def mocked_elasticsearch(settings):
    """The configured backend is Elasticsearch with a mocked client; bulk loads are recorded, not sent."""
    from search.backends.elasticsearch import ElasticsearchBackend

    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://es.invalid:9200"
    client = mock.Mock()
    client.indices.get_alias.return_value.body = {}
    backend = ElasticsearchBackend(settings.ELASTICSEARCH_URL, client=client)
    written: list[tuple[str, str]] = []

    def fake_bulk(client, actions, **kwargs):
        for action in actions:
            written.append((action["_index"], action["_id"]))
            yield True, {action["_op_type"]: {"_id": action["_id"], "status": 201}}

    with (
        mock.patch("search.backends._elasticsearch", return_value=backend),
        mock.patch("search.backends.elasticsearch.helpers.streaming_bulk", fake_bulk),
    ):
        yield client, written


def test_ensure_builds_a_missing_elasticsearch_index_and_points_the_alias_at_it(mocked_elasticsearch):
    # given: no alias yet (first start) and a published product already in the database
    client, written = mocked_elasticsearch
    client.indices.exists_alias.return_value = False
    product = ProductFactory()
    # when
    output = run("ensure", "--kind", "products")
    # then: one versioned index is created, filled from the database, and the alias added to it
    client.indices.create.assert_called_once()
    name = client.indices.create.call_args.kwargs["index"]
    assert name.startswith("instruments-products-")
    client.indices.update_aliases.assert_called_once_with(
        actions=[{"add": {"index": name, "alias": "instruments-products"}}]
    )
    assert (name, str(product.pk)) in written
    assert f"products: created {name}, 1 indexed" in output


def test_ensure_leaves_an_existing_elasticsearch_index_alone(mocked_elasticsearch):
    # given: both aliases exist
    client, written = mocked_elasticsearch
    client.indices.exists_alias.return_value = True
    ProductFactory()
    # when
    output = run("ensure")
    # then
    client.indices.create.assert_not_called()
    client.indices.update_aliases.assert_not_called()
    assert written == []
    assert "products: index exists" in output and "demands: index exists" in output


def test_ensure_fails_when_elasticsearch_stays_unreachable(mocked_elasticsearch):
    client, _ = mocked_elasticsearch
    client.ping.return_value = False
    with pytest.raises(CommandError, match="does not answer"):
        run("ensure", "--wait", "0")
    client.indices.create.assert_not_called()
