"""Awards on a frozen comparison, the import check and its flag, public award notices, the contract confirmation."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from catalog.models import Product, Specification
from config.exceptions import ApplicationError
from matching import stats
from matching.models import Match
from matching.reports import report_snapshot
from procurement import services
from procurement.models import Award, ImportJustification
from tests.factories import DemandFactory, ImportedProductFactory, ProductFactory, member_of

pytestmark = pytest.mark.django_db


def approve_import(demand, quote, people):
    return ImportJustification.objects.create(
        demand=demand,
        imported_product=quote.product,
        reason="The imported instrument is the only one validated for this method.",
        submitted_by=people.users["researcher"],
        status=ImportJustification.Status.APPROVED,
    )


def test_an_award_keeps_the_comparison_it_was_made_on(client, people, setting):
    demand, quotes, pressure = setting
    award = services.demand_award(
        demand=demand, user=people.users["researcher"], quote=quotes["good"], note="Lowest evaluated price."
    )
    assert (award.awarded_by, award.note, award.is_imported) == (
        people.users["researcher"],
        "Lowest evaluated price.",
        False,
    )
    assert (award.unit_price, award.total, award.evaluated_price) == (
        Decimal("500000.00"),
        Decimal("500000.00"),
        Decimal("400000.00"),
    )
    assert award.comparison["quotes"][0]["quote"] == quotes["good"].pk
    assert award.imported_despite_domestic is False and award.created_at is not None
    # the weak product improves afterwards: the comparison the award was made on does not change
    Specification.objects.filter(product=quotes["weak"].product, parameter=pressure.parameter).update(value=150)
    client.force_login(people.users["researcher"])
    page = client.get(f"/demands/{demand.pk}/comparison/").content.decode()
    assert "short by 10 MPa" in page and "as it stood then" in page


def test_awarding_an_import_while_a_domestic_quote_met_everything_needs_a_reason_and_is_flagged(
    api_client, people, setting
):
    demand, quotes, _ = setting
    approve_import(demand, quotes["imported"], people)
    with pytest.raises(ApplicationError) as excinfo:
        services.demand_award(demand=demand, user=people.users["researcher"], quote=quotes["imported"], note="cheap")
    assert excinfo.value.field == "note"
    api_client.force_authenticate(people.users["researcher"])
    url = f"/api/v1/quotes/{quotes['imported'].pk}/award/"
    refused = api_client.post(url, {"note": ""}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()["fields"]
    assert refused.json()["extra"]["domestic_alternatives"] == [
        {"product": quotes["good"].product_id, "source": "quote"}
    ]
    assert not Award.objects.exists()

    reason = "The imported instrument is the only one validated for our accredited method."
    awarded = api_client.post(url, {"note": reason}, format="json")
    assert awarded.status_code == 200, awarded.json()
    body = awarded.json()
    assert (body["is_imported"], body["imported_despite_domestic"], body["reason"]) == (True, True, reason)
    assert body["derivation_en"].endswith("not a domestic product, so no preference.")

    # the statistics and the reports count it per category
    row = next(r for r in stats.imports_despite_domestic() if r["category"]["code"] == demand.category.code)
    assert (row["awards"], row["imported"], row["imported_despite_domestic"]) == (1, 1, 1)
    api_client.logout()
    api_stats = api_client.get("/api/v1/stats/").json()["imports_despite_domestic"]
    assert {"category": demand.category.code, "imported_despite_domestic": 1}.items() <= next(
        r for r in api_stats if r["category"] == demand.category.code
    ).items()
    page = api_client.get("/stats/").content.decode()
    assert "Imported although a domestic product met the requirements" in page
    award = Award.objects.get()
    # report periods are local dates (the award's UTC date differs from it in the evening, UTC)
    day = timezone.localdate(award.created_at)
    snapshot, _entries = report_snapshot(period_start=day, period_end=day)
    assert snapshot["imports_despite_domestic"][0]["imported_despite_domestic"] == 1


def test_a_domestic_match_that_met_every_requirement_flags_an_import_too(people):
    demand = DemandFactory(
        institution=people.institution,
        posted_by=people.users["researcher"],
        accepts_imported=True,
        import_reason="No domestic instrument may reach the sensitivity we need.",
    )
    imported = ImportedProductFactory(category=demand.category)
    quote = services.quote_submit(
        user=member_of(imported.manufacturer), demand=demand, product=imported, unit_price=Decimal("700000")
    )
    approve_import(demand, quote, people)
    matched = ProductFactory(category=demand.category)
    Match.objects.create(demand=demand, product=matched, rank=1, score=0.8)
    with pytest.raises(ApplicationError):
        services.demand_award(demand=demand, user=people.users["researcher"], quote=quote)
    award = services.demand_award(
        demand=demand, user=people.users["researcher"], quote=quote, note="Validated method needs this instrument."
    )
    assert award.imported_despite_domestic is True
    assert award.domestic_alternatives == [{"product": matched.pk, "source": "match"}]


def test_an_import_no_domestic_product_could_match_is_not_flagged(people, setting):
    demand, quotes, _ = setting
    quotes["good"].delete()
    approve_import(demand, quotes["imported"], people)
    award = services.demand_award(demand=demand, user=people.users["researcher"], quote=quotes["imported"])
    assert award.is_imported is True and award.imported_despite_domestic is False


def test_the_award_notice_is_public_in_both_languages(client, api_client, people, setting, settings):
    demand, quotes, _ = setting
    award = services.demand_award(demand=demand, user=people.users["researcher"], quote=quotes["good"])
    page = client.get(f"/demands/awards/{award.pk}/").content.decode()
    assert "CNY 500,000.00 x (1 - 20%) = CNY 400,000.00" in page
    assert people.institution.name_en in page and quotes["good"].product.model_number in page
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        page = client.get(f"/demands/awards/{award.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "成交公告" in page and "400,000.00 元" in page and people.institution.name_zh in page
    listed = client.get("/demands/awards/").content.decode()
    assert f"/demands/awards/{award.pk}/" in listed
    body = api_client.get(f"/api/v1/awards/{award.pk}/").json()
    assert body["buyer_name_zh"] == people.institution.name_zh and body["buyer_name_en"] == people.institution.name_en
    assert "本国产品" in body["derivation_zh"] and "400,000.00 元" in body["derivation_zh"]
    assert body["evaluated_price"] == "400000.00" and body["is_domestic"] is True and body["quotes_compared"] == 3
    assert api_client.get("/api/v1/awards/", {"flagged": "true"}).json()["count"] == 0
    assert api_client.get("/api/v1/awards/", {"flagged": "maybe"}).status_code == 400


def test_only_the_buyer_confirms_the_contract_and_only_once(client, api_client, people, setting):
    demand, quotes, _ = setting
    award = services.demand_award(demand=demand, user=people.users["researcher"], quote=quotes["good"])
    for role in ("maker", "other_researcher", "staff"):
        with pytest.raises(PermissionDenied):
            services.award_confirm_contract(award=award, user=people.users[role])
        api_client.force_authenticate(people.users[role])
        assert api_client.post(f"/api/v1/awards/{award.pk}/confirm/").status_code == 403
    api_client.logout()
    assert api_client.post(f"/api/v1/awards/{award.pk}/confirm/").status_code == 401
    client.force_login(people.users["researcher"])
    confirmed = client.post(f"/demands/awards/{award.pk}/confirm/", {"confirmed": "yes"})
    assert confirmed.status_code == 302
    award.refresh_from_db()
    assert award.confirmed_at is not None and award.confirmed_by == people.users["researcher"]
    api_client.force_authenticate(people.users["researcher"])
    again = api_client.post(f"/api/v1/awards/{award.pk}/confirm/")
    assert again.status_code == 400 and "confirmed_at" in again.json()["fields"]


def test_the_award_page_asks_for_a_reason_when_a_domestic_product_met_everything(client, people, setting):
    demand, quotes, _ = setting
    approve_import(demand, quotes["imported"], people)
    client.force_login(people.users["researcher"])
    page = client.get(f"/demands/{demand.pk}/award/", {"quote": quotes["imported"].pk}).content.decode()
    assert "needs your written reason" in page and "Reason for the award (required)" in page
    page = client.get(f"/demands/{demand.pk}/award/", {"quote": quotes["good"].pk}).content.decode()
    assert "needs your written reason" not in page


def test_the_notice_names_published_domestic_alternatives_and_nothing_of_the_losing_quotes(
    client, api_client, people, setting, django_assert_max_num_queries
):
    # given an imported award made although a domestic quote and a domestic match met every requirement
    demand, quotes, _ = setting
    matched = ProductFactory(category=demand.category, model_number="MATCHED-1")
    Match.objects.create(demand=demand, product=matched, rank=1, score=0.8)
    approve_import(demand, quotes["imported"], people)
    award = services.demand_award(
        demand=demand,
        user=people.users["researcher"],
        quote=quotes["imported"],
        note="The accredited method names the imported instrument.",
    )
    good = quotes["good"].product
    assert {item["product"] for item in award.domestic_alternatives} == {good.pk, matched.pk}

    # when anyone reads the notice, then it names both catalog products with their makers and pages
    body = api_client.get(f"/api/v1/awards/{award.pk}/").json()
    named = {item["id"]: item for item in body["domestic_alternatives"]}
    assert set(named) == {good.pk, matched.pk}
    assert set(named[good.pk]) == {"id", "name", "name_zh", "name_en", "model_number", "manufacturer", "html_url"}
    assert named[good.pk]["manufacturer"]["name_zh"] == good.manufacturer.name_zh
    assert named[good.pk]["html_url"].endswith(f"/catalog/products/{good.pk}/")
    page = client.get(f"/demands/awards/{award.pk}/").content.decode()
    assert "Domestic products that met every mandatory requirement" in page
    assert f"/catalog/products/{matched.pk}/" in page and good.manufacturer.name_en in page
    # and nothing of the losing quotes: not their prices, not their terms
    text = str(body)
    for losing in (quotes["good"], quotes["weak"]):
        assert f"/quotes/{losing.pk}" not in text
        for figure in ("500000", "500,000", "300000", "300,000"):
            assert figure not in text and figure not in page, figure
    assert not {"unit_price", "total", "warranty_months", "lead_time_days"} & {k for i in named.values() for k in i}

    # when a named product leaves the catalog, the notice stops naming it
    Product.objects.filter(pk=good.pk).update(status=Product.Status.WITHDRAWN)
    with django_assert_max_num_queries(6):
        listed = api_client.get("/api/v1/awards/").json()
    assert [item["id"] for item in listed["results"][0]["domestic_alternatives"]] == [matched.pk]
    page = client.get(f"/demands/awards/{award.pk}/").content.decode()
    assert f"/catalog/products/{good.pk}/" not in page and f"/catalog/products/{matched.pk}/" in page
