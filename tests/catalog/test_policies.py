"""Each catalog rule, for every role: anonymous, a researcher, another institution's member, a maker, staff."""

from __future__ import annotations

import pytest

from catalog import policies, selectors
from catalog.models import Product
from tests.conftest import allowed
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(people):
    return ProductFactory(manufacturer=people.manufacturer, status=Product.Status.DRAFT, published_at=None)


@pytest.fixture
def published(people):
    return ProductFactory(manufacturer=people.manufacturer)


def test_everyone_sees_a_published_product(people, published):
    assert allowed(people, lambda u: policies.can_see_product(u, published)) == set(people.users)


def test_a_draft_is_seen_by_its_manufacturer_and_staff_on_every_path(people, draft):
    expected = {"maker", "staff"}
    assert allowed(people, lambda u: policies.can_see_product(u, draft)) == expected
    assert allowed(people, lambda u: selectors.product_get(user=u, pk=draft.pk) is not None) == expected
    assert allowed(people, lambda u: selectors.product_list(user=u).filter(pk=draft.pk).exists()) == expected


def test_only_the_manufacturers_members_manage_its_products(people, published):
    assert allowed(people, lambda u: policies.can_manage_product(u, published)) == {"maker"}
    assert allowed(people, lambda u: policies.can_manage_products_of(u, people.manufacturer)) == {"maker"}


def test_only_staff_delete_products(people, published):
    assert allowed(people, lambda u: policies.can_delete_product(u, published)) == {"staff"}


def test_members_of_verified_institutions_evaluate_others_products(people, published):
    assert allowed(people, lambda u: policies.can_evaluate_product(u, published)) == {
        "researcher",
        "other_researcher",
    }
    assert allowed(people, lambda u: policies.can_evaluate_for(u, people.institution)) == {"researcher"}
    assert allowed(people, lambda u: policies.is_own_product(u, published)) == {"maker"}


def test_nobody_evaluates_a_draft(people, draft):
    assert allowed(people, lambda u: policies.can_evaluate_product(u, draft)) == set()


@pytest.mark.parametrize("role", ["researcher", "other_researcher", "staff"])
def test_the_service_refuses_everyone_but_the_manufacturers_members(people, published, role):
    from django.core.exceptions import PermissionDenied

    from catalog import services

    with pytest.raises(PermissionDenied):
        services.product_update(product=published, user=people.users[role], fields={"name_zh": "改名"})
    published.refresh_from_db()
    assert published.name_zh != "改名"


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("researcher", 403), ("other_researcher", 403), ("maker", 200), ("staff", 403)],
)
def test_the_api_answers_a_product_change_as_the_policy_says(api_client, people, published, role, status):
    if role != "anonymous":
        api_client.force_authenticate(people.users[role])
    response = api_client.patch(f"/api/v1/products/{published.pk}/", {"name_zh": "改名"}, format="json")
    assert response.status_code == status
