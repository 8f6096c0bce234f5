"""The saved-search and follow API: your own only (another person's are a 404, staff included), 400s per field."""

from __future__ import annotations

import pytest

from alerts.models import Delivery, Follow, SavedSearch
from alerts.services import follow_create, saved_search_create
from tests.factories import CategoryFactory, ManufacturerFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_list_update_and_delete_a_saved_search(api_client):
    owner = UserFactory()
    category = CategoryFactory()
    api_client.force_authenticate(owner)
    created = api_client.post(
        "/api/v1/saved-searches/",
        {
            "name": "GC",
            "kind": "products",
            "q": "色谱",
            "filters": {"category": category.pk, "price_max": "300000"},
            "delivery": "daily",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["filters"] == {"category": category.pk, "price_max": "300000", "is_domestic": True}
    assert body["delivery"] == "daily" and "/search/?kind=products" in body["html_url"]
    listed = api_client.get("/api/v1/saved-searches/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    changed = api_client.patch(f"/api/v1/saved-searches/{body['id']}/", {"delivery": "immediate"}, format="json")
    assert changed.status_code == 200 and changed.json()["delivery"] == "immediate"
    assert api_client.delete(f"/api/v1/saved-searches/{body['id']}/").status_code == 204
    assert SavedSearch.objects.count() == 0


def test_bad_saved_search_is_a_400_naming_every_field(api_client):
    api_client.force_authenticate(UserFactory())
    response = api_client.post(
        "/api/v1/saved-searches/",
        {"kind": "demands", "filters": {"price_min": "5", "budget_min": "9", "budget_max": "1"}, "delivery": "sms"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"delivery"}
    response = api_client.post(
        "/api/v1/saved-searches/",
        {"kind": "demands", "filters": {"price_min": "5", "budget_min": "9", "budget_max": "1"}},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"price_min", "budget_max"}


@pytest.mark.parametrize("who", ["other", "staff"])
def test_nobody_reads_or_changes_another_persons_saved_searches_and_follows(api_client, who):
    owner = UserFactory()
    saved = saved_search_create(user=owner, params={"kind": "products", "q": "色谱"})
    follow = follow_create(user=owner, category=CategoryFactory())
    intruder = UserFactory(is_staff=True, is_superuser=True) if who == "staff" else UserFactory()
    api_client.force_authenticate(intruder)
    assert api_client.get("/api/v1/saved-searches/").json()["count"] == 0
    assert api_client.get("/api/v1/follows/").json()["count"] == 0
    assert api_client.get(f"/api/v1/saved-searches/{saved.pk}/").status_code == 404
    assert api_client.patch(f"/api/v1/saved-searches/{saved.pk}/", {"name": "x"}, format="json").status_code == 404
    assert api_client.delete(f"/api/v1/saved-searches/{saved.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/follows/{follow.pk}/").status_code == 404
    assert api_client.delete(f"/api/v1/follows/{follow.pk}/").status_code == 404
    assert (
        SavedSearch.objects.filter(pk=saved.pk, name=saved.name).exists()
        and Follow.objects.filter(pk=follow.pk).exists()
    )


def test_anonymous_clients_are_refused(api_client):
    assert api_client.get("/api/v1/saved-searches/").status_code in (401, 403)
    assert api_client.post("/api/v1/follows/", {"category": 1}, format="json").status_code in (401, 403)


def test_follow_through_the_api(api_client):
    person = UserFactory()
    api_client.force_authenticate(person)
    maker = ManufacturerFactory()
    product = ProductFactory(manufacturer=maker)
    assert api_client.post("/api/v1/follows/", {"organization": maker.pk}, format="json").status_code == 201
    made = api_client.post("/api/v1/follows/", {"product": product.pk, "delivery": "immediate"}, format="json")
    assert made.status_code == 201 and made.json()["target"] == "product"
    two = api_client.post("/api/v1/follows/", {"product": product.pk, "organization": maker.pk}, format="json")
    assert two.status_code == 400
    draft = ProductFactory(status="draft")
    assert api_client.post("/api/v1/follows/", {"product": draft.pk}, format="json").status_code == 400
    assert (
        api_client.patch(f"/api/v1/follows/{made.json()['id']}/", {"delivery": "daily"}, format="json").json()[
            "delivery"
        ]
        == Delivery.DAILY
    )
    assert api_client.get("/api/v1/follows/").json()["count"] == 2
