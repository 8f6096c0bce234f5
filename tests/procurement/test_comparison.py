"""The comparison of quotes: cells with gaps, the 本国产品 preference, the ranking, the exports, who may see it."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from catalog import services as catalog_services
from catalog.models import DomesticProductRule
from procurement.comparison import comparison_build, evaluated_price, rank_columns
from procurement.models import Demand
from tests.conftest import allowed

pytestmark = pytest.mark.django_db


def column(snapshot, quote):
    return next(c for c in snapshot["quotes"] if c["quote"] == quote.pk)


def test_evaluated_price_takes_the_rules_preference_off_a_domestic_products_total():
    assert evaluated_price(Decimal("500000"), is_domestic=True, preference_percent=Decimal(20)) == Decimal("400000.00")
    assert evaluated_price(Decimal("450000"), is_domestic=False, preference_percent=Decimal(20)) == Decimal("450000.00")
    assert evaluated_price(Decimal("333.33"), is_domestic=True, preference_percent=Decimal("12.5")) == Decimal("291.66")


def test_failing_quotes_rank_last_and_the_rest_by_evaluated_price_then_score():
    def col(pk, price, score, meets=True, failed=()):
        return {
            "quote": pk,
            "evaluated_price": price,
            "match_score": score,
            "meets_mandatory": meets,
            "failed": list(failed),
            "unknown": [],
        }

    ranked = rank_columns(
        [col(1, "100", 0.5, meets=False, failed=[9]), col(2, "400", 0.2), col(3, "300", 0.1), col(4, "300", 0.9)]
    )
    assert [c["quote"] for c in ranked] == [4, 3, 2, 1]
    assert [c["rank"] for c in ranked] == [1, 2, 3, 4]


def test_the_comparison_weighs_each_quote_against_each_requirement(setting):
    demand, quotes, pressure = setting
    snapshot = comparison_build(demand=demand)
    good, weak, imported = (column(snapshot, quotes[k]) for k in ("good", "weak", "imported"))
    # cells: pass with what the product states, fail with the gap
    assert good["cells"][0] == {
        "requirement": pressure.pk,
        "status": "pass",
        "actual": "120",
        "gap": None,
        "margin": pytest.approx(20),
    }
    assert weak["cells"][0]["status"] == "fail" and weak["cells"][0]["gap"] == pytest.approx(10)
    assert imported["cells"][1]["status"] == "unknown"  # the preferred wavelength is not stated
    assert (weak["meets_mandatory"], weak["failed"]) == (False, [pressure.pk])
    # 本国产品 and the evaluated price: the domestic totals less 20%, the imported one as quoted
    assert (good["is_domestic"], good["preference_percent"], good["evaluated_price"]) == (True, "20", "400000.00")
    assert (imported["is_domestic"], imported["evaluated_price"]) == (False, "450000.00")
    assert good["match_score"] is not None and good["warranty_months"] == 36
    # ranking: the domestic quote that meets everything wins on evaluated price; the failing one is last
    assert [c["quote"] for c in snapshot["quotes"]] == [quotes["good"].pk, quotes["imported"].pk, quotes["weak"].pk]


def test_the_comparison_page_says_how_each_evaluated_price_was_derived(client, people, setting, settings):
    demand, _quotes, _ = setting
    client.force_login(people.users["researcher"])
    page = client.get(f"/demands/{demand.pk}/comparison/").content.decode()
    assert "CNY 500,000.00 x (1 - 20%) = CNY 400,000.00" in page
    assert "CNY 450,000.00, unchanged: not a domestic product, so no preference." in page
    assert "short by 10 MPa" in page and "fails a mandatory requirement" in page
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get(f"/demands/{demand.pk}/comparison/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "400,000.00 元" in page and "评审价" in page


def test_a_quote_made_in_china_short_of_the_ratio_is_labelled_so_with_the_ratio(client, people, setting):
    # Given a 90% component cost ratio for the demand's category: the quotes made in China declare 85%
    demand, quotes, _ = setting
    DomesticProductRule.objects.create(
        category=demand.category, effective_from=datetime.date(2026, 1, 1), component_cost_ratio=Decimal("0.9")
    )
    client.force_login(people.users["researcher"])
    for language, made_in_china, imported in (
        ("en", "Made in China, not domestic", "imported"),
        ("zh-hans", "中国制造，非本国产品", "进口"),
    ):
        # When the buyer reads the comparison
        with translation.override(language):
            page = client.get(f"/demands/{demand.pk}/comparison/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        row = page.split('data-row="domestic"', 1)[1].split("</tr>", 1)[0]
        cells = {
            int(cell.split('data-quote="', 1)[1].split('"', 1)[0]): cell.split("</td>", 1)[0]
            for cell in row.split("<td")[1:]
        }
        # Then neither made-in-China quote is called domestic nor imported, and the ratio shows beside it
        for key in ("good", "weak"):
            assert made_in_china in cells[quotes[key].pk] and "90%" in cells[quotes[key].pk]
            assert "badge-domestic" not in cells[quotes[key].pk]
        assert imported in cells[quotes["imported"].pk]


def test_the_preference_is_the_rules_data_and_a_change_of_it_reprices_and_reranks(client, people, setting, staff_user):
    # given the national default in force on the demand's date, with its 20% preference
    demand, quotes, _ = setting
    national = DomesticProductRule.objects.get(category=None, effective_from=datetime.date(2026, 1, 1))
    client.force_login(people.users["researcher"])
    # when staff lower the preference to 10%
    catalog_services.domestic_rule_update(rule=national, user=staff_user, price_preference_percent="10")
    # then the domestic quote is evaluated at 0.9 x its total, and the page and the API say so
    good = column(comparison_build(demand=demand), quotes["good"])
    assert (good["preference_percent"], good["evaluated_price"]) == ("10", "450000.00")
    page = client.get(f"/demands/{demand.pk}/comparison/").content.decode()
    assert "CNY 500,000.00 x (1 - 10%) = CNY 450,000.00" in page and "(1 - 20%)" not in page
    # and at 5% it costs more than the imported quote, which now ranks first
    catalog_services.domestic_rule_update(rule=national, user=staff_user, price_preference_percent="5")
    snapshot = comparison_build(demand=demand)
    assert column(snapshot, quotes["good"])["evaluated_price"] == "475000.00"
    assert [c["quote"] for c in snapshot["quotes"]] == [quotes["imported"].pk, quotes["good"].pk, quotes["weak"].pk]
    api = client.get(f"/api/v1/demands/{demand.pk}/comparison/").json()
    derived = next(c for c in api["quotes"] if c["quote"] == quotes["good"].pk)["derivation"]
    assert "CNY 500,000.00 x (1 - 5%) = CNY 475,000.00" in derived


def test_comparison_exports_in_xlsx_with_the_formula_guard_and_in_pdf(client, people, setting):
    demand, _quotes, _ = setting
    Demand.objects.filter(pk=demand.pk).update(title='=HYPERLINK("http://x")')
    client.force_login(people.users["researcher"])
    xlsx = client.get(f"/demands/{demand.pk}/comparison.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert str(values[0][0]).startswith("'=")
    flat = [str(v) for row in values for v in row if v is not None]
    assert any("GOOD-1" in v for v in flat) and "CNY 400,000.00" in flat
    pdf = client.get(f"/demands/{demand.pk}/comparison.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "GOOD-1" in text and "400,000.00" in text


def test_only_the_buyer_sees_the_comparison_and_only_once_the_quotes_opened(client, api_client, people, setting):
    demand, _quotes, _ = setting

    def page_status(user):
        client.logout()
        if user.is_authenticated:
            client.force_login(user)
        return client.get(f"/demands/{demand.pk}/comparison/").status_code

    assert allowed(people, lambda u: page_status(u) == 200) == {"researcher"}
    for role in ("researcher", "other_researcher", "maker", "staff"):
        api_client.force_authenticate(people.users[role])
        response = api_client.get(f"/api/v1/demands/{demand.pk}/comparison/")
        assert response.status_code == (200 if role == "researcher" else 404), role
    Demand.objects.filter(pk=demand.pk).update(quotes_opened_at=None)
    assert allowed(people, lambda u: page_status(u) == 200) == set()


def test_the_api_gives_the_comparison_with_its_downloads(api_client, people, setting):
    demand, quotes, _ = setting
    api_client.force_authenticate(people.users["researcher"])
    body = api_client.get(f"/api/v1/demands/{demand.pk}/comparison/").json()
    assert body["quotes"][0]["quote"] == quotes["good"].pk
    assert body["html_url"].endswith(f"/demands/{demand.pk}/comparison/")
    assert body["xlsx_url"].endswith("/comparison/xlsx/") and body["pdf_url"].endswith("/comparison/pdf/")
    assert "derivation" in body["quotes"][0]
    assert api_client.get(body["xlsx_url"]).status_code == 200
