"""Search behaviour on the database backend (PostgreSQL), through the public selector."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from catalog.models import Product
from procurement.models import Demand
from search.selectors import SearchQuery, search
from tests.factories import CategoryFactory, DemandFactory, ManufacturerFactory, ProductFactory, province
from tests.search.factories import index_now

pytestmark = pytest.mark.django_db


def products(text: str = "", **kwargs):
    return search(SearchQuery(kind="products", text=text, **kwargs))


def test_runs_on_postgresql():
    # The ranking and GIN behaviour below is PostgreSQL's; the suite must not silently run on SQLite.
    assert connection.vendor == "postgresql"


def test_chinese_substring_finds_product_named_only_in_chinese():
    # given
    hplc = ProductFactory(name_zh="高效液相色谱仪", name_en="", description_zh="", model_number="X-1")
    other = ProductFactory(name_zh="气相色谱仪", name_en="", model_number="X-2")
    index_now("products", hplc, other)
    # when
    result = products("液相色谱")
    # then
    assert result.ids == [hplc.pk]
    assert result.total == 1
    assert result.backend == "database"
    assert not result.degraded


@pytest.mark.parametrize("query", ["liquid chromatograph", "HPLC", "hplc", "High Performance Liquid Chromatograph"])
def test_english_and_abbreviation_find_chinese_only_product_through_synonyms(query):
    # given
    hplc = ProductFactory(name_zh="高效液相色谱仪", name_en="", description_zh="", model_number="Y-1")
    ProductFactory(name_zh="扫描电子显微镜", name_en="", model_number="Y-2")
    index_now("products", *Product.objects.all())
    # when
    result = products(query)
    # then
    assert result.ids == [hplc.pk]


def test_model_number_query_puts_the_exact_model_first():
    # given: the exact model is indexed last and has the longest text, so only the model rule can lift it
    decoy = ProductFactory(name_zh="LC-2030 配件套装", model_number="LC-2030-KIT")
    near = ProductFactory(name_zh="液相色谱仪", model_number="LC-2030X")
    exact = ProductFactory(name_zh="液相色谱仪 升级版", description_zh="LC-2030 " * 3, model_number="LC-2030")
    index_now("products", decoy, near, exact)
    # when
    result = products("lc2030")
    # then
    assert result.ids[0] == exact.pk
    assert set(result.ids) == {decoy.pk, near.pk, exact.pk}


def test_title_match_ranks_above_description_only_match():
    # given
    in_description = ProductFactory(
        name_zh="分析系统", description_zh="可配置紫外检测器和荧光检测器", model_number="D-1"
    )
    in_title = ProductFactory(name_zh="紫外检测器", description_zh="", model_number="D-2")
    index_now("products", in_description, in_title)
    # when
    result = products("紫外检测器")
    # then
    assert result.ids == [in_title.pk, in_description.pk]


def test_one_character_query_finds_it_at_any_position():
    # given
    first = ProductFactory(name_zh="泵头组件", model_number="P-1")
    last = ProductFactory(name_zh="真空泵", model_number="P-2")
    ProductFactory(name_zh="离心机", model_number="P-3")
    index_now("products", *Product.objects.all())
    # when
    result = products("泵")
    # then
    assert set(result.ids) == {first.pk, last.pk}


def test_drafts_and_withdrawn_products_never_appear():
    # given
    published = ProductFactory(name_zh="原子吸收光谱仪", model_number="A-1")
    draft = ProductFactory(name_zh="原子吸收光谱仪 草稿", model_number="A-2", status=Product.Status.DRAFT)
    withdrawn = ProductFactory(name_zh="原子吸收光谱仪 旧款", model_number="A-3", status=Product.Status.WITHDRAWN)
    index_now("products", published, draft, withdrawn)
    # when
    with_text, without_text = products("原子吸收"), products("", facets=("category",))
    # then
    assert with_text.ids == [published.pk]
    assert without_text.ids == [published.pk]
    assert without_text.total == 1


def test_product_withdrawn_after_indexing_is_removed_from_the_index():
    # given
    product = ProductFactory(name_zh="热重分析仪", model_number="T-1")
    index_now("products", product)
    assert products("热重").ids == [product.pk]
    # when
    Product.objects.filter(pk=product.pk).update(status=Product.Status.WITHDRAWN)
    index_now("products", product)
    # then
    assert products("热重").ids == []


def test_product_filters_and_facet_counts():
    # given
    root = CategoryFactory(name_zh="色谱仪器")
    child = CategoryFactory(parent=root, name_zh="液相色谱")
    elsewhere = CategoryFactory(name_zh="光谱仪器")
    maker = ManufacturerFactory(name_zh="北分仪器")
    a = ProductFactory(name_zh="色谱 A", category=child, manufacturer=maker, price_min=100_000, price_max=200_000)
    b = ProductFactory(name_zh="色谱 B", category=root, is_domestic=False, price_min=600_000, price_max=900_000)
    c = ProductFactory(name_zh="色谱 C", category=elsewhere, manufacturer=maker)
    a.provinces_served.set([province("110000"), province("310000")])
    b.provinces_served.set([province("310000")])
    index_now("products", a, b, c)
    facets = ("category", "domestic", "province", "manufacturer")
    # when / then: category includes its subtree
    result = products("色谱", filters={"category": root.pk}, facets=facets)
    assert set(result.ids) == {a.pk, b.pk}
    assert sorted(result.facets["category"]) == sorted(
        [(str(child.pk), child.name_en, 1), (str(root.pk), root.name_en, 1)]
    )
    assert result.facets["domestic"] == [("false", "Imported", 1), ("true", "Domestic", 1)]
    assert result.facets["province"][0] == ("310000", "Shanghai", 2)
    assert ("110000", "Beijing", 1) in result.facets["province"]
    assert (str(maker.pk), maker.name_en, 1) in result.facets["manufacturer"]
    # other filters
    assert products("色谱", filters={"is_domestic": False}).ids == [b.pk]
    assert products("色谱", filters={"province": "110000"}).ids == [a.pk]
    assert set(products("色谱", filters={"manufacturer": maker.pk}).ids) == {a.pk, c.pk}
    assert products("色谱", filters={"price_min": Decimal("600000")}).ids == [b.pk]
    assert products("色谱", filters={"price_max": 250_000}).ids == [a.pk]  # c starts at 300,000
    # facet counts follow the filters
    all_facets = products("色谱", facets=facets).facets
    assert sum(count for _, _, count in all_facets["domestic"]) == 3


def test_demand_search_filters_and_only_open_demands():
    # given
    category = CategoryFactory()
    open_demand = DemandFactory(
        title="采购高效液相色谱仪一台", category=category, budget=800_000, delivery_province=province("440000")
    )
    cheap = DemandFactory(title="液相色谱柱", budget=20_000)
    draft = DemandFactory(title="液相色谱仪 草稿", status=Demand.Status.DRAFT)
    closed = DemandFactory(title="液相色谱仪 已关闭", status=Demand.Status.CLOSED)
    index_now("demands", open_demand, cheap, draft, closed)

    def demands(**kwargs):
        return search(SearchQuery(kind="demands", text="液相色谱", facets=("category", "province"), **kwargs))

    # when / then
    result = demands()
    assert set(result.ids) == {open_demand.pk, cheap.pk}
    assert ("440000", "Guangdong", 1) in result.facets["province"]
    assert demands(filters={"budget_min": 100_000}).ids == [open_demand.pk]
    assert demands(filters={"budget_max": 100_000}).ids == [cheap.pk]
    assert demands(filters={"province": "440000"}).ids == [open_demand.pk]
    assert demands(filters={"category": category.pk}).ids == [open_demand.pk]
    assert demands(filters={"deadline_after": open_demand.deadline}).total == 2
    assert demands(filters={"deadline_before": open_demand.deadline.replace(year=2000)}).total == 0
    # an English query reaches the Chinese demands through synonyms
    assert set(search(SearchQuery(kind="demands", text="HPLC")).ids) == {open_demand.pk, cheap.pk}


def test_highlights_mark_the_matched_terms_and_synonyms():
    # given
    product = ProductFactory(
        name_zh="高效液相色谱仪", name_en="", description_zh="配备<二极管阵列>检测器", model_number="H-1"
    )
    index_now("products", product)
    # when
    by_chinese = products("效液相")
    by_abbreviation = products("HPLC")
    by_description = products("检测器")
    # then
    assert by_chinese.highlights[product.pk]["name_zh"] == ["高<mark>效液相</mark>色谱仪"]
    assert by_abbreviation.highlights[product.pk]["name_zh"] == ["<mark>高效液相色谱仪</mark>"]
    assert by_description.highlights[product.pk]["description_zh"] == ["配备&lt;二极管阵列&gt;<mark>检测器</mark>"]


def test_paging_returns_the_requested_slice_and_the_full_total():
    # given
    rows = [ProductFactory(name_zh=f"离心机 {i}", model_number=f"C-{i}") for i in range(5)]
    index_now("products", *rows)
    # when
    first, second = products("离心机", page_size=2), products("离心机", page=3, page_size=2)
    # then
    assert first.total == second.total == 5
    assert len(first.ids) == 2 and len(second.ids) == 1
    assert not set(first.ids) & set(second.ids)


def test_text_without_searchable_tokens_finds_nothing():
    index_now("products", ProductFactory(name_zh="天平"))
    assert products("!!! --").total == 0


def test_unknown_category_filter_matches_nothing():
    index_now("products", ProductFactory(name_zh="天平"))
    assert products("天平", filters={"category": 999_999}).total == 0


def test_very_broad_match_is_sampled_with_estimated_total_and_the_exact_model_still_first(settings):
    # given: more matches than the scan limit, the exact model indexed last
    settings.SEARCH_DATABASE_SCAN_LIMIT = 3
    rows = [ProductFactory(name_zh=f"离心机 {i}", model_number=f"CF-{i}") for i in range(6)]
    exact = ProductFactory(name_zh="离心机 旗舰", model_number="CF-9000")
    index_now("products", *rows, exact)
    # when
    broad = products("离心机", facets=("domestic",))
    by_model = products("CF-9000")
    exactly = products("旗舰")
    # then
    assert broad.total_is_exact is False
    assert broad.total >= 3
    assert broad.facets["domestic"][0][2] >= 3  # scaled from the sample to the estimate
    assert len(broad.ids) == 3
    assert by_model.ids[0] == exact.pk
    assert exactly.total_is_exact is True and exactly.ids == [exact.pk]


def test_demand_closed_after_indexing_is_removed_from_the_index():
    demand = DemandFactory(title="采购原子力显微镜")
    index_now("demands", demand)
    assert search(SearchQuery(kind="demands", text="AFM")).ids == [demand.pk]
    Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.AWARDED)
    index_now("demands", demand)
    assert search(SearchQuery(kind="demands", text="AFM")).ids == []


def test_browsing_without_text_lists_newest_first_with_filters():
    category = CategoryFactory()
    older = ProductFactory(category=category)
    newer = ProductFactory(category=category)
    Product.objects.filter(pk=older.pk).update(published_at=newer.published_at.replace(year=2020))
    ProductFactory()
    index_now("products", *Product.objects.all())
    result = products("", filters={"category": category.pk}, facets=("category",))
    assert result.ids == [newer.pk, older.pk]
    assert result.facets["category"] == [(str(category.pk), category.name_en, 2)]


def test_out_of_range_paging_is_clamped_not_an_error():
    index_now("products", ProductFactory(name_zh="天平"))
    assert products("天平", page=0, page_size=0).ids != []


def test_a_page_too_deep_for_a_bigint_offset_is_empty_not_an_error():
    # given a page number typed into ?page= whose offset would overflow PostgreSQL's bigint
    index_now("products", ProductFactory(name_zh="天平"))
    # when searching that page, then it is simply past the results
    result = products("天平", page=10**20, page_size=25)
    assert result.ids == [] and result.total == 1


def test_a_word_longer_than_postgresql_allows_does_not_keep_a_product_out_of_the_index():
    # given a description holding one 3000-character "word" (a pasted blob)
    product = ProductFactory(name_zh="天平", description_zh="x" * 3000)
    # when it is indexed, then the row goes in and is found by its other words
    index_now("products", product)
    assert products("天平").ids == [product.pk]


def test_imported_products_never_rank_above_domestic_ones_by_default():
    # given: the imported product has the exact model and the title match, and is the newest
    domestic = ProductFactory(name_zh="液相色谱仪 国产", model_number="DOM-1")
    imported = ProductFactory(
        name_zh="液相色谱仪", model_number="液相色谱仪", is_domestic=False, country_of_origin="DE"
    )
    index_now("products", domestic, imported)
    # then: with words and without, the domestic product comes first
    assert products("液相色谱仪").ids == [domestic.pk, imported.pk]
    assert products("").ids == [domestic.pk, imported.pk]
    # unless the person asks for another order
    assert products("", sort="newest").ids == [imported.pk, domestic.pk]


def test_products_sort_by_price_with_unpriced_last_and_demands_by_deadline_or_budget():
    cheap = ProductFactory(name_zh="天平 甲", price_min=Decimal("1000"), price_max=Decimal("2000"))
    dear = ProductFactory(name_zh="天平 乙", price_min=Decimal("90000"), price_max=Decimal("90000"))
    unpriced = ProductFactory(name_zh="天平 丙", price_min=None, price_max=None)
    index_now("products", cheap, dear, unpriced)
    assert products("天平", sort="price").ids == [cheap.pk, dear.pk, unpriced.pk]
    assert products("天平", sort="-price").ids == [dear.pk, cheap.pk, unpriced.pk]
    assert products("", sort="price", page=1, page_size=2).ids == [cheap.pk, dear.pk]
    soon = DemandFactory(title="采购天平", budget=Decimal("50000"))
    later = DemandFactory(title="采购天平二", budget=Decimal("900000"))
    Demand.objects.filter(pk=later.pk).update(deadline=soon.deadline.replace(year=soon.deadline.year + 1))
    index_now("demands", soon, later)
    assert search(SearchQuery(kind="demands", text="天平", sort="deadline")).ids == [soon.pk, later.pk]
    assert search(SearchQuery(kind="demands", sort="-budget")).ids == [later.pk, soon.pk]


def test_an_unknown_sort_is_refused():
    with pytest.raises(ValueError):
        products("", sort="-deadline")
