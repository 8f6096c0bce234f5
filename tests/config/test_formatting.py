from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from config.formatting import amount_cny, amount_cny_range, grouped


@pytest.mark.parametrize(
    ("value", "chinese", "english"),
    [
        (2297000, "229.7 万元", "CNY 2,297,000"),
        (Decimal("800000.00"), "80 万元", "CNY 800,000"),
        (8500, "8,500 元", "CNY 8,500"),
        (Decimal("123456789"), "1.23 亿元", "CNY 123,456,789"),
        (Decimal("10000"), "1 万元", "CNY 10,000"),
    ],
)
def test_amounts_read_in_wan_in_chinese_and_grouped_in_english(value, chinese, english):
    assert amount_cny(value, language="zh-hans") == chinese
    assert amount_cny(value, language="en") == english


def test_exact_amounts_keep_the_fen_grouped():
    assert amount_cny(Decimal("1234567.8"), exact=True, language="zh-hans") == "1,234,567.80 元"
    assert amount_cny(Decimal("1234567.8"), exact=True, language="en") == "CNY 1,234,567.80"


def test_grouping_and_bad_values():
    assert grouped(2297000) == "2,297,000"
    assert grouped(None) == ""
    assert amount_cny("not a number") == "not a number"
    assert amount_cny(None) == ""


def test_template_filters_follow_the_active_language():
    template = Template("{% load ui %}{{ budget|cny }} / {{ price|cny_exact }} / {{ count|grouped }}")
    context = Context({"budget": 2297000, "price": Decimal("5.5"), "count": 12345})
    with translation.override("zh-hans"):
        assert template.render(context) == "229.7 万元 / 5.50 元 / 12,345"
    with translation.override("en"):
        assert template.render(context) == "CNY 2,297,000 / CNY 5.50 / 12,345"


@pytest.mark.parametrize(
    ("low", "high", "chinese", "english"),
    [
        (Decimal("300000"), Decimal("500000"), "30–50 万元", "CNY 300,000–500,000"),
        (Decimal("300000"), None, "30 万元", "CNY 300,000"),
        (Decimal("300000"), Decimal("300000"), "30 万元", "CNY 300,000"),
        (8000, 12000, "8,000 元–1.2 万元", "CNY 8,000–12,000"),
        (500, 900, "500–900 元", "CNY 500–900"),
    ],
)
def test_price_ranges_name_the_unit_once(low, high, chinese, english):
    assert amount_cny_range(low, high, language="zh-hans") == chinese
    assert amount_cny_range(low, high, language="en") == english


def test_catalog_and_search_pages_show_prices_in_wan_for_chinese_readers(client, settings, db):
    from search.services import search_index_objects
    from tests.factories import ProductFactory

    product = ProductFactory(name_zh="万元显示测试仪", price_min=Decimal("300000"), price_max=Decimal("500000"))
    search_index_objects(kind="products", ids=[product.pk])
    settings.LANGUAGE_CODE = "zh-hans"
    for url in ("/catalog/", f"/catalog/products/{product.pk}/", "/search/?q=万元显示测试仪"):
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "30–50 万元" in body, url
        assert "300,000" not in body and "¥" not in body, url
