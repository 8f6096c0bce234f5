"""GET /api/v1/feed/: event shape, cursor paging, limits and bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from feed.selectors import cursor_encode
from procurement.services import awards as award_services
from tests.factories import DemandFactory, ProductFactory, member_of
from tests.feed.conftest import record_products, take_feed

pytestmark = pytest.mark.django_db

URL = "/api/v1/feed/"


def _published(count: int):
    products = ProductFactory.create_batch(count)
    record_products(products)
    take_feed()
    return products


def test_the_feed_is_public_and_gives_kind_id_time_and_urls(api_client):
    [product] = _published(1)
    response = api_client.get(URL)
    assert response.status_code == 200
    [event] = response.json()["results"]
    assert event["kind"] == "product.published"
    assert event["entity"] == "product"
    assert event["object_id"] == product.pk
    assert event["time"].endswith("Z")
    assert event["url"] == f"http://testserver{reverse('api:product-detail', kwargs={'pk': product.pk})}"
    assert event["html_url"] == f"http://testserver{reverse('catalog:product-detail', kwargs={'pk': product.pk})}"
    assert api_client.get(event["url"]).status_code == 200


def test_pages_follow_the_cursor_without_gaps_or_repeats(api_client):
    products = _published(7)
    seen, url = [], f"{URL}?limit=3"
    for _ in range(5):
        body = api_client.get(url).json()
        seen += [event["object_id"] for event in body["results"]]
        url = body["next"]
        if not body["has_more"]:
            break
    assert seen == [p.pk for p in products]
    # The last cursor stays valid: a reader polls it and gets only what is new.
    assert api_client.get(url).json()["results"] == []
    [newer] = _published(1)
    assert [e["object_id"] for e in api_client.get(url).json()["results"]] == [newer.pk]


def test_a_page_holds_up_to_a_thousand_entries(api_client, django_assert_max_num_queries):
    _published(1001)
    with django_assert_max_num_queries(2):
        body = api_client.get(f"{URL}?limit=1000").json()
    assert len(body["results"]) == 1000
    assert body["has_more"] is True


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=1001", "limit"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("cursor=bm9wZQ", "cursor"),
        ("cursor=%%%", "cursor"),
        (f"cursor={cursor_encode(-1)}", "cursor"),
    ],
)
def test_bad_limits_and_cursors_are_400_with_the_field(api_client, query, field):
    response = api_client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_the_feed_is_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/feed/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"cursor", "limit"}


def test_an_award_notice_is_in_the_feed_with_its_links_once_published(api_client, institution):
    # given: an open demand the feed has seen
    buyer = member_of(institution)
    demand = DemandFactory(institution=institution)
    product = ProductFactory(category=demand.category)
    # when: the buyer awards it
    award = award_services.demand_award(demand=demand, user=buyer, product=product)
    take_feed()
    # then: the feed gives the demand's award and the award notice, linking the notice in the API and its page
    events = api_client.get(URL, {"limit": 1000}).json()["results"]
    [notice] = [e for e in events if e["kind"] == "award.published"]
    assert (notice["entity"], notice["object_id"]) == ("award", award.pk)
    assert notice["url"] == f"http://testserver/api/v1/awards/{award.pk}/"
    assert notice["html_url"] == f"http://testserver/demands/awards/{award.pk}/"
    assert api_client.get(notice["url"]).json()["id"] == award.pk
    assert [e["kind"] for e in events if e["object_id"] == demand.pk and e["entity"] == "demand"] == ["demand.awarded"]
    # and: nothing repeats it when the outbox is taken again
    take_feed()
    assert len([e for e in api_client.get(URL, {"limit": 1000}).json()["results"] if e["entity"] == "award"]) == 1
