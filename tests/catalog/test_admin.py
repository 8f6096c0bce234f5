from __future__ import annotations

from django.urls import reverse

from tests.catalog.conftest import new_product


def test_admin_lists_catalog_and_deleting_a_product_marks_the_index(client, staff_user, lc, recorded, monkeypatch):
    monkeypatch.setattr("catalog.admin.index_mark", lambda *, kind, ids: recorded["index"].append((kind, list(ids))))
    product = new_product(category=lc)
    client.force_login(staff_user)
    for name in ("category", "parameter", "product", "evaluation"):
        assert client.get(reverse(f"admin:catalog_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_product_change", args=[product.pk])).status_code == 200  # view only
    response = client.post(reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert ("products", [product.pk]) in recorded["index"]
