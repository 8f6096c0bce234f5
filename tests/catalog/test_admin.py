from __future__ import annotations

from django.urls import reverse

from catalog.models import Product
from search.models import SearchEntry
from search.services import search_index_objects
from tests.catalog.conftest import new_product


def test_admin_lists_catalog_and_deletes_a_product_through_the_service(
    client, staff_user, lc, django_capture_on_commit_callbacks
):
    product = new_product(category=lc)
    search_index_objects(kind="products", ids=[product.pk])
    client.force_login(staff_user)
    for name in ("category", "parameter", "product", "evaluation"):
        assert client.get(reverse(f"admin:catalog_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_product_change", args=[product.pk])).status_code == 200  # view only
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()
    # and it left the search index
    assert not SearchEntry.objects.filter(kind="products", object_id=product.pk).exists()
