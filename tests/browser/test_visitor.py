"""A visitor, not signed in: searches in Chinese, by an English synonym and by model number, narrows the results
with facets, reads a product, the open demands and a published match report with its charts."""

from __future__ import annotations

import pytest

from catalog.models import Product
from tests.browser.checks import DESKTOP, PHONE

# What the visitor reads, by language: the Wayeal LC3200 of the demo catalog (a domestic liquid chromatograph).
WORDS = {
    "zh-hans": {"product": "皖仪 高效液相色谱仪", "domestic": "国产", "charts": "匹配报告", "pump": "泵类型"},
    "en": {"product": "Wayeal HPLC system", "domestic": "Domestic", "charts": "Match report", "pump": "Pump type"},
}


def _search(tab, words: str) -> None:
    form = tab.page.locator("main form[role=search]")
    form.locator("input[name=q]").fill(words)
    tab.submit(form.locator("button[type=submit]"))


def _hits(tab) -> list[str]:
    return tab.page.locator("li.search-hit").all_inner_texts()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_visitor_searches_browses_facets_and_reads_a_report(open_tab, language):
    words = WORDS[language]
    tab = open_tab(language, DESKTOP)

    # The home page, in the browser's language with nothing chosen yet.
    tab.go("/")
    tab.screenshot("home")

    # A Chinese query finds the domestic liquid chromatographs.
    tab.go("/search/")
    _search(tab, "液相色谱")
    hits = _hits(tab)
    assert any(words["product"] in hit for hit in hits), hits

    # The English synonym finds the same products.
    _search(tab, "liquid chromatograph")
    assert any(words["product"] in hit for hit in _hits(tab))

    # Narrowing to domestic products with the origin facet leaves only domestic ones.
    domestic = tab.page.locator('[data-facet="domestic"] a').filter(has_text=words["domestic"]).first
    tab.submit(domestic)
    hits = _hits(tab)
    assert hits and all(words["domestic"] in hit for hit in hits)

    # The model number finds the one product first, and its page names its options in the reader's language.
    _search(tab, "LC3200")
    first = tab.page.locator("li.search-hit").first
    assert "LC3200" in first.inner_text()
    tab.submit(first.locator("a").first)
    product = Product.objects.get(model_number="LC3200")
    assert tab.path == f"/catalog/products/{product.pk}/"
    assert words["pump"] in tab.text()

    # The catalog lists products; the open demands list its facets.
    tab.go("/catalog/")
    tab.go("/demands/")
    facet = tab.page.locator("aside a, .facet-list a").first
    if facet.count():
        tab.submit(facet)

    # The published match report draws its charts from local assets.
    tab.go("/matching/reports/")
    tab.submit(tab.page.locator("main table a").first)
    assert words["charts"] in tab.page.locator("h1").inner_text()
    drawn = tab.page.evaluate(
        "() => [...document.querySelectorAll('canvas')].map(c => Boolean(window.Chart && Chart.getChart(c)))"
    )
    assert drawn and all(drawn), drawn


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_visitor_on_a_phone_opens_the_menu_and_searches(open_tab, language):
    words = WORDS[language]
    tab = open_tab(language, PHONE)
    tab.go("/")
    # the navigation folds into the menu button on a phone
    toggler = tab.page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    tab.page.locator("#mainnav").wait_for(state="visible")
    tab.submit(tab.page.locator("#mainnav a.nav-link").first)
    tab.go("/search/")
    _search(tab, "HPLC")
    assert any(words["product"] in hit for hit in _hits(tab))
    tab.screenshot("search")
