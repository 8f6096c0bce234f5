from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Product
from tests.factories import CategoryFactory, DemandFactory, ProductFactory, UserFactory, province
from tests.search.factories import index_now

pytestmark = pytest.mark.django_db
URL = "/api/v1/search/"


def test_search_url_is_named():
    assert reverse("api:search") == URL


def test_product_search_returns_rows_in_backend_order_with_facets_and_highlights(api_client):
    # given
    in_description = ProductFactory(name_zh="分析系统", description_zh="内置液相色谱泵", model_number="S-1")
    in_title = ProductFactory(name_zh="高效液相色谱仪", model_number="S-2")
    in_title.provinces_served.set([province("110000")])
    ProductFactory(name_zh="液相色谱仪 草稿", status=Product.Status.DRAFT)
    index_now("products", *Product.objects.all())
    # when
    response = api_client.get(URL, {"q": "液相色谱", "kind": "products"})
    # then
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [in_title.pk, in_description.pk]
    assert body["count"] == 2
    assert body["count_is_exact"] is True
    assert body["results"][0]["model_number"] == "S-2"
    assert body["results"][0]["manufacturer"]["name_zh"] == in_title.manufacturer.name_zh
    assert {"value": "110000", "label": "Beijing", "count": 1} in body["facets"]["province"]
    assert set(body["facets"]) == {"category", "domestic", "province", "manufacturer"}
    assert "<mark>" in body["highlights"][str(in_title.pk)]["name_zh"][0]
    assert (body["backend"], body["degraded"]) == ("database", False)
    assert body["next"] is None and body["previous"] is None


def test_filters_reach_the_search(api_client):
    category = CategoryFactory()
    wanted = ProductFactory(name_zh="离心机", category=category, is_domestic=False)
    ProductFactory(name_zh="离心机")
    index_now("products", *Product.objects.all())
    response = api_client.get(URL, {"q": "离心机", "category": category.pk, "is_domestic": "false"})
    assert [row["id"] for row in response.json()["results"]] == [wanted.pk]


def test_demand_search_serializes_demands(api_client):
    demand = DemandFactory(title="采购扫描电镜", delivery_province=province("440000"))
    index_now("demands", demand)
    response = api_client.get(URL, {"q": "SEM", "kind": "demands", "province": "440000"})
    body = response.json()
    assert response.status_code == 200
    assert body["results"][0]["id"] == demand.pk
    assert body["results"][0]["delivery_province"]["code"] == "440000"
    assert "contact_phone" not in body["results"][0]
    assert set(body["facets"]) == {"category", "province"}


def test_paging_links(api_client):
    index_now("products", *[ProductFactory(name_zh=f"天平{i}") for i in range(3)])
    body = api_client.get(URL, {"q": "天平", "page_size": 2}).json()
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]
    second = api_client.get(URL, {"q": "天平", "page_size": 2, "page": 2}).json()
    assert len(second["results"]) == 1 and second["next"] is None and "page=1" in second["previous"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "shops"}, "kind"),
        ({"kind": "demands", "manufacturer": 3}, "manufacturer"),
        ({"kind": "products", "budget_min": 3}, "budget_min"),
        ({"price_min": 10, "price_max": 5}, "price_max"),
        ({"price_min": "cheap"}, "price_min"),
        ({"province": "Beijing"}, "province"),
        ({"page": 0}, "page"),
        ({"page": 1000, "page_size": 100}, "page"),
        ({"page_size": 500}, "page_size"),
        ({"kind": "demands", "deadline_after": "tomorrow"}, "deadline_after"),
        ({"is_domestic": "maybe"}, "is_domestic"),
        ({"sort": "deadline"}, "sort"),
        ({"kind": "demands", "sort": "-price"}, "sort"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(api_client, params, field):
    response = api_client.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_search_is_public_and_works_for_signed_in_users(api_client):
    index_now("products", ProductFactory(name_zh="天平"))
    assert api_client.get(URL, {"q": "天平"}).status_code == 200
    api_client.force_authenticate(UserFactory())
    assert api_client.get(URL, {"q": "天平"}).json()["count"] == 1


def test_query_count_does_not_grow_with_results(api_client, django_assert_max_num_queries):
    rows = [ProductFactory(name_zh=f"显微镜 {i}") for i in range(15)]
    for row in rows:
        row.provinces_served.set([province("110000")])
    index_now("products", *rows)
    # category path is not looked up without a category filter: page, facets, highlights, 3 labels, rows
    with django_assert_max_num_queries(7):
        response = api_client.get(URL, {"q": "显微镜"})
    assert len(response.json()["results"]) == 15


def test_schema_documents_the_search_endpoint(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/search/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "kind", "category", "province", "price_min", "budget_max", "deadline_after", "page"} <= names
    assert "200" in operation["responses"]


def test_results_come_in_the_requested_order(api_client):
    from decimal import Decimal

    cheap = ProductFactory(name_zh="天平 甲", price_min=Decimal("1000"), price_max=Decimal("1000"))
    dear = ProductFactory(name_zh="天平 乙", price_min=Decimal("5000"), price_max=Decimal("5000"))
    index_now("products", cheap, dear)
    ids = [hit["id"] for hit in api_client.get(URL, {"q": "天平", "sort": "price"}).json()["results"]]
    assert ids == [cheap.pk, dear.pk]
    ids = [hit["id"] for hit in api_client.get(URL, {"q": "天平", "sort": "-price"}).json()["results"]]
    assert ids == [dear.pk, cheap.pk]
