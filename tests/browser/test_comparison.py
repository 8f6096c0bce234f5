"""A visitor compares products side by side: ticks two on the catalog list, then opens an imported product's
comparison with its domestic alternatives; on a desktop and on a phone, in Chinese and English, without script
needed for any step."""

from __future__ import annotations

import pytest

from catalog import selectors
from catalog.models import Category, Product
from tests.browser.checks import DESKTOP, PHONE

WORDS = {
    "zh-hans": {"compare": "对比所选", "side": "并列对比", "reference": "达到或优于进口产品", "price": "最低价格"},
    "en": {
        "compare": "Compare selected",
        "side": "Compare side by side",
        "reference": "Meets or beats the imported product",
        "price": "Price from",
    },
}


def _imported_with_alternatives() -> Product:
    published = Product.objects.filter(is_domestic=False, status=Product.Status.PUBLISHED)
    imported = published.exclude(country_of_origin="CN")
    for product in imported.order_by("id"):
        if selectors.product_domestic_alternatives(product=product):
            return product
    raise AssertionError("the demo catalog has no imported product with a domestic alternative")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_visitor_ticks_products_and_compares_an_imported_one_with_its_alternatives(open_tab, language, viewport):
    words = WORDS[language]
    tab = open_tab(language, viewport)
    liquid = Category.objects.get(code="010501")

    # Two ticked products of the catalog list open side by side, in the order of the list.
    tab.go(f"/catalog/?category={liquid.pk}")
    boxes = tab.page.locator("#compare-form input[name=ids]")
    assert boxes.count() >= 2
    ticked = [boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")]
    boxes.nth(0).check()
    boxes.nth(1).check()
    tab.submit(tab.page.locator("#compare-form button[type=submit]").filter(has_text=words["compare"]))
    assert tab.path.startswith("/catalog/compare/")
    columns = tab.page.locator("table.compare-table thead th[data-product]")
    assert [columns.nth(i).get_attribute("data-product") for i in range(columns.count())] == ticked
    assert words["price"] in tab.text()

    # An imported product's page leads to its comparison with the domestic products that meet or beat it.
    imported = _imported_with_alternatives()
    tab.go(f"/catalog/products/{imported.pk}/")
    tab.submit(tab.page.locator("[data-action=compare-alternatives]").filter(has_text=words["side"]))
    first = tab.page.locator("table.compare-table thead th[data-product]").first
    assert first.get_attribute("data-product") == str(imported.pk)
    reference = tab.page.locator('tr[data-row="meets_reference"]')
    assert words["reference"] in reference.inner_text()
    assert tab.page.locator("table.compare-table td.compare-best").count() >= 1
    tab.screenshot("comparison")

    # Showing only the rows that differ is a plain link too.
    tab.submit(tab.page.locator("main a[href*='differences=1']"))
    assert "differences=1" in tab.path
