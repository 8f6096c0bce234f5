from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AnonymousUser

from accounts.models import Organization
from catalog import selectors
from catalog.models import Category, Parameter, Product
from tests.catalog.conftest import new_imported, new_manufacturer, new_product
from tests.factories import ImportedProductFactory, ProductFactory, SpecificationFactory, member_of


def spec(product, key, **values):
    parameter = Parameter.objects.get(category__code__in=product.category.path.split("/"), key=key)
    return SpecificationFactory(product=product, parameter=parameter, **values)


def test_category_parameters_include_ancestors_root_first(db):
    lc = Category.objects.get(code="010501")
    keys = [p.key for p in selectors.category_parameters(lc)]
    assert keys[:3] == ["detector_type", "retention_time_rsd", "peak_area_rsd"]  # from chromatographs
    assert "pressure_max" in keys and "mass_range" not in keys


def test_category_tree_nests_the_classification_table(db):
    roots = selectors.category_tree()
    assert len(roots) == 15
    analytical = next(node for node in roots if node.category.code == "01")
    assert len(analytical.children) >= 13
    chromatography = next(node for node in analytical.children if node.category.code == "0105")
    assert {child.category.code for child in chromatography.children} >= {"010501", "010502"}


def test_visibility_published_for_all_drafts_for_owners(lc):
    published = ProductFactory(category=lc)
    draft = ProductFactory(category=lc, status=Product.Status.DRAFT, published_at=None)
    owner = member_of(Organization.objects.get(pk=draft.manufacturer_id))
    stranger = member_of(new_manufacturer())
    assert set(selectors.product_list(user=AnonymousUser())) == {published}
    assert set(selectors.product_list(user=stranger)) == {published}
    assert set(selectors.product_list(user=owner)) == {published, draft}
    assert selectors.product_get(user=stranger, pk=draft.pk) is None


def test_product_filters_subtree_origin_province_price_and_manufacturer(lc):
    gc = Category.objects.get(code="010502")
    domestic = ProductFactory(category=lc, price_min=Decimal(100000), price_max=Decimal(200000))
    domestic.provinces_served.set(["110000"])
    imported = ImportedProductFactory(category=gc, price_min=Decimal(900000), price_max=Decimal(1200000))
    chromatography = Category.objects.get(code="0105")
    anyone = AnonymousUser()

    def ids(**filters):
        return set(selectors.product_list(user=anyone, filters=selectors.ProductFilters(**filters)))

    assert ids(category=chromatography) == {domestic, imported}
    assert ids(category=lc) == {domestic}
    assert ids(is_domestic=False) == {imported}
    assert ids(province="110000") == {domestic}
    assert ids(price_min=Decimal(1000000)) == {imported}
    assert ids(price_max=Decimal(150000)) == {domestic}
    assert ids(manufacturer=imported.manufacturer_id) == {imported}


def test_domestic_alternatives_meet_or_beat_every_stated_parameter(lc):
    imported = new_imported(category=lc)
    spec(imported, "pressure_max", value=100)
    spec(imported, "wavelength", value=None, value_min=190, value_max=800)
    spec(imported, "flow_accuracy", value=0.1)
    spec(imported, "pump_type", value=None, value_text="binary")  # no direction: ignored

    better = new_product(category=lc)
    spec(better, "pressure_max", value=130)
    spec(better, "wavelength", value=None, value_min=190, value_max=900)
    spec(better, "flow_accuracy", value=0.08)
    weaker = ProductFactory(category=lc)
    spec(weaker, "pressure_max", value=60)
    spec(weaker, "wavelength", value=None, value_min=190, value_max=900)
    spec(weaker, "flow_accuracy", value=0.08)
    silent = ProductFactory(category=lc)
    spec(silent, "pressure_max", value=130)  # states nothing else
    draft = ProductFactory(category=lc, status=Product.Status.DRAFT)
    spec(draft, "pressure_max", value=200)
    spec(draft, "wavelength", value=None, value_min=100, value_max=1000)
    spec(draft, "flow_accuracy", value=0.01)

    assert selectors.product_domestic_alternatives(product=imported) == [better]
    assert selectors.product_domestic_alternatives(product=better) == []  # domestic products need none
