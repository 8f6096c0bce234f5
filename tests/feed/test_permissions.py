"""Nobody but an organization's administrators reads or changes its webhook endpoints and their deliveries: not
anonymous visitors, not another organization's administrators, not its other members, not platform staff; on
the API and on the pages, in lists (and their counts), details, updates and deletes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Membership
from feed.models import FeedEntry, WebhookDelivery, WebhookEndpoint
from tests.factories import InstitutionFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

SECRET = "a-secret-nobody-else-reads-0123456789"
OUTSIDERS = ("anonymous", "other_org_admin", "member", "staff")


@pytest.fixture
def world(institution):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    endpoint = WebhookEndpoint.objects.create(
        organization=institution,
        url="https://hooks.example.org/receive",
        kinds=["product.published"],
        secret=SECRET,
        description="our procurement system",
        created_by=admin,
    )
    entry = FeedEntry.objects.create(
        kind="product.published", entity="product", object_id=1, occurred_at=timezone.now()
    )
    WebhookDelivery.objects.create(endpoint=endpoint, entry=entry)
    users = {
        "anonymous": None,
        "other_org_admin": member_of(InstitutionFactory(), role=Membership.Role.ADMIN),
        "member": member_of(institution),
        "staff": UserFactory(is_staff=True, is_superuser=True),
        "admin": admin,
    }
    return endpoint, users


def _api(api_client, user):
    if user is not None:
        api_client.force_authenticate(user)
    return api_client


@pytest.mark.parametrize("role", OUTSIDERS)
def test_the_api_hides_another_organizations_endpoints_and_deliveries(api_client, world, role):
    endpoint, users = world
    client = _api(api_client, users[role])
    detail = f"/api/v1/webhooks/{endpoint.pk}/"
    listing = client.get("/api/v1/webhooks/")
    responses = [
        client.get(detail),
        client.get(f"{detail}deliveries/"),
        client.patch(detail, {"url": "https://evil.example.org/", "secret": "x" * 40}, format="json"),
        client.delete(detail),
    ]
    if role == "anonymous":
        assert listing.status_code in (401, 403)
        assert {r.status_code for r in responses} <= {401, 403}
    else:
        assert listing.status_code == 200
        assert listing.json()["count"] == 0 and listing.json()["results"] == []
        assert [r.status_code for r in responses] == [404, 404, 404, 404]
    for response in (listing, *responses):
        assert SECRET not in response.content.decode()
    fresh = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (fresh.url, fresh.secret) == ("https://hooks.example.org/receive", SECRET)
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1


@pytest.mark.parametrize("role", OUTSIDERS)
def test_nobody_else_registers_an_endpoint_for_the_organization(api_client, world, role):
    endpoint, users = world
    response = _api(api_client, users[role]).post(
        "/api/v1/webhooks/",
        {"organization": endpoint.organization_id, "url": "https://hooks.example.org/x", "kinds": ["demand.opened"]},
        format="json",
    )
    assert response.status_code in (400, 401, 403)
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize("role", OUTSIDERS)
def test_the_pages_hide_another_organizations_endpoints_and_deliveries(client, world, role):
    endpoint, users = world
    if users[role] is not None:
        client.force_login(users[role])
    responses = [
        client.get(f"/webhooks/organizations/{endpoint.organization_id}/"),
        client.post(
            f"/webhooks/organizations/{endpoint.organization_id}/",
            {"url": "https://hooks.example.org/y", "kinds": ["demand.opened"]},
        ),
        client.get(f"/webhooks/{endpoint.pk}/"),
        client.post(f"/webhooks/{endpoint.pk}/", {"url": "https://evil.example.org/", "kinds": ["demand.opened"]}),
        client.post(f"/webhooks/{endpoint.pk}/delete/"),
    ]
    if role == "anonymous":
        assert all(r.status_code == 302 and "/login/" in r["Location"] for r in responses)
    else:
        assert [r.status_code for r in responses] == [404] * 5
    for response in responses:
        assert SECRET not in response.content.decode()
    assert WebhookEndpoint.objects.get().url == "https://hooks.example.org/receive"


def test_the_organizations_admin_reads_its_endpoint_and_deliveries_on_both(api_client, client, world):
    endpoint, users = world
    body = _api(api_client, users["admin"]).get("/api/v1/webhooks/").json()
    assert body["count"] == 1 and body["results"][0]["secret"] == SECRET
    deliveries = api_client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").json()
    assert deliveries["count"] == 1
    client.force_login(users["admin"])
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 200
    assert "hooks.example.org" in client.get(f"/webhooks/organizations/{endpoint.organization_id}/").content.decode()
