"""The API contract's cross-cutting rules: JSON errors for every /api/ URL, strict paging, filters and ordering."""

import pytest

from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


# --- a JSON error for every /api/ URL ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/no-such-resource/",
        "/api/v1/organizations/abc/members/",  # the organization id does not fit its route ([0-9]+)
        "/api/v1/organizations/1/join-requests/x/y/z/",
        "/api/nothing",
    ],
)
def test_a_url_no_route_takes_is_a_json_404(api_client, url):
    response = api_client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_a_page_url_no_route_takes_stays_an_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_a_route_does_not_take_is_a_json_405(api_client):
    response = api_client.delete("/api/v1/stats/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# --- strict paging ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["null", "0", "-1", "2.5", "abc", "", "101"])
def test_a_page_size_that_is_not_1_to_100_is_a_400_naming_it(api_client, value):
    response = api_client.get("/api/v1/organizations/", {"page_size": value})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["page_size"]


@pytest.mark.parametrize("value", ["null", "0", "-3", "x"])
def test_a_page_that_is_not_a_whole_number_is_a_400_naming_it(api_client, value):
    response = api_client.get("/api/v1/organizations/", {"page": value})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["page"]


def test_a_page_past_the_last_is_a_404_and_last_is_the_last(api_client):
    InstitutionFactory()
    assert api_client.get("/api/v1/organizations/", {"page": 2}).status_code == 404
    assert api_client.get("/api/v1/organizations/", {"page": "last"}).json()["count"] == 1


def test_paging_parameters_are_documented_with_their_bounds(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/organizations/"]["get"]["parameters"]}
    assert parameters["page"] == {"type": "integer", "minimum": 1}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 100}


# --- strict filters and ordering ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-1", "yes", "null", "2"])
def test_a_yes_no_filter_value_it_cannot_read_is_a_400(api_client, value):
    response = api_client.get("/api/v1/organizations/", {"is_verified": value})
    assert response.status_code == 400
    assert response.json()["fields"] == {"is_verified": ["Must be true or false."]}


@pytest.mark.parametrize(("value", "expected"), [("true", 1), ("TRUE", 1), ("1", 1), ("false", 0), ("0", 0), ("", 1)])
def test_a_yes_no_filter_reads_true_false_1_0_and_empty_as_unset(api_client, value, expected):
    # an unverified organization is listed only to its own members: a visitor sees the verified one alone
    InstitutionFactory(is_verified=True)
    InstitutionFactory(is_verified=False)
    assert api_client.get("/api/v1/organizations/", {"is_verified": value}).json()["count"] == expected


def test_an_unknown_ordering_field_is_a_400_listing_the_allowed_ones(api_client):
    response = api_client.get("/api/v1/organizations/", {"ordering": "password"})
    assert response.status_code == 400
    (message,) = response.json()["fields"]["ordering"]
    assert "name_zh" in message and "password" not in message


def test_a_known_ordering_field_orders(api_client):
    InstitutionFactory(name_zh="乙")
    InstitutionFactory(name_zh="甲")
    names = [o["name_zh"] for o in api_client.get("/api/v1/organizations/", {"ordering": "-name_zh"}).json()["results"]]
    assert names == sorted(names, reverse=True)
