from __future__ import annotations

import re
from unittest import mock

import pytest

from search.backends import SearchUnavailable
from tests.factories import CategoryFactory, DemandFactory, ManufacturerFactory, ProductFactory
from tests.search.factories import index_now

pytestmark = pytest.mark.django_db


def test_search_page_renders_highlighted_results_and_facet_links_keeping_the_query(client):
    # given
    category = CategoryFactory()
    product = ProductFactory(name_zh="高效液相色谱仪", name_en="", category=category)
    index_now("products", product)
    # when
    response = client.get("/search/", {"q": "HPLC", "kind": "products"})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>高效液相色谱仪</mark>" in html
    assert f'href="?q=HPLC&amp;kind=products&amp;category={category.pk}"' in html
    assert "data-search-degraded" not in html


def test_selected_facet_links_to_its_removal(client):
    category = CategoryFactory()
    index_now("products", ProductFactory(name_zh="离心机", category=category))
    response = client.get("/search/", {"q": "离心机", "category": category.pk, "page": 1})
    html = response.content.decode()
    assert 'href="?q=%E7%A6%BB%E5%BF%83%E6%9C%BA" class="fw-bold"' in html


def test_search_page_for_demands(client):
    demand = DemandFactory(title="采购<透射电镜>")
    index_now("demands", demand)
    html = client.get("/search/", {"q": "TEM", "kind": "demands"}).content.decode()
    assert "采购&lt;<mark>透射电镜</mark>&gt;" in html


def test_search_page_without_query_shows_the_form(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()


def test_bad_filter_is_a_form_error_not_a_500(client):
    response = client.get("/search/", {"q": "x", "price_min": "cheap"})
    assert response.status_code == 400
    assert "alert-danger" in response.content.decode()


def test_page_says_when_results_come_from_the_fallback(client, settings):
    index_now("products", ProductFactory(name_zh="天平"))
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    settings.SEARCH_BACKEND = "elasticsearch"
    with mock.patch("search.backends.elasticsearch.ElasticsearchBackend.search", side_effect=SearchUnavailable("down")):
        html = client.get("/search/", {"q": "天平"}).content.decode()
    assert "data-search-degraded" in html
    assert "天平" in html


def test_htmx_request_gets_the_results_fragment_only(client):
    index_now("products", ProductFactory(name_zh="天平"))
    html = client.get("/search/", {"q": "天平"}, headers={"HX-Request": "true"}).content.decode()
    assert 'id="search-results"' in html and "<nav" not in html.split('id="search-results"')[0]


def test_search_page_speaks_chinese(client):
    index_now("products", ProductFactory(name_zh="天平"))
    html = client.get("/search/", {"q": "天平"}, headers={"accept-language": "zh-hans"}).content.decode()
    assert "1 条结果" in html
    assert "搜索" in html


def test_domestic_facet_link_sets_both_filter_spellings_and_results_link_to_detail(client):
    product = ProductFactory(name_zh="马弗炉")
    index_now("products", product)
    html = client.get("/search/", {"q": "马弗炉"}).content.decode()
    assert 'href="?q=%E9%A9%AC%E5%BC%97%E7%82%89&amp;is_domestic=true&amp;origin=domestic"' in html
    assert f'href="/catalog/products/{product.pk}/"' in html
    filtered = client.get("/search/", {"q": "马弗炉", "is_domestic": "false"}).content.decode()
    assert 'data-search-total="0"' in filtered


def test_switching_kind_drops_filters_of_the_other_kind(client):
    demand = DemandFactory(title="采购离心机")
    index_now("demands", demand)
    response = client.get("/search/", {"q": "离心机", "kind": "demands", "manufacturer": 5, "is_domestic": "true"})
    assert response.status_code == 200
    assert f'data-id="{demand.pk}"' in response.content.decode()


def test_english_results_show_english_names_where_they_exist(client):
    # given a product and a maker with names in both languages, and a product with a Chinese name only
    maker = ManufacturerFactory(name_zh="北京分析仪器厂", name_en="Beijing Analytical Instruments")
    both = ProductFactory(name_zh="高效液相色谱仪", name_en="HPLC system", manufacturer=maker)
    chinese_only = ProductFactory(name_zh="液相色谱仪专用版", name_en="", manufacturer=maker)
    index_now("products", both, chinese_only)
    # when an English reader searches
    response = client.get("/search/", {"q": "液相色谱"}, HTTP_ACCEPT_LANGUAGE="en")
    html = re.sub(r"</?mark>", "", response.content.decode())
    # then the English names show, and a Chinese name only where there is no English one
    assert "HPLC system" in html and "高效液相色谱仪" not in html
    assert "Beijing Analytical Instruments" in html and "北京分析仪器厂" not in html
    assert "液相色谱仪专用版" in html


def test_chinese_results_lead_with_the_chinese_name(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    both = ProductFactory(name_zh="高效液相色谱仪", name_en="HPLC system")
    index_now("products", both)
    html = re.sub(r"</?mark>", "", client.get("/search/", {"q": "HPLC"}).content.decode())
    assert html.index("高效液相色谱仪") < html.index("HPLC system")
    assert '<div lang="en">' in html


def test_an_inverted_price_range_names_the_other_bound_not_its_key(client):
    response = client.get("/search/", {"q": "x", "price_min": "10", "price_max": "5"}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "Must not be less than the lowest price." in html
    assert "price_min" not in re.sub(r"<[^>]+>", " ", html)


def test_search_page_shows_results_and_facets_before_any_keyword(client):
    category = CategoryFactory()
    index_now("products", ProductFactory(name_zh="离心机", name_en="", category=category))
    html = client.get("/search/").content.decode()
    assert 'data-facet="category"' in html and "离心机" in html


def test_search_page_sorts_on_request_and_offers_the_kinds_orders(client):
    from decimal import Decimal

    cheap = ProductFactory(name_zh="天平 甲", price_min=Decimal("1000"), price_max=Decimal("1000"))
    dear = ProductFactory(name_zh="天平 乙", price_min=Decimal("5000"), price_max=Decimal("5000"))
    index_now("products", cheap, dear)
    response = client.get("/search/", {"q": "天平", "sort": "-price"})
    assert [row.pk for row in response.context["rows"]] == [dear.pk, cheap.pk]
    html = response.content.decode()
    assert '<option value="-price" selected>' in html and 'value="deadline"' not in html
    demands = client.get("/search/", {"kind": "demands", "sort": "price"})
    # a products order kept in the page's fields when switching to demands is dropped, not an error
    assert demands.status_code == 200 and 'value="deadline"' in demands.content.decode()
