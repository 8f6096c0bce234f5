"""Quotes a buyer can compare: terms, drafts, documents, sealed demands and their opening at the deadline."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Province
from config.celery import app as celery_app
from config.exceptions import ApplicationError
from notifications.models import Notification
from procurement import selectors, services, tasks
from procurement.models import Demand, Quote
from tests.conftest import allowed
from tests.factories import DemandFactory, ProductFactory, member_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def demand(people):
    return DemandFactory(
        institution=people.institution,
        posted_by=people.users["researcher"],
        is_sealed=True,
        budget=Decimal("800000"),
        quantity=2,
    )


@pytest.fixture
def product(people, demand):
    return ProductFactory(manufacturer=people.manufacturer, category=demand.category)


def submit(people, demand, product, **terms):
    terms.setdefault("unit_price", Decimal("350000"))
    return services.quote_submit(user=people.users["maker"], demand=demand, product=product, **terms)


def past_deadline(demand, days=1):
    """Move the demand's deadline into the past (a quote sent earlier stays valid)."""
    Demand.objects.filter(pk=demand.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=days))
    demand.refresh_from_db()


# --- terms and bad input ------------------------------------------------------------------------------------


def test_a_quote_carries_its_terms_and_the_total_for_the_demands_quantity(people, demand, product):
    quote = submit(
        people,
        demand,
        product,
        lead_time_days=45,
        warranty_months=36,
        service_provinces=[Province.objects.get(code="110000"), Province.objects.get(code="310000")],
        service_response_hours=24,
        declared_origin="cn",
        component_cost_share="0.72",
        documents=[SimpleUploadedFile("datasheet.pdf", PDF, content_type="application/pdf")],
    )
    quote.refresh_from_db()
    assert (quote.quantity, quote.total, quote.exceeds_budget) == (2, Decimal("700000.00"), False)
    assert (quote.warranty_months, quote.service_response_hours) == (36, 24)
    assert quote.declared_origin.code == "CN" and quote.component_cost_share == Decimal("0.720")
    assert sorted(quote.service_provinces.values_list("code", flat=True)) == ["110000", "310000"]
    assert quote.documents.get().file.name.endswith("/datasheet.pdf")
    assert quote.status == Quote.Status.SUBMITTED and quote.submitted_at is not None


def test_declared_origin_and_cost_share_default_to_the_products(people, demand, product):
    quote = submit(people, demand, product)
    assert quote.declared_origin.code == product.country_of_origin.code
    assert quote.component_cost_share == product.domestic_content


def test_a_quote_above_the_budget_is_allowed_and_marked(people, demand, product):
    quote = submit(people, demand, product, unit_price=Decimal("450000"))  # 2 x 450,000 > 800,000
    assert quote.status == Quote.Status.SUBMITTED
    assert quote.exceeds_budget is True


def test_a_quote_above_the_budget_is_marked_where_the_buyer_reads_it(client, api_client, people, demand, product):
    # given a quote whose total (2 x 450,000) exceeds the 800,000 budget, and one within it, opened
    above = submit(people, demand, product, unit_price=Decimal("450000"))
    within = submit(people, demand, ProductFactory(manufacturer=people.manufacturer, category=demand.category))
    past_deadline(demand)
    services.quotes_open_due()
    # then the API, the demand page and the comparison mark the first only
    api_client.force_authenticate(people.users["researcher"])
    marks = {
        q["id"]: q["exceeds_budget"] for q in api_client.get(f"/api/v1/quotes/?demand={demand.pk}").json()["results"]
    }
    assert marks == {above.pk: True, within.pk: False}
    client.force_login(people.users["researcher"])
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    row = page.split(f'id="quote-{above.pk}"')[1].split("</tr>")[0]
    assert "above the budget" in row
    assert "above the budget" not in page.split(f'id="quote-{within.pk}"')[1].split("</tr>")[0]
    columns = api_client.get(f"/api/v1/demands/{demand.pk}/comparison/").json()["quotes"]
    assert {c["quote"]: c["exceeds_budget"] for c in columns} == {above.pk: True, within.pk: False}


def test_every_bad_term_is_reported_at_once(people, demand, product):
    with pytest.raises(ApplicationError) as excinfo:
        submit(
            people,
            demand,
            product,
            unit_price="-3",
            quantity=0,
            lead_time_days=5000,
            warranty_months=-1,
            declared_origin="XX",
            component_cost_share="1.5",
            documents=[SimpleUploadedFile("datasheet.docx", b"PK\x03\x04")],
        )
    fields = excinfo.value.extra["fields"]
    assert set(fields) == {
        "unit_price",
        "quantity",
        "lead_time_days",
        "warranty_months",
        "declared_origin",
        "component_cost_share",
        "documents",
    }
    assert not Quote.objects.exists()


def test_a_pdf_document_must_really_be_a_pdf(people, demand, product):
    with pytest.raises(ApplicationError) as excinfo:
        submit(people, demand, product, documents=[SimpleUploadedFile("fake.pdf", b"not a pdf at all")])
    assert excinfo.value.field == "documents"


@pytest.mark.parametrize(
    ("case", "field"),
    [("outside_category", "product"), ("after_deadline", "demand"), ("closed", "demand")],
)
def test_the_api_and_the_page_refuse_a_quote_with_the_field_at_fault(
    client, api_client, people, demand, product, case, field
):
    if case == "outside_category":
        product = ProductFactory(manufacturer=people.manufacturer)
    elif case == "after_deadline":
        past_deadline(demand)
    else:
        Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.CLOSED)
    api_client.force_authenticate(people.users["maker"])
    response = api_client.post(
        "/api/v1/quotes/", {"demand": demand.pk, "product": product.pk, "unit_price": "350000"}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["fields"]
    reason = response.json()["fields"][field][0]
    # the page refuses it too, saying why
    client.force_login(people.users["maker"])
    page = client.post(f"/demands/{demand.pk}/quote/", {"product": product.pk, "unit_price": "350000"})
    assert page.status_code == 400
    assert (reason if field == "demand" else "Select a valid choice") in page.content.decode()
    assert not Quote.objects.exists()


def test_quotes_are_taken_until_the_end_of_the_deadline_day(people, demand, product):
    Demand.objects.filter(pk=demand.pk).update(deadline=timezone.localdate())
    demand.refresh_from_db()
    assert submit(people, demand, product).status == Quote.Status.SUBMITTED


# --- drafts and one live quote ---------------------------------------------------------------------------------


def test_a_draft_is_the_makers_alone_until_it_is_sent(people, demand, product):
    draft = submit(people, demand, product, unit_price=None, draft=True)
    assert draft.status == Quote.Status.DRAFT and draft.unit_price is None
    assert allowed(people, lambda u: selectors.quote_list(user=u).filter(pk=draft.pk).exists()) == {"maker"}
    assert not Notification.objects.filter(user=people.users["researcher"]).exists()

    # a draft still needs its price to be sent
    with pytest.raises(ApplicationError) as excinfo:
        submit(people, demand, product, unit_price=None, quote=draft)
    assert excinfo.value.field == "unit_price"
    sent = submit(people, demand, product, unit_price=Decimal("300000"), quote=draft)
    assert sent.pk == draft.pk and sent.status == Quote.Status.SUBMITTED
    assert Quote.objects.count() == 1


def test_one_live_quote_per_maker_product_and_demand(people, demand, product):
    first = submit(people, demand, product, draft=True)
    with pytest.raises(ApplicationError) as excinfo:
        submit(people, demand, product)
    assert excinfo.value.field == "product"
    services.quote_withdraw(quote=first, user=people.users["maker"])
    assert submit(people, demand, product).status == Quote.Status.SUBMITTED
    assert Quote.objects.filter(status__in=Quote.LIVE_STATUSES).count() == 1


def test_only_the_makers_members_change_a_draft(people, demand, product):
    draft = submit(people, demand, product, draft=True)
    other = ProductFactory(category=demand.category)
    with pytest.raises(PermissionDenied):
        services.quote_submit(user=member_of(other.manufacturer), demand=demand, product=other, quote=draft)
    # nor is a draft of one demand completed on another
    with pytest.raises(PermissionDenied):
        submit(people, DemandFactory(category=demand.category), product, quote=draft)


def test_a_draft_is_completed_and_sent_through_the_api(api_client, people, demand, product):
    api_client.force_authenticate(people.users["maker"])
    created = api_client.post(
        "/api/v1/quotes/", {"demand": demand.pk, "product": product.pk, "draft": True}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "draft"
    url = f"/api/v1/quotes/{created.json()['id']}/"
    sent = api_client.put(
        url,
        {"unit_price": "410000", "warranty_months": 24, "service_provinces": ["110000"], "draft": False},
        format="json",
    )
    assert sent.status_code == 200, sent.json()
    body = sent.json()
    assert (body["status"], body["total"], body["exceeds_budget"]) == ("submitted", "820000.00", True)
    assert body["service_provinces"] == ["110000"]
    # a sent quote is not changed any more
    again = api_client.put(url, {"unit_price": "1"}, format="json")
    assert again.status_code == 400 and "status" in again.json()["fields"]
    assert api_client.patch(url, {"unit_price": "1"}, format="json").status_code == 405


# --- sealed demands --------------------------------------------------------------------------------------------


def test_fiscal_demands_are_sealed_unless_the_buyer_says_otherwise(people, demand):
    common = {
        "user": people.users["researcher"],
        "institution": people.institution,
        "title": "液相色谱仪",
        "category": demand.category,
        "deadline": timezone.localdate() + datetime.timedelta(days=20),
        "delivery_province": Province.objects.get(code="110000"),
    }
    assert services.demand_create(**common).is_sealed is True
    assert services.demand_create(**common, funding=Demand.Funding.OTHER).is_sealed is False
    assert services.demand_create(**common, is_sealed=False).is_sealed is False
    # once open, sealing cannot change either way
    with pytest.raises(ApplicationError) as excinfo:
        services.demand_update(demand=demand, user=people.users["researcher"], is_sealed=False)
    assert excinfo.value.field == "is_sealed"


def test_before_the_deadline_the_buyer_sees_only_how_many_quotes_arrived(people, demand, product):
    quote = submit(people, demand, product)
    submit(people, demand, ProductFactory(manufacturer=people.manufacturer, category=demand.category))
    # content: the maker only (staff, the buyer and everyone else see nothing)
    assert allowed(people, lambda u: selectors.quote_list(user=u).filter(pk=quote.pk).exists()) == {"maker"}
    assert allowed(people, lambda u: selectors.demand_quote_count(user=u, demand=demand) is not None) == {"researcher"}
    assert selectors.demand_quote_count(user=people.users["researcher"], demand=demand) == 2
    # the buyer was told that sealed quotes arrived, and nothing of what they say
    notes = Notification.objects.filter(user=people.users["researcher"])
    assert {n.kind for n in notes} == {"sealed_quote_received"}
    for note in notes:
        text = f"{note.title} {note.body}"
        assert people.manufacturer.name_en not in text and "350,000" not in text and product.model_number not in text
    # nor can the buyer award a quote it may not read
    with pytest.raises(ApplicationError):
        services.demand_award(demand=demand, user=people.users["researcher"], quote=quote)


@pytest.mark.parametrize("role", ["researcher", "other_researcher", "staff", "anonymous"])
def test_nobody_but_the_maker_reads_a_sealed_quote_through_the_api(api_client, people, demand, product, role):
    quote = submit(people, demand, product)
    if role != "anonymous":
        api_client.force_authenticate(people.users[role])
    listed = api_client.get("/api/v1/quotes/", {"demand": demand.pk})
    one = api_client.get(f"/api/v1/quotes/{quote.pk}/")
    if role == "anonymous":
        assert (listed.status_code, one.status_code) == (401, 401)
    else:
        assert listed.status_code == 200 and listed.json()["count"] == 0
        assert one.status_code == 404
    shown = api_client.get(f"/api/v1/demands/{demand.pk}/").json()
    assert shown["is_sealed"] is True
    assert shown["quote_count"] == (1 if role == "researcher" else None)


def test_a_sealed_quotes_documents_are_the_makers_until_opening(client, people, demand, product):
    quote = submit(people, demand, product, documents=[SimpleUploadedFile("offer.pdf", PDF)])
    url = quote.documents.get().file.url

    def status(role):
        client.logout()
        if role != "anonymous":
            client.force_login(people.users[role])
        return client.get(url).status_code

    roles = ("anonymous", "researcher", "other_researcher", "maker", "staff")
    assert {r for r in roles if status(r) == 200} == {"maker"}
    past_deadline(demand)
    services.quotes_open_due()
    assert {r for r in roles if status(r) == 200} == {"maker", "researcher"}


def test_the_sealed_quotes_open_together_after_the_deadline_and_each_maker_is_told_once(people, demand, product):
    first = submit(people, demand, product)
    other_maker_product = ProductFactory(category=demand.category)
    other_maker = member_of(other_maker_product.manufacturer)
    services.quote_submit(user=other_maker, demand=demand, product=other_maker_product, unit_price=Decimal("390000"))
    unsealed = DemandFactory(category=demand.category, is_sealed=False)

    # on the deadline day nothing opens
    assert services.quotes_open_due(today=demand.deadline) == []
    past_deadline(demand)
    assert tasks.open_sealed_quotes() == 1
    assert tasks.open_sealed_quotes() == 0  # again: nothing more, nobody told twice
    services.quotes_open_due()

    demand.refresh_from_db()
    assert demand.quotes_opened_at is not None
    assert Demand.objects.get(pk=unsealed.pk).quotes_opened_at is None
    assert set(selectors.quote_list(user=people.users["researcher"], demand=demand)) == {
        first,
        Quote.objects.get(product=other_maker_product),
    }
    for user in (people.users["maker"], other_maker):
        assert Notification.objects.filter(user=user, kind="quotes_opened").count() == 1
    assert Notification.objects.filter(user=people.users["researcher"], kind="quotes_opened_buyer").count() == 1
    # staff still read nothing
    assert not selectors.quote_list(user=people.users["staff"]).exists()


def test_opening_is_on_the_beat_schedule():
    entries = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "procurement.open_sealed_quotes" in entries
    assert "procurement.open_sealed_quotes" in celery_app.tasks


def test_a_demand_with_quotes_waits_for_its_award_after_the_deadline(people, demand, product, settings):
    settings.PROCUREMENT_AWARD_PERIOD_DAYS = 30
    submit(people, demand, product)
    empty = DemandFactory(institution=people.institution)
    for d in (demand, empty):
        past_deadline(d, days=3)
    assert services.demand_expire_overdue().expired_ids == [empty.pk]
    past_deadline(demand, days=31)
    assert services.demand_expire_overdue().expired_ids == [demand.pk]


# --- pages -----------------------------------------------------------------------------------------------------


def test_the_buyers_page_shows_the_count_of_sealed_quotes_and_no_content(client, people, demand, product):
    submit(people, demand, product, unit_price=Decimal("345678"))
    client.force_login(people.users["researcher"])
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert "1 sealed quote has arrived." in page
    assert "345,678" not in page and product.model_number not in page.split('id="quotes"')[1].split("</section>")[0]
    past_deadline(demand)
    services.quotes_open_due()
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert "345,678" in page and "sealed quote has arrived" not in page


def test_a_maker_saves_a_draft_on_the_page_then_completes_and_sends_it(client, people, demand, product):
    client.force_login(people.users["maker"])
    response = client.post(
        f"/demands/{demand.pk}/quote/", {"product": product.pk, "warranty_months": "12", "action": "draft"}
    )
    assert response.status_code == 302
    draft = Quote.objects.get()
    assert draft.status == Quote.Status.DRAFT
    edit = client.get(f"/demands/quotes/{draft.pk}/edit/")
    assert edit.status_code == 200 and 'value="12"' in edit.content.decode()
    bad = client.post(f"/demands/quotes/{draft.pk}/edit/", {"product": product.pk, "action": "submit"})
    assert bad.status_code == 400 and "Enter the unit price." in bad.content.decode()
    sent = client.post(
        f"/demands/quotes/{draft.pk}/edit/",
        {
            "product": product.pk,
            "unit_price": "300000",
            "warranty_months": "12",
            "documents": [SimpleUploadedFile("offer.pdf", PDF)],
            "action": "submit",
        },
    )
    assert sent.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Quote.Status.SUBMITTED and draft.documents.count() == 1
    # another manufacturer's member or the buyer cannot open the draft page
    for role in ("researcher", "other_researcher", "staff"):
        client.force_login(people.users[role])
        assert client.get(f"/demands/quotes/{draft.pk}/edit/").status_code == 404


def test_a_quote_sent_on_an_unsealed_demand_is_read_by_the_buyer_at_once(people, product):
    demand = DemandFactory(
        institution=people.institution, category=product.category, is_sealed=False, posted_by=people.users["researcher"]
    )
    quote = submit(people, demand, product)
    assert allowed(people, lambda u: selectors.quote_list(user=u).filter(pk=quote.pk).exists()) == {
        "maker",
        "researcher",
    }
    assert Notification.objects.get(user=people.users["researcher"]).kind == "quote_received"
