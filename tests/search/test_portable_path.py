"""The SQLite path of the database backend (LIKE over token columns), run here by switching the vendor check.

The embedded platform runs on SQLite; these tests keep that path honest inside the PostgreSQL suite.
"""

from __future__ import annotations

import pytest

from catalog.models import Product
from search.selectors import SearchQuery, search
from tests.factories import ProductFactory, province
from tests.search.factories import index_now

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _portable(monkeypatch):
    monkeypatch.setattr("search.backends.database._is_postgres", lambda: False)


def products(text: str = "", **kwargs):
    return search(SearchQuery(kind="products", text=text, **kwargs))


def test_chinese_english_and_abbreviation_find_a_chinese_only_product():
    hplc = ProductFactory(name_zh="高效液相色谱仪", name_en="", model_number="P-1")
    ProductFactory(name_zh="扫描电子显微镜", name_en="", model_number="P-2")
    index_now("products", *Product.objects.all())
    for text in ("液相色谱", "liquid chromatograph", "HPLC"):
        assert products(text).ids == [hplc.pk], text


def test_exact_model_first_then_title_then_description():
    in_description = ProductFactory(name_zh="分析系统", description_zh="紫外检测器 ZX-100", model_number="ZX-100A")
    in_title = ProductFactory(name_zh="紫外检测器", model_number="ZX-200")
    exact = ProductFactory(name_zh="检测器 组件", model_number="ZX-100")
    index_now("products", in_description, in_title, exact)
    assert products("紫外检测器").ids == [in_title.pk, in_description.pk]
    assert products("ZX-100").ids[0] == exact.pk


def test_filters_facets_and_drafts():
    served = ProductFactory(name_zh="离心机 A", is_domestic=False)
    served.provinces_served.set([province("310000")])
    other = ProductFactory(name_zh="离心机 B")
    ProductFactory(name_zh="离心机 草稿", status=Product.Status.DRAFT)
    index_now("products", *Product.objects.all())
    result = products("离心机", facets=("domestic", "province"))
    assert set(result.ids) == {served.pk, other.pk}
    assert result.facets["province"] == [("310000", "Shanghai", 1)]
    assert sorted(result.facets["domestic"]) == [("false", "Imported", 1), ("true", "Domestic", 1)]
    assert products("离心机", filters={"province": "310000"}).ids == [served.pk]
    assert products("离心机", filters={"is_domestic": True}).ids == [other.pk]
    assert products("离心机").total_is_exact is True


def test_domestic_first_by_default_and_price_order_on_request():
    from decimal import Decimal

    domestic = ProductFactory(name_zh="天平 国产", price_min=Decimal("9000"), price_max=Decimal("9000"))
    imported = ProductFactory(
        name_zh="天平", is_domestic=False, country_of_origin="DE", price_min=Decimal("500"), price_max=Decimal("800")
    )
    index_now("products", domestic, imported)
    assert products("天平").ids == [domestic.pk, imported.pk]
    assert products("").ids == [domestic.pk, imported.pk]
    assert products("天平", sort="price").ids == [imported.pk, domestic.pk]
