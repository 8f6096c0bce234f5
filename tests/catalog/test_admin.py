from __future__ import annotations

from django.urls import reverse

from catalog.models import Product
from tests.catalog.conftest import new_product


def test_admin_lists_catalog_and_deletes_a_product_through_the_service(client, staff_user, lc, outbox):
    product = new_product(category=lc)
    client.force_login(staff_user)
    for name in ("category", "parameter", "product", "evaluation"):
        assert client.get(reverse(f"admin:catalog_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_product_change", args=[product.pk])).status_code == 200  # view only
    response = client.post(reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()
    # the deletion is in the outbox for search and matching
    assert product.pk in outbox.pending("search")
    assert product.pk in outbox.pending("matching")
