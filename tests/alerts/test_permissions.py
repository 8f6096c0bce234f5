"""Nobody reads or changes another person's saved searches and follows: not anonymous visitors, not members of
another organization, not colleagues (members or administrators of the owner's own organization), not platform
staff; on the API and on the pages, in lists (and their counts), details, updates and deletes."""

from __future__ import annotations

import pytest

from accounts.models import Membership
from alerts.models import Delivery, Follow, SavedSearch
from alerts.services import follow_create, saved_search_create
from tests.factories import CategoryFactory, InstitutionFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

NAME = "Private chromatography watch of the owner"
INTRUDERS = ("anonymous", "other_org_member", "colleague", "org_admin", "staff")


@pytest.fixture
def world(institution):
    owner = member_of(institution)
    saved = saved_search_create(user=owner, params={"kind": "products", "q": "色谱"}, name=NAME)
    category = CategoryFactory(name_en="Owner-followed category")
    follow = follow_create(user=owner, category=category)
    users = {
        "anonymous": None,
        "other_org_member": member_of(InstitutionFactory()),
        "colleague": member_of(institution),
        "org_admin": member_of(institution, role=Membership.Role.ADMIN),
        "staff": UserFactory(is_staff=True, is_superuser=True),
        "owner": owner,
    }
    return saved, follow, users


def _unchanged(saved: SavedSearch, follow: Follow) -> bool:
    return (
        SavedSearch.objects.filter(pk=saved.pk, name=NAME, delivery=saved.delivery).exists()
        and Follow.objects.filter(pk=follow.pk, delivery=follow.delivery).exists()
    )


@pytest.mark.parametrize("role", INTRUDERS)
def test_the_api_hides_another_persons_saved_searches_and_follows(api_client, world, role):
    saved, follow, users = world
    if users[role] is not None:
        api_client.force_authenticate(users[role])
    lists = [api_client.get("/api/v1/saved-searches/"), api_client.get("/api/v1/follows/")]
    searches, follows = f"/api/v1/saved-searches/{saved.pk}/", f"/api/v1/follows/{follow.pk}/"
    others = [
        api_client.get(searches),
        api_client.patch(searches, {"name": "taken over", "delivery": Delivery.IMMEDIATE}, format="json"),
        api_client.delete(searches),
        api_client.get(follows),
        api_client.patch(follows, {"delivery": Delivery.IMMEDIATE}, format="json"),
        api_client.delete(follows),
    ]
    if role == "anonymous":
        assert {r.status_code for r in lists + others} <= {401, 403}
    else:
        assert [(r.status_code, r.json()["count"], r.json()["results"]) for r in lists] == [(200, 0, [])] * 2
        assert [r.status_code for r in others] == [404] * 6
    for response in lists + others:
        assert NAME not in response.content.decode()
    assert _unchanged(saved, follow)


@pytest.mark.parametrize("role", INTRUDERS)
def test_the_pages_hide_another_persons_saved_searches_and_follows(client, world, role):
    saved, follow, users = world
    if users[role] is not None:
        client.force_login(users[role])
    listing = client.get("/alerts/")
    changes = [
        client.post(f"/alerts/searches/{saved.pk}/", {"delivery": Delivery.IMMEDIATE}),
        client.post(f"/alerts/searches/{saved.pk}/delete/"),
        client.post(f"/alerts/follows/{follow.pk}/", {"delivery": Delivery.IMMEDIATE}),
        client.post(f"/alerts/follows/{follow.pk}/delete/"),
    ]
    if role == "anonymous":
        assert all(r.status_code == 302 and "/login/" in r["Location"] for r in [listing, *changes])
    else:
        page = listing.content.decode()
        assert listing.status_code == 200
        assert NAME not in page and "Owner-followed category" not in page
        assert [r.status_code for r in changes] == [404] * 4
    assert _unchanged(saved, follow)


def test_the_owner_reads_and_changes_their_own_on_both(api_client, client, world):
    saved, follow, users = world
    api_client.force_authenticate(users["owner"])
    assert api_client.get("/api/v1/saved-searches/").json()["count"] == 1
    assert api_client.get(f"/api/v1/follows/{follow.pk}/").status_code == 200
    client.force_login(users["owner"])
    page = client.get("/alerts/").content.decode()
    assert NAME in page and "Owner-followed category" in page
    assert client.post(f"/alerts/searches/{saved.pk}/delete/").status_code == 302
    assert not SavedSearch.objects.filter(pk=saved.pk).exists()
