"""The classification table changes only through its services: paths, the search index and the candidate pools
follow a move, and the admin cannot leave ``path`` stale."""

from __future__ import annotations

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
from search.services import outbox_sync, search_index_objects
from tests.factories import CategoryFactory, DemandFactory, ProductFactory

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
    outbox_sync()
    # then the paths of the whole subtree follow, and search finds the product and the demand under B only
    a11.refresh_from_db()
    assert (a11.path, a11.depth) == ("B/A1/A11", 2)
    assert set(SearchEntry.objects.values_list("category_path", flat=True)) == {"B/A1", "B/A1/A11"}
    assert found("products", b) == [product.pk] and found("demands", b) == [demand.pk]
    assert found("products", a) == [] and found("demands", a) == []
    assert Product.objects.filter(selectors.category_subtree_q(b)).get() == product


def test_moving_a_category_invalidates_the_pools_that_gained_or_lost_products(tree, django_capture_on_commit_callbacks):
    a, a1, a11, b, product, _demand = tree
    other: Category = CategoryFactory(code="C")
    before = {c.pk: pools._pool_fingerprint(c.pk, [c.pk])[0] for c in (a, a1, a11, b, other)}
    with django_capture_on_commit_callbacks(execute=True):
        services.category_move(category=a1, parent=b)
    after = {c.pk: pools._pool_fingerprint(c.pk, [c.pk])[0] for c in (a, a1, a11, b, other)}
    # the old ancestor A lost the product, B gained it, the moved subtree's own pools are rebuilt too
    assert {pk for pk in before if after[pk] != before[pk]} == {a.pk, a1.pk, a11.pk, b.pk}
    # and a pool read afterwards holds the product under B, not under A
    assert product.pk in set(pools.warm_pool(category_id=b.pk).ids.tolist())
    assert product.pk not in set(pools.warm_pool(category_id=a.pk).ids.tolist())


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
    outbox_sync()
    # the demand's document carries its category's new name
    assert search(SearchQuery(kind="demands", text="高效液相色谱")).ids == [demand.pk]


def test_the_threshold_resolver_takes_the_nearest_threshold_set(tree, settings):
    a, a1, a11, _b, _product, _demand = tree
    settings.DOMESTIC_CONTENT_THRESHOLD = 0.5
    assert selectors.category_domestic_threshold(a11) == Decimal("0.5")
    services.category_update(category=a, domestic_threshold=Decimal("0.7"))
    assert selectors.category_domestic_threshold(a11) == Decimal("0.7")
    services.category_update(category=a1, domestic_threshold=Decimal("0.6"))
    assert selectors.category_domestic_threshold(a11) == Decimal("0.6")


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
        "domestic_threshold": "" if category.domestic_threshold is None else str(category.domestic_threshold),
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
    outbox_sync()
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


def test_a_new_threshold_in_the_admin_re_derives_the_domestic_flags(client, staff_user, tree):
    _a, a1, _a11, _b, product, _demand = tree
    Product.objects.filter(pk=product.pk).update(domestic_content=Decimal("0.6"), is_domestic=True)
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:catalog_category_change", args=[a1.pk]), admin_data(a1, domestic_threshold="0.700")
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.is_domestic is False
