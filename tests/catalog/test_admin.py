from __future__ import annotations

from django.urls import reverse

from tests.catalog.conftest import new_product


def test_admin_lists_catalog_and_deleting_a_product_records_the_change(client, staff_user, lc, outbox):
    product = new_product(category=lc)
    client.force_login(staff_user)
    for name in ("category", "parameter", "product", "evaluation"):
        assert client.get(reverse(f"admin:catalog_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_product_change", args=[product.pk])).status_code == 200  # view only
    response = client.post(reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert product.pk in outbox.pending("search")
    assert product.pk in outbox.pending("matching")


def test_changing_a_threshold_in_the_admin_re_derives_domestic_flags(
    client, staff_user, lc, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr("catalog.admin.refresh_domestic.delay", lambda category_id: calls.append(category_id))
    client.force_login(staff_user)
    data = {
        "code": lc.code,
        "name_zh": lc.name_zh,
        "name_en": lc.name_en,
        "cpv_code": lc.cpv_code,
        "hs_code": lc.hs_code,
        "domestic_threshold": "0.700",
        "sort_order": lc.sort_order,
        "parameters-TOTAL_FORMS": "0",
        "parameters-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:catalog_category_change", args=[lc.pk]), data)
    assert response.status_code == 302, response.context["adminform"].errors if response.context else ""
    assert calls == [lc.pk]
