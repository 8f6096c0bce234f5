from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from config.formatting import amount_cny, grouped


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
