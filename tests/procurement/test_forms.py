"""The demand pages' forms as a person meets them: dates, operator defaults, every error at once."""

import datetime
import re
from html import unescape as html_unescape

import pytest
from django.urls import reverse

from catalog.models import Parameter
from procurement.forms import RequirementRowForm
from procurement.models import Demand
from procurement.requirement_rules import default_operator, operators_for
from tests.factories import ParameterFactory
from tests.procurement.factories import draft_demand, in_days, make_dictionary

pytestmark = pytest.mark.django_db


@pytest.fixture
def dictionary():
    return make_dictionary()


def found(pattern, text, group=0):
    match = re.search(pattern, text, re.S)
    assert match, pattern
    return match.group(group)


def chinese(client):
    client.cookies["django_language"] = "zh-hans"
    return {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def demand_post(dictionary, institution, **overrides):
    data = {
        "institution": institution.pk,
        "title": "液相色谱仪",
        "category": dictionary.leaf.pk,
        "quantity": 1,
        "budget": "500000",
        "deadline": in_days(40).isoformat(),
        "delivery_province": "110000",
        "funding": "fiscal",
    }
    data.update(overrides)
    return data


# --- dates --------------------------------------------------------------------------------------------------------


def test_editing_a_demand_in_chinese_shows_its_deadline_in_the_date_picker(
    client, settings, researcher, institution, dictionary
):
    # given a draft with a deadline, and a researcher reading Chinese (whose locale writes dates 2027/03/01)
    settings.LANGUAGE_CODE = "zh-hans"
    demand = draft_demand(institution=institution, category=dictionary.leaf, deadline=datetime.date(2027, 3, 1))
    client.force_login(researcher)
    # when they open the edit page
    html = client.get(reverse("procurement:demand-edit", args=[demand.pk]), **chinese(client)).content.decode()
    # then the date input holds the ISO date the browser's date picker accepts
    assert re.search(r'<input type="date" name="deadline" value="2027-03-01"', html)
    assert "2027/03/01" not in html


def test_saving_the_edit_page_as_shown_in_chinese_keeps_the_deadline(
    client, settings, researcher, institution, dictionary
):
    settings.LANGUAGE_CODE = "zh-hans"
    deadline = in_days(50)
    demand = draft_demand(
        institution=institution, posted_by=researcher, category=dictionary.leaf, deadline=deadline, title="原标题"
    )
    client.force_login(researcher)
    page = client.get(reverse("procurement:demand-edit", args=[demand.pk]), **chinese(client))
    shown = found(r'name="deadline" value="([^"]*)"', page.content.decode(), 1)
    # when the form is sent back with the deadline as the page showed it
    response = client.post(
        reverse("procurement:demand-edit", args=[demand.pk]),
        demand_post(dictionary, institution, title="新标题", deadline=shown),
        **chinese(client),
    )
    # then it saves, and the deadline is unchanged
    assert response.status_code == 302
    demand.refresh_from_db()
    assert (demand.title, demand.deadline) == ("新标题", deadline)


# --- operators ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value_type", "better", "expected"),
    [
        ("number", "lower", "<="),
        ("number", "higher", ">="),
        ("number", "none", ">="),
        ("range", "wider", "covers"),
        ("range", "none", "covers"),
        ("choice", "none", "in"),
        ("boolean", "none", "="),
    ],
)
def test_default_operator_follows_the_better_direction(value_type, better, expected):
    parameter = Parameter(key="p", unit="", value_type=value_type, better=better)
    assert default_operator(parameter) == expected
    assert operators_for(parameter)[0] == expected


def test_a_lower_is_better_row_offers_at_most_first_and_selected(client, settings, researcher, dictionary):
    # given a parameter where lower is better (a relative standard deviation)
    rsd = ParameterFactory(category=dictionary.leaf, key="rsd", unit="%", better=Parameter.Better.LOWER)
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(researcher)
    # when the requirement rows of its category are shown in Chinese
    html = client.get(
        reverse("procurement:requirement-rows"), {"category": dictionary.leaf.pk}, **chinese(client)
    ).content.decode()
    select = found(r'<select name="req-rsd-operator".*?</select>', html)
    options = [
        (html_unescape(value), selected, label)
        for value, selected, label in re.findall(r'<option value="([^"]+)"( selected)?>([^<]*)</option>', select)
    ]
    # then "at most" comes first, is selected, and starts with its symbol so a narrow select still says it
    assert options[0] == ("<=", " selected", "≤ 不高于")
    assert {value for value, _sel, _label in options} == {"<=", ">=", "="}
    assert "≥ 不低于" in select
    # and a higher-is-better one still defaults to "at least"
    wavelength = found(r'<select name="req-wavelength_max-operator".*?</select>', html)
    assert re.search(r'<option value="&gt;=" selected>', wavelength)
    assert rsd.pk


def test_a_row_sent_without_an_operator_takes_the_default(dictionary):
    rsd = ParameterFactory(category=dictionary.leaf, key="rsd", unit="%", better=Parameter.Better.LOWER)
    row = RequirementRowForm({"req-rsd-include": "on", "req-rsd-value": "0.1"}, parameter=rsd, prefix="req-rsd")
    assert row.is_valid(), row.errors
    requirement = row.to_input()
    assert requirement is not None
    assert requirement.operator == ""  # left to the rule, which reads the direction
    from procurement.requirement_rules import requirement_clean

    assert requirement_clean(rsd, requirement).operator == "<="


def test_api_requirement_without_operator_defaults_from_the_direction(api_client, researcher, dictionary):
    ParameterFactory(category=dictionary.leaf, key="rsd", unit="%", better=Parameter.Better.LOWER)
    api_client.force_authenticate(researcher)
    response = api_client.post(
        "/api/v1/demands/",
        {
            "title": "LC",
            "category": dictionary.leaf.pk,
            "deadline": in_days(30).isoformat(),
            "delivery_province": "110000",
            "requirements": [
                {"parameter": "rsd", "value": 0.1, "unit": "%"},
                {"parameter": "flow_range", "value_min": 0.1, "value_max": 5},
                {"parameter": "detector", "choices": ["UV"]},
                {"parameter": "max_pressure", "value": 60},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    operators = {r["parameter"]: r["operator"] for r in response.json()["requirements"]}
    assert operators == {"rsd": "<=", "flow_range": "covers", "detector": "in", "max_pressure": ">="}


# --- every error at once ------------------------------------------------------------------------------------------


def test_every_field_error_shows_on_the_first_submit_beside_its_field(client, researcher, institution, dictionary):
    client.force_login(researcher)
    # when quantity 0, budget -100 and a past deadline are sent together, with a bad requirement row
    response = client.post(
        reverse("procurement:demand-create"),
        demand_post(
            dictionary,
            institution,
            quantity="0",
            budget="-100",
            deadline=(in_days(-3)).isoformat(),
            **{"req-max_pressure-include": "on", "req-max_pressure-operator": ">=", "req-max_pressure-value": "x"},
        ),
    )
    # then nothing is saved and all four errors are on the page at once
    assert response.status_code == 200
    assert not Demand.objects.exists()
    form = response.context["form"]
    assert set(form.errors) == {"quantity", "budget", "deadline"}
    html = response.content.decode()
    summary = found(r'<div class="alert alert-danger error-summary".*?</div>', html)
    items = re.findall(r"<li>(.*?)</li>", summary, re.S)
    assert len(items) == 4
    # field errors first, in page order, then the requirement row, each linking to its field
    assert 'href="#id_quantity"' in items[0]
    assert 'href="#id_budget"' in items[1]
    assert 'href="#id_deadline"' in items[2]
    assert 'href="#id_req-max_pressure-value"' in items[3]
    assert "The deadline is in the past." in items[2]
    # and each message also stands beside its field, which is marked invalid
    assert re.search(r'name="quantity"[^>]*class="[^"]*is-invalid', html) or re.search(
        r'class="[^"]*is-invalid[^"]*"[^>]*name="quantity"', html
    )
    assert html.count("The budget must be positive.") == 2  # summary and beside the field


def test_requirement_row_errors_read_with_labels_not_field_names(client, researcher, institution, dictionary):
    client.force_login(researcher)
    response = client.post(
        reverse("procurement:demand-create"),
        demand_post(
            dictionary,
            institution,
            **{
                "req-flow_range-include": "on",
                "req-flow_range-operator": "covers",
                "req-flow_range-value_min": "5",
                "req-flow_range-value_max": "1",
            },
        ),
    )
    html = response.content.decode()
    assert "The minimum of a range cannot exceed its maximum." in html
    assert "value_min:" not in html
    assert f"{dictionary.flow_range.name} · From" in html


def test_the_api_reports_every_bad_demand_field(api_client, researcher, dictionary):
    api_client.force_authenticate(researcher)
    response = api_client.post(
        "/api/v1/demands/",
        {
            "title": "LC",
            "category": dictionary.leaf.pk,
            "deadline": in_days(-1).isoformat(),
            "delivery_province": "110000",
            "quantity": 0,
            "budget": "-100",
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"quantity", "budget", "deadline"} <= set(response.json()["fields"])


# --- quotes -------------------------------------------------------------------------------------------------------


def quote_scene(institution, researcher, manufacturer):
    from tests.factories import DemandFactory, ProductFactory

    demand = DemandFactory(institution=institution, posted_by=researcher)
    product = ProductFactory(manufacturer=manufacturer, category=demand.category)
    return demand, product


def test_quote_errors_stand_beside_their_fields_with_the_typed_values_kept(
    client, institution, researcher, manufacturer, maker
):
    demand, product = quote_scene(institution, researcher, manufacturer)
    client.force_login(maker)
    # when a manufacturer sends a quote with a price that is not a number and a negative lead time
    response = client.post(
        reverse("procurement:quote-create", args=[demand.pk]),
        {"product": product.pk, "unit_price": "12万", "lead_time_days": "-5", "message": "含安装培训"},
    )
    # then the demand page comes back with the form as typed and each error under its field
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="12万"' in html
    assert 'value="-5"' in html
    assert "含安装培训" in html
    form = response.context["quote_form"]
    assert set(form.errors) == {"unit_price", "lead_time_days"}
    summary = found(r'<div class="alert alert-danger error-summary".*?</div>', html)
    assert 'href="#id_unit_price">Unit price (CNY)</a>' in summary
    assert 'href="#id_lead_time_days">Lead time (days)</a>' in summary
    assert "unit_price" not in re.sub(r'[\w-]+="[^"]*"', "", html)  # only in attributes, never as text
    assert not demand.quotes.exists()


def test_a_service_refusal_of_a_quote_is_shown_on_its_field_in_chinese(
    client, settings, institution, researcher, manufacturer, maker
):
    settings.LANGUAGE_CODE = "zh-hans"
    demand, product = quote_scene(institution, researcher, manufacturer)
    client.force_login(maker)
    response = client.post(
        reverse("procurement:quote-create", args=[demand.pk]),
        {"product": product.pk, "unit_price": "0"},
        **chinese(client),
    )
    assert response.status_code == 400
    assert "unit_price" in response.context["quote_form"].errors
    html = response.content.decode()
    summary = found(r'<div class="alert alert-danger error-summary".*?</div>', html)
    assert 'href="#id_unit_price">单价（元）</a>: 单价必须为合理的正数。' in summary
    assert "* unit_price" not in html


def test_quotes_come_before_the_match_cards_and_the_buyer_is_sent_to_them(
    client, institution, researcher, manufacturer, maker
):
    from notifications.models import Notification
    from procurement import services

    demand, product = quote_scene(institution, researcher, manufacturer)
    services.quote_submit(user=maker, demand=demand, product=product, unit_price=380000)
    notification = Notification.objects.get(user=researcher)
    assert notification.url == reverse("procurement:demand-detail", args=[demand.pk]) + "#quotes"
    client.force_login(researcher)
    html = client.get(reverse("procurement:demand-detail", args=[demand.pk])).content.decode()
    assert '<section id="quotes"' in html
    assert html.index('id="quotes"') < html.index('id="matches"')
    assert "CNY 380,000.00" in html


def test_demand_pages_show_budgets_in_wan_in_chinese(client, settings, dictionary):
    from tests.factories import DemandFactory
    from tests.procurement.test_views import indexed

    settings.LANGUAGE_CODE = "zh-hans"
    demand = DemandFactory(category=dictionary.leaf, budget=2297000)
    indexed(demand)
    listing = client.get(reverse("procurement:demand-list"), **chinese(client)).content.decode()
    assert "229.7 万元" in listing
    assert "2297000" not in listing
    detail = client.get(reverse("procurement:demand-detail", args=[demand.pk]), **chinese(client)).content.decode()
    assert "229.7 万元" in detail
