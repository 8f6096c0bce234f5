"""The classification table changes only through its services: paths, the search index and the candidate pools
follow a move, and the admin cannot leave ``path`` stale."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from catalog import selectors, services
from catalog.models import Category, Product
from config.exceptions import ApplicationError
from matching import pools
from search.models import SearchEntry
from search.selectors import SearchQuery, search
from search.services import search_index_objects, search_sync
from tests.factories import (
    CategoryFactory,
    DemandFactory,
    ParameterFactory,
    ProductFactory,
    RequirementFactory,
    SpecificationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(settings):
    """A/A1 holding a published product and an open demand; B elsewhere; both indexed."""
    settings.SEARCH_BACKEND = "database"
    cache.clear()
    a = CategoryFactory(code="A")
    a1 = CategoryFactory(code="A1", parent=a)
    a11 = CategoryFactory(code="A11", parent=a1)
    b = CategoryFactory(code="B")
    product = ProductFactory(category=a11, name_zh="液相色谱仪", name_en="Liquid chromatograph")
    demand = DemandFactory(category=a1, title="需要液相色谱仪")
    search_index_objects(kind="products", ids=[product.pk])
    search_index_objects(kind="demands", ids=[demand.pk])
    return a, a1, a11, b, product, demand


def found(kind: str, category: Category) -> list[int]:
    return search(SearchQuery(kind=kind, text="液相色谱仪", filters={"category": category.pk})).ids


def test_moving_a_category_rewrites_the_subtree_and_re_indexes_its_products_and_demands(
    tree, django_capture_on_commit_callbacks
):
    a, a1, a11, b, product, demand = tree
    assert found("products", a) == [product.pk]
    # when A1 moves under B
    with django_capture_on_commit_callbacks(execute=True):
        services.category_move(category=a1, parent=b)
    search_sync()
    # then the paths of the whole subtree follow, and search finds the product and the demand under B only
    a11.refresh_from_db()
    assert (a11.path, a11.depth) == ("B/A1/A11", 2)
    assert set(SearchEntry.objects.values_list("category_path", flat=True)) == {"B/A1", "B/A1/A11"}
    assert found("products", b) == [product.pk] and found("demands", b) == [demand.pk]
    assert found("products", a) == [] and found("demands", a) == []
    assert Product.objects.filter(selectors.category_subtree_q(b)).get() == product


def test_moving_a_category_re_matches_the_demands_of_the_subtrees_that_lost_or_gained_it(
    tree, django_capture_on_commit_callbacks
):
    from matching import services as matching
    from matching.models import Match

    a, a1, _a11, b, product, _demand = tree
    pressure = ParameterFactory(category=a, key="pressure_max", unit="MPa")
    SpecificationFactory(product=product, parameter=pressure, value=60.0)
    in_a, in_b = DemandFactory(category=a), DemandFactory(category=b)
    for demand in (in_a, in_b):
        RequirementFactory(demand=demand, parameter=pressure, operator=">=", value=40.0)
        matching.match_run_demand(demand_id=demand.pk)  # warms the pools of A and B
    assert Match.objects.filter(demand=in_a, product=product).exists()
    assert not Match.objects.filter(demand=in_b, product=product).exists()
    version_before = {c.pk: pools._pool_fingerprint(c.pk, [c.pk])[0] for c in (a, b)}
    # when A1 (holding the product) moves under B
    with django_capture_on_commit_callbacks(execute=True):
        services.category_move(category=a1, parent=b)
    # then the pools of A and B are forgotten, the demand in A loses the match and the demand in B gains it
    assert all(pools._pool_fingerprint(pk, [pk])[0] != version for pk, version in version_before.items())
    assert not Match.objects.filter(demand=in_a, product=product).exists()
    assert Match.objects.filter(demand=in_b, product=product, is_near_miss=False).exists()


def test_a_category_cannot_move_under_itself_or_its_subtree(tree):
    _a, a1, a11, _b, _product, _demand = tree
    for target in (a1, a11):
        with pytest.raises(ApplicationError, match="under itself"):
            services.category_move(category=a1, parent=target)
    a11.refresh_from_db()
    assert a11.path == "A/A1/A11"


def test_category_update_refuses_code_parent_and_path(tree):
    _a, a1, _a11, b, _product, _demand = tree
    for field, value in (("code", "Z"), ("parent", b), ("path", "Z")):
        with pytest.raises(ApplicationError):
            services.category_update(category=a1, **{field: value})
    a1.refresh_from_db()
    assert (a1.code, a1.path) == ("A1", "A/A1")


def test_renaming_a_category_re_indexes_its_documents(tree, django_capture_on_commit_callbacks):
    _a, a1, _a11, _b, _product, demand = tree
    with django_capture_on_commit_callbacks(execute=True):
        services.category_update(category=a1, name_zh="高效液相色谱", name_en="HPLC")
    search_sync()
    # the demand's document carries its category's new name
    assert search(SearchQuery(kind="demands", text="高效液相色谱")).ids == [demand.pk]


def test_ancestors_are_listed_root_first(tree):
    a, a1, a11, _b, _product, _demand = tree
    assert selectors.category_ancestors(a11) == [a, a1, a11]
    assert selectors.category_ancestor_codes(a11) == ["A", "A1", "A11"]
    assert selectors.category_is_within(a11, a) and not selectors.category_is_within(a, a11)


# --- the admin -------------------------------------------------------------------------------------------------


def admin_data(category: Category, **changes) -> dict:
    data = {
        "name_zh": category.name_zh,
        "name_en": category.name_en,
        "cpv_code": category.cpv_code,
        "hs_code": category.hs_code,
        "sort_order": category.sort_order,
        "parameters-TOTAL_FORMS": "0",
        "parameters-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_the_admin_cannot_edit_code_parent_or_path(client, staff_user, tree):
    a, a1, _a11, b, _product, _demand = tree
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:catalog_category_change", args=[a1.pk]),
        admin_data(a1, code="Z", parent=b.pk, path="Z", name_en="Renamed"),
    )
    assert response.status_code == 302
    a1.refresh_from_db()
    assert (a1.code, a1.parent_id, a1.path, a1.name_en) == ("A1", a.pk, "A/A1", "Renamed")


def test_the_admin_moves_a_category_through_the_service(client, staff_user, tree, django_capture_on_commit_callbacks):
    _a, a1, a11, b, product, _demand = tree
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:catalog_category_change", args=[a1.pk]), admin_data(a1, move_under=b.pk))
    assert response.status_code == 302
    search_sync()
    a11.refresh_from_db()
    assert a11.path == "B/A1/A11"
    assert found("products", b) == [product.pk]


def test_the_admin_refuses_a_move_under_the_categorys_own_subtree(client, staff_user, tree):
    _a, a1, a11, _b, _product, _demand = tree
    client.force_login(staff_user)
    response = client.post(reverse("admin:catalog_category_change", args=[a1.pk]), admin_data(a1, move_under=a11.pk))
    assert response.status_code == 200
    assert "move_under" in response.context["adminform"].form.errors
    a11.refresh_from_db()
    assert a11.path == "A/A1/A11"


def test_moving_a_category_applies_the_rule_of_its_new_ancestors(tree, staff_user, django_capture_on_commit_callbacks):
    # given B requires a 70% component cost share, and a product of A1 with 60% counts as domestic
    _a, a1, _a11, b, product, _demand = tree
    Product.objects.filter(pk=product.pk).update(domestic_content=Decimal("0.6"), is_domestic=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.domestic_rule_create(
            user=staff_user, category=b, effective_from=datetime.date(2026, 1, 1), component_cost_ratio="0.7"
        )
    product.refresh_from_db()
    assert product.is_domestic is True
    # when A1 moves under B
    services.category_move(category=a1, parent=b)
    # then B's rule decides
    product.refresh_from_db()
    assert product.is_domestic is False
