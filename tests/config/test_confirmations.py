"""Every irreversible action asks first: GET (or an unconfirmed POST) says what will happen; only a confirmed POST
acts. Each action is tried through its page as the person who may do it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization
from catalog.models import Product
from matching import reports
from matching.models import MatchReport
from procurement.models import Demand, Quote
from tests.factories import (
    DemandFactory,
    InstitutionFactory,
    ManufacturerFactory,
    ProductFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

CONFIRMED = {"confirmed": "yes"}


@pytest.fixture
def demand(institution, researcher):
    return DemandFactory(institution=institution, posted_by=researcher, title="Ion chromatograph")


@pytest.fixture
def quotes(demand, manufacturer, maker):
    product = ProductFactory(manufacturer=manufacturer, category=demand.category, name_en="IC-9000", model_number="X9")
    other = ProductFactory(manufacturer=manufacturer, category=demand.category)
    return [
        Quote.objects.create(demand=demand, manufacturer=manufacturer, product=p, unit_price=price, submitted_by=maker)
        for p, price in ((product, 1234567.8), (other, 2000000))
    ]


def asks(response, *texts):
    """The confirmation page: what will happen, and a form that posts the confirmation."""
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="confirmed" value="yes"' in html
    for text in texts:
        assert text in html, text
    return html


# --- demands: cancel, close, award, quote withdrawal --------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "says"),
    [
        ("procurement:demand-cancel", Demand.Status.CANCELLED, "cannot be opened again"),
        ("procurement:demand-close", Demand.Status.CLOSED, "stop taking quotes, and nothing will be awarded"),
    ],
)
def test_cancelling_or_closing_a_demand_asks_first(client, researcher, demand, action, status, says):
    client.force_login(researcher)
    url = reverse(action, args=[demand.pk])
    # the detail page links to the confirmation instead of acting in one click
    detail = client.get(reverse("procurement:demand-detail", args=[demand.pk])).content.decode()
    assert f'href="{url}"' in detail
    # GET says what will happen and changes nothing
    asks(client.get(url), "Ion chromatograph", says)
    # a bare POST (no confirmation) changes nothing either
    asks(client.post(url))
    demand.refresh_from_db()
    assert demand.status == Demand.Status.OPEN
    # the confirmed POST acts
    assert client.post(url, CONFIRMED).status_code == 302
    demand.refresh_from_db()
    assert demand.status == status


def test_cancel_confirmation_is_only_for_the_demands_institution(client, demand):
    client.force_login(member_of(InstitutionFactory()))
    assert client.get(reverse("procurement:demand-cancel", args=[demand.pk])).status_code == 404


def test_awarding_a_quote_asks_first_and_says_what_follows(client, researcher, demand, quotes):
    client.force_login(researcher)
    winner = quotes[0]
    url = reverse("procurement:demand-award", args=[demand.pk])
    detail = client.get(reverse("procurement:demand-detail", args=[demand.pk])).content.decode()
    assert f'href="{url}?quote={winner.pk}"' in detail
    html = asks(
        client.get(url, {"quote": winner.pk}),
        "IC-9000 X9",
        "CNY 1,234,567.80",
        "The 1 other submitted quote is declined.",
        "an award cannot be undone",
    )
    assert f'name="quote" value="{winner.pk}"' in html
    # a single POST of the old one-click form does not award
    asks(client.post(url, {"quote": winner.pk}))
    demand.refresh_from_db()
    assert demand.status == Demand.Status.OPEN
    # confirmed, with a note
    client.post(url, {"quote": winner.pk, "note": "Best price", **CONFIRMED})
    demand.refresh_from_db()
    winner.refresh_from_db()
    assert demand.status == Demand.Status.AWARDED
    assert winner.status == Quote.Status.ACCEPTED
    assert demand.award.note == "Best price"


def test_award_confirmation_in_chinese_shows_the_price_in_yuan(client, settings, researcher, demand, quotes):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(researcher)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(
        reverse("procurement:demand-award", args=[demand.pk]), {"quote": quotes[0].pk}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    asks(response, "1,234,567.80 元")


def test_award_confirmation_needs_a_quote_of_this_demand(client, researcher, demand, quotes):
    client.force_login(researcher)
    stranger = DemandFactory()
    foreign = Quote.objects.create(
        demand=stranger,
        manufacturer=quotes[0].manufacturer,
        product=quotes[0].product,
        unit_price=5,
        submitted_by=quotes[0].submitted_by,
    )
    for value in ("", "abc", str(foreign.pk)):
        response = client.get(reverse("procurement:demand-award", args=[demand.pk]), {"quote": value})
        assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.status == Demand.Status.OPEN


def test_withdrawing_a_quote_asks_first(client, maker, quotes, researcher):
    quote = quotes[0]
    url = reverse("procurement:quote-withdraw", args=[quote.pk])
    # the buyer may see the quote but not withdraw it
    client.force_login(researcher)
    assert client.get(url).status_code == 404
    client.force_login(maker)
    asks(client.get(url), "The buyer can no longer award it.")
    asks(client.post(url))
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SUBMITTED
    client.post(url, CONFIRMED)
    quote.refresh_from_db()
    assert quote.status == Quote.Status.WITHDRAWN


# --- catalog: withdrawing a product -------------------------------------------------------------------------------


def test_withdrawing_a_product_asks_first(client, maker, manufacturer):
    product = ProductFactory(manufacturer=manufacturer, name_en="Spectrometer S1", model_number="S1")
    url = reverse("catalog:product-withdraw", args=[product.pk])
    client.force_login(maker)
    assert f'href="{url}"' in client.get(reverse("catalog:dashboard")).content.decode()
    asks(client.get(url), "Spectrometer S1 S1", "no longer matches open demands", "publish it again later")
    asks(client.post(url))
    product.refresh_from_db()
    assert product.status == Product.Status.PUBLISHED
    client.post(url, CONFIRMED)
    product.refresh_from_db()
    assert product.status == Product.Status.WITHDRAWN


def test_someone_elses_product_has_no_withdraw_confirmation(client, maker):
    product = ProductFactory(manufacturer=ManufacturerFactory())
    client.force_login(maker)
    assert client.get(reverse("catalog:product-withdraw", args=[product.pk])).status_code == 404


# --- matching: publishing and deleting a report -------------------------------------------------------------------


@pytest.fixture
def draft(db):
    today = timezone.localdate()
    return reports.report_generate(period_start=today - timedelta(days=7), period_end=today)


def test_publishing_a_report_asks_first(client, staff_user, draft):
    client.force_login(staff_user)
    url = reverse("matching:report-publish", args=[draft.pk])
    assert f'href="{url}"' in client.get(reverse("matching:report-detail", args=[draft.pk])).content.decode()
    asks(client.get(url), "Everyone can read and download it", "can no longer be changed or deleted")
    asks(client.post(url))
    draft.refresh_from_db()
    assert draft.status == MatchReport.Status.DRAFT
    client.post(url, CONFIRMED)
    draft.refresh_from_db()
    assert draft.status == MatchReport.Status.PUBLISHED
    # once published there is nothing to confirm
    assert client.get(url).status_code == 302


def test_deleting_a_draft_report_asks_first(client, staff_user, draft):
    client.force_login(staff_user)
    url = reverse("matching:report-delete", args=[draft.pk])
    asks(client.get(url), "will be deleted")
    asks(client.post(url))
    assert MatchReport.objects.filter(pk=draft.pk).exists()
    client.post(url, CONFIRMED)
    assert not MatchReport.objects.filter(pk=draft.pk).exists()


def test_only_staff_reach_the_publish_confirmation(client, user, draft):
    client.force_login(user)
    response = client.get(reverse("matching:report-publish", args=[draft.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert b"confirmed" not in response.content


# --- accounts: removing a member, leaving, verifying ----------------------------------------------------------------


def test_removing_a_member_asks_first(client, institution):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    member = member_of(institution, email="li.si@example.org")
    membership = Membership.objects.get(user=member)
    url = reverse("accounts:member-remove", args=[membership.pk])
    client.force_login(admin)
    assert f'href="{url}"' in client.get(reverse("accounts:profile")).content.decode()
    asks(client.get(url), "li.si@example.org", institution.name_en or institution.name_zh)
    asks(client.post(url))
    assert Membership.objects.filter(pk=membership.pk).exists()
    client.post(url, CONFIRMED)
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_member_sees_no_confirmation_to_remove_someone_else(client, institution):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    client.force_login(member_of(institution))
    assert (
        client.get(reverse("accounts:member-remove", args=[Membership.objects.get(user=admin).pk])).status_code == 404
    )
    client.force_login(UserFactory())
    assert (
        client.get(reverse("accounts:member-remove", args=[Membership.objects.get(user=admin).pk])).status_code == 404
    )


def test_leaving_an_organization_asks_first(client, institution, researcher):
    member_of(institution, role=Membership.Role.ADMIN)
    own = Membership.objects.get(user=researcher)
    client.force_login(researcher)
    url = reverse("accounts:member-remove", args=[own.pk])
    asks(client.get(url), "Leave this organization?")
    client.post(url, CONFIRMED)
    assert not Membership.objects.filter(pk=own.pk).exists()


def test_verifying_an_organization_asks_first(client, staff_user):
    org = ManufacturerFactory(is_verified=False, verified_at=None, name_zh="待审公司")
    url = reverse("accounts:organization-verify", args=[org.pk])
    client.force_login(staff_user)
    assert f'href="{url}"' in client.get(reverse("accounts:verification-queue")).content.decode()
    asks(client.get(url), "will be marked as verified", org.credit_code, "publish products and quote")
    asks(client.post(url))
    org.refresh_from_db()
    assert not org.is_verified
    client.post(url, CONFIRMED)
    org.refresh_from_db()
    assert org.is_verified


def test_only_staff_reach_the_verify_confirmation(client, user):
    org = InstitutionFactory(is_verified=False, verified_at=None)
    client.force_login(user)
    assert client.get(reverse("accounts:organization-verify", args=[org.pk])).status_code in (302, 403, 404)
    assert not Organization.objects.get(pk=org.pk).is_verified
