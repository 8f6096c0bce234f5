"""Demand pages as each kind of person sees them: the tabs they are offered, the version of the requirements."""

import re

import pytest
from django.urls import reverse

from procurement import services
from procurement.requirement_rules import RequirementInput
from tests.factories import (
    DemandFactory,
    InstitutionFactory,
    ManufacturerFactory,
    RequirementFactory,
    UserFactory,
    member_of,
)
from tests.procurement.factories import make_dictionary

pytestmark = pytest.mark.django_db

POST_A_DEMAND = reverse("procurement:demand-create")
MAKERS_TAB = reverse("procurement:demand-for-manufacturer")
MINE_TAB = reverse("procurement:demand-mine")


def demand_list_html(client):
    return client.get(reverse("procurement:demand-list")).content.decode()


def test_a_researcher_is_not_offered_the_manufacturers_tab(client):
    client.force_login(member_of(InstitutionFactory()))
    html = demand_list_html(client)
    assert f'href="{POST_A_DEMAND}"' in html
    assert f'href="{MINE_TAB}"' in html
    assert f'href="{MAKERS_TAB}"' not in html


def test_a_manufacturer_is_not_offered_to_post_a_demand(client):
    client.force_login(member_of(ManufacturerFactory()))
    html = demand_list_html(client)
    assert f'href="{MAKERS_TAB}"' in html
    assert f'href="{POST_A_DEMAND}"' not in html
    assert f'href="{MINE_TAB}"' not in html


def test_someone_in_no_organization_and_a_visitor_get_neither(client):
    for html in (demand_list_html(client), None):
        if html is None:
            client.force_login(UserFactory())
            html = demand_list_html(client)
        assert f'href="{POST_A_DEMAND}"' not in html
        assert f'href="{MAKERS_TAB}"' not in html


def test_the_revision_page_counts_versions_from_one(client, settings, researcher, institution):
    dictionary = make_dictionary()
    demand = DemandFactory(institution=institution, category=dictionary.leaf)
    client.force_login(researcher)
    settings.LANGUAGE_CODE = "zh-hans"
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("procurement:demand-revise", args=[demand.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = html.content.decode()
    assert "第 0 版" not in text
    assert "第 1 版" in text
    # after one revision the demand is at version 2, and the history calls the replaced ones version 1
    services.demand_revise(
        demand=demand,
        user=researcher,
        requirements=[RequirementInput(parameter_key="max_pressure", operator=">=", value=60)],
    )
    detail = client.get(reverse("procurement:demand-detail", args=[demand.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = detail.content.decode()
    assert "第 2 版" in text
    assert "第 1 版（原始要求）" in text
    assert "第 0 版" not in text


def test_the_demand_page_never_shows_a_requirement_in_scientific_notation(client, researcher, institution):
    # Given requirements typed in scientific notation (stored so before values were written out)
    dictionary = make_dictionary()
    demand = DemandFactory(institution=institution, category=dictionary.leaf, posted_by=researcher)
    RequirementFactory(
        demand=demand, parameter=dictionary.pressure, operator=">=", value=2.5e06, entered_value="2.5E+06", unit="MPa"
    )
    RequirementFactory(
        demand=demand,
        parameter=dictionary.flow_range,
        operator="covers",
        value=None,
        value_min=1e-05,
        value_max=2e-05,
        entered_value="1e-05-2e-05",
        unit="mL/min",
        sort_order=1,
    )
    client.force_login(researcher)
    # When the demand page is shown, then the values are written out
    html = client.get(reverse("procurement:demand-detail", args=[demand.pk])).content.decode()
    main = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1].split("</main>", 1)[0])
    assert "2500000" in main and "0.00001-0.00002" in main
    assert not re.search(r"\d[eE][-+]?\d", main), re.findall(r"\S*\d[eE][-+]?\d\S*", main)


def test_the_revision_form_gives_back_small_and_large_values_written_out(client, researcher, institution):
    # Given requirements of 0.00001 MPa and a range up to 2500000 mL/min
    dictionary = make_dictionary()
    demand = DemandFactory(institution=institution, category=dictionary.leaf, posted_by=researcher)
    RequirementFactory(demand=demand, parameter=dictionary.pressure, operator=">=", value=1e-05, unit="MPa")
    RequirementFactory(
        demand=demand,
        parameter=dictionary.flow_range,
        operator="covers",
        value=None,
        value_min=0.5,
        value_max=2.5e06,
        unit="mL/min",
        sort_order=1,
    )
    client.force_login(researcher)
    # When the researcher opens the revision form, then the boxes hold the values as a person writes them
    html = client.get(reverse("procurement:demand-revise", args=[demand.pk])).content.decode()
    assert 'value="0.00001"' in html and 'value="2500000"' in html
    assert not re.search(r'value="[^"]*\d[eE][-+]?\d', html)
