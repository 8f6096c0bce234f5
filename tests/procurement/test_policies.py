"""Each procurement rule, for every role: anonymous, a researcher, another institution's member, a maker, staff."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from procurement import policies, selectors, services
from procurement.models import Demand, Quote, SharedInstrument
from tests.conftest import allowed
from tests.factories import DemandFactory, ProductFactory, SharedInstrumentFactory
from tests.procurement.factories import draft_demand

pytestmark = pytest.mark.django_db


@pytest.fixture
def demand(people):
    return DemandFactory(institution=people.institution)


def test_a_draft_is_seen_by_its_institution_and_staff_on_every_path(people):
    draft = draft_demand(institution=people.institution)
    expected = {"researcher", "staff"}
    assert allowed(people, lambda u: policies.can_see_demand(u, draft)) == expected
    assert allowed(people, lambda u: selectors.demand_list(user=u).filter(pk=draft.pk).exists()) == expected


def test_everyone_sees_an_open_demand(people, demand):
    assert allowed(people, lambda u: policies.can_see_demand(u, demand)) == set(people.users)


def test_only_the_institutions_members_change_a_demand(people, demand):
    assert allowed(people, lambda u: policies.can_edit_demand(u, demand)) == {"researcher"}
    assert allowed(people, lambda u: policies.can_post_demand(u, people.institution)) == {"researcher"}
    assert allowed(people, lambda u: policies.can_justify_import(u, demand)) == {"researcher"}


def test_contacts_are_for_the_institution_verified_makers_and_staff(people, demand):
    assert allowed(people, lambda u: policies.can_see_demand_contact(u, demand)) == {"researcher", "maker", "staff"}


@pytest.mark.parametrize("role", ["anonymous", "other_researcher", "maker", "staff"])
def test_the_service_refuses_to_change_a_demand_for_anyone_but_its_institution(people, demand, role):
    user = people.users[role]
    with pytest.raises(PermissionDenied):
        services.demand_update(demand=demand, user=user, title="x")
    with pytest.raises(PermissionDenied):
        services.demand_close(demand=demand, user=user)
    demand.refresh_from_db()
    assert demand.status == Demand.Status.OPEN and demand.title != "x"


def test_quotes_are_seen_by_the_quoting_manufacturer_and_the_buyer_only(people, demand):
    product = ProductFactory(manufacturer=people.manufacturer, category=demand.category)
    quote = Quote.objects.create(
        demand=demand,
        manufacturer=people.manufacturer,
        product=product,
        unit_price=10,
        submitted_by=people.users["maker"],
    )
    assert allowed(people, lambda u: selectors.quote_list(user=u).filter(pk=quote.pk).exists()) == {
        "researcher",
        "maker",
    }
    assert allowed(people, lambda u: policies.can_quote(u, product)) == {"maker"}
    assert allowed(people, lambda u: policies.can_withdraw_quote(u, quote)) == {"maker"}


def test_import_justifications_are_for_the_institution_and_staff(people, demand):
    assert allowed(people, lambda u: policies.can_see_import_justification(u, demand)) == {"researcher", "staff"}
    assert allowed(people, policies.can_review_import_justifications) == {"staff"}


def test_a_closed_shared_instrument_is_seen_by_its_institution_and_staff(people):
    closed = SharedInstrumentFactory(institution=people.institution, is_open_to_external=False)
    opened = SharedInstrumentFactory(institution=people.institution, is_open_to_external=True)
    assert allowed(people, lambda u: selectors.shared_instrument_list(user=u).filter(pk=closed.pk).exists()) == {
        "researcher",
        "staff",
    }
    assert allowed(people, lambda u: selectors.shared_instrument_list(user=u).filter(pk=opened.pk).exists()) == set(
        people.users
    )
    assert allowed(people, lambda u: policies.can_edit_shared_instrument(u, closed)) == {"researcher"}
    assert allowed(people, lambda u: policies.can_manage_shared_instruments(u, people.institution)) == {"researcher"}


@pytest.mark.parametrize("role", ["other_researcher", "maker", "staff"])
def test_the_service_refuses_to_change_another_institutions_registry(people, role):
    instrument = SharedInstrumentFactory(institution=people.institution)
    with pytest.raises(PermissionDenied):
        services.shared_instrument_update(instrument=instrument, user=people.users[role], name="x")
    assert SharedInstrument.objects.get(pk=instrument.pk).name != "x"


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("researcher", 200), ("other_researcher", 403), ("maker", 403), ("staff", 403)],
)
def test_the_api_answers_a_demand_change_as_the_policy_says(api_client, people, demand, role, status):
    if role != "anonymous":
        api_client.force_authenticate(people.users[role])
    response = api_client.patch(f"/api/v1/demands/{demand.pk}/", {"title": "新标题"}, format="json")
    assert response.status_code == status
