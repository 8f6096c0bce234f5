"""A researcher posts a demand for a liquid chromatograph with typed requirements in several units, answers the
shared-instrument check, opens the demand, reads the ranked matches with their reasons and the near misses with
their gaps; a manufacturer quotes and the researcher awards the quote."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from catalog.models import Category, Product
from procurement.models import Award, Demand, Quote
from procurement.services import quotes_open_due
from tests.browser.helpers import confirm, log_in_as

WORDS = {
    "zh-hans": {"margin": "余量", "short": "差", "weighed": "影响最大的因素", "awarded": "已成交"},
    "en": {"margin": "margin", "short": "short by", "weighed": "Weighed most", "awarded": "Awarded to"},
}


def _require(form, key: str, *, value: str = "", low: str = "", high: str = "", unit: str = "", choices=()):
    """Tick one requirement row and type its value; the unit is chosen from the row's list."""
    prefix = f"req-{key}"
    form.locator(f"[name='{prefix}-include']").check()
    if value:
        form.locator(f"[name='{prefix}-value']").fill(value)
    if low or high:
        form.locator(f"[name='{prefix}-value_min']").fill(low)
        form.locator(f"[name='{prefix}-value_max']").fill(high)
    if unit:
        form.locator(f"[name='{prefix}-unit']").select_option(unit)
    for choice in choices:
        form.locator(f"[name='{prefix}-choices'][value='{choice}']").check()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_researcher_posts_a_demand_reads_matches_and_awards_a_quote(open_tab, language):
    words = WORDS[language]
    title = f"液相色谱仪采购 browser-{language}"
    researcher = User.objects.get(email="researcher@demo.local")
    tab = open_tab(language)
    log_in_as(tab, researcher)

    # The demand form follows the chosen category's dictionary.
    tab.go("/demands/new/")
    form = tab.page.locator("main form").first
    lc = Category.objects.get(code="010501")
    form.locator("[name=category]").select_option(str(lc.pk))
    form.locator("[name='req-pressure_max-include']").wait_for()
    form.locator("[name=title]").fill(title)
    form.locator("[name=description]").fill("课题组开展药物杂质分析，需要一台高效液相色谱仪。")
    form.locator("[name=quantity]").fill("1")
    form.locator("[name=budget]").fill("900000")
    deadline = timezone.localdate() + datetime.timedelta(days=90)
    form.locator("[name=deadline]").fill(deadline.isoformat())
    form.locator("[name=delivery_province]").select_option("110000")
    # Requirements typed in the units a researcher writes: bar, µL/min, nm, °C; a preferred pump type.
    _require(form, "pressure_max", value="850", unit="bar")
    _require(form, "flow_rate", low="10", high="5000", unit="µL/min")
    _require(form, "wavelength", low="200", high="700", unit="nm")
    _require(form, "column_oven_max", value="80", unit="degC")
    _require(form, "pump_type", choices=["binary", "quaternary"])
    form.locator("[name='req-pump_type-is_mandatory']").uncheck()
    tab.submit(form.locator("button[type=submit]"))

    # The draft is saved and the shared-instrument check comes first.
    demand = Demand.objects.get(title=title)
    assert demand.status == Demand.Status.DRAFT
    assert tab.path == f"/demands/{demand.pk}/check/"
    pressure = demand.requirements.get(parameter__key="pressure_max")
    assert pressure.value == pytest.approx(85.0)  # 850 bar, stored as MPa
    assert demand.requirements.get(parameter__key="flow_rate").value_min == pytest.approx(0.01)
    check = tab.page.locator("main form.card")
    check.locator("[name=answer][value=none_found]").check()
    tab.submit(check.locator("button[name=open]"))

    # The open demand shows ranked matches with their reasons and near misses with their gaps.
    demand.refresh_from_db()
    assert demand.status == Demand.Status.OPEN
    tab.go(f"/demands/{demand.pk}/")
    tab.page.locator("#demand-matches .match").first.wait_for()
    tab.check()
    matches = tab.page.locator("#demand-matches .match")
    assert matches.count() >= 3
    first = matches.first.inner_text()
    assert "#1" in first and words["weighed"] in first and words["margin"] in first
    near = tab.page.locator("#demand-matches .near-miss")
    assert near.count() >= 1 and words["short"] in near.first.inner_text()
    assert "850 bar" in tab.text()
    tab.screenshot("demand-with-matches")

    # A manufacturer whose product matches quotes on it, in another browser.
    product = Product.objects.get(model_number="LC-5800 UHPLC")
    maker_tab = open_tab(language)
    log_in_as(maker_tab, User.objects.get(email="maker@demo.local"))
    maker_tab.go(f"/demands/{demand.pk}/")
    quote_form = maker_tab.page.locator("form[action*='/quote/']")
    quote_form.locator("[name=product]").select_option(str(product.pk))
    quote_form.locator("[name=unit_price]").fill("860000")
    quote_form.locator("[name=lead_time_days]").fill("45")
    quote_form.locator("[name=message]").fill("含安装调试与两年质保。")
    maker_tab.submit(quote_form.locator("button[value=submit]"))
    quote = Quote.objects.get(demand=demand, product=product)

    # The demand is on fiscal funds, so the quote is sealed: the researcher sees that one arrived, not its price.
    assert demand.is_sealed
    tab.go(f"/demands/{demand.pk}/")
    assert "1" in tab.page.locator("#sealed-count").inner_text()
    assert tab.page.locator(f"#quote-{quote.pk}").count() == 0 and "860,000" not in tab.text()
    # The deadline passes and the quotes open together (the beat task's work).
    Demand.objects.filter(pk=demand.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    assert demand.pk in quotes_open_due()

    # The researcher sees the quote and awards it.
    tab.go(f"/demands/{demand.pk}/")
    tab.submit(tab.page.locator(f"#quote-{quote.pk} a[href$='/award/?quote={quote.pk}']"))
    confirm(tab)
    demand.refresh_from_db()
    assert demand.status == Demand.Status.AWARDED
    assert Award.objects.get(demand=demand).product == product
    assert words["awarded"] in tab.text()
