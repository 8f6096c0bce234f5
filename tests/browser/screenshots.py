"""Screenshots of the pages people judge the platform by, in Chinese and English, desktop 1366x900 and phone
390x844, every page also passing the per-page checks. Run by hand (pytest does not collect this file itself):

    BROWSER_SCREENSHOTS=/tmp/shots .venv/bin/pytest tests/browser/screenshots.py

The PNG files go to BROWSER_SCREENSHOTS (outside the repository): home, a demand with matches, the comparison
of an imported product with its domestic alternatives, and the statistics page.
"""

from __future__ import annotations

import pytest

from catalog import selectors
from catalog.models import Product
from tests.browser.checks import DESKTOP


def _demand_with_matches() -> int:
    from matching.models import Match

    match = Match.objects.filter(is_near_miss=False, demand__status="open").order_by("demand_id").first()
    assert match is not None, "the demo data has no demand with a match"
    return match.demand_id


def _comparison_ids() -> str:
    published = Product.objects.filter(is_domestic=False, status=Product.Status.PUBLISHED)
    imported = published.exclude(country_of_origin="CN")
    for product in imported.order_by("id"):
        alternatives = selectors.product_domestic_alternatives(product=product, limit=selectors.MAX_COMPARED - 1)
        if alternatives:
            return ",".join(str(p.pk) for p in [product, *alternatives])
    raise AssertionError("the demo catalog has no imported product with a domestic alternative")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_screenshots(open_tab, language):
    tab = open_tab(language, DESKTOP)
    for name, path in (
        ("home", "/"),
        ("demand-with-matches", f"/demands/{_demand_with_matches()}/"),
        ("comparison", f"/catalog/compare/?ids={_comparison_ids()}"),
        ("statistics", "/stats/"),
    ):
        tab.go(path)
        tab.screenshot(name)
