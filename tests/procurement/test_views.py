import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Category, Parameter
from procurement.models import Demand, Quote, SharedInstrument
from search.services import search_index_objects
from tests.factories import (
    CategoryFactory,
    DemandFactory,
    InstitutionFactory,
    ManufacturerFactory,
    ProductFactory,
    RequirementFactory,
    SharedInstrumentFactory,
    member_of,
    province,
)
from tests.procurement.factories import draft_demand, in_days, make_dictionary

pytestmark = pytest.mark.django_db


@pytest.fixture
def dictionary():
    return make_dictionary()


def indexed(*demands):
    search_index_objects(kind="demands", ids=[d.pk for d in demands])
    return demands


def test_public_list_shows_open_demands_through_search_with_filters(client, dictionary):
    cheap, dear = indexed(
        DemandFactory(category=dictionary.leaf, title="Cheap LC", budget=100000),
        DemandFactory(category=dictionary.leaf, title="Dear LC", budget=900000),
    )
    draft = draft_demand(category=dictionary.leaf, title="Secret draft")
    indexed(draft)

    response = client.get(reverse("procurement:demand-list"))
    assert response.status_code == 200
    assert {d.pk for d in response.context["demands"]} == {cheap.pk, dear.pk}
    assert b"Secret draft" not in response.content

    filtered = client.get(reverse("procurement:demand-list"), {"category": dictionary.leaf.pk, "budget_max": 200000})
    assert [d.pk for d in filtered.context["demands"]] == [cheap.pk]
    assert filtered.context["result"].total == 1


def test_public_list_keyword_highlights_the_matched_terms(client, dictionary):
    indexed(DemandFactory(category=dictionary.leaf, title="Cryogenic probe NMR"))
    response = client.get(reverse("procurement:demand-list"), {"q": "cryogenic"})
    assert response.context["result"].total == 1
    assert "<mark>Cryogenic</mark>" in response.content.decode()


def test_public_list_queries_are_bounded(client, dictionary, django_assert_max_num_queries):
    indexed(*[DemandFactory(category=dictionary.leaf) for _ in range(15)])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("procurement:demand-list"))
    assert len(response.context["demands"]) == 15


def test_bad_filters_show_form_errors_not_500(client):
    response = client.get(reverse("procurement:demand-list"), {"budget_min": "abc", "deadline_after": "soon"})
    assert response.status_code == 200
    assert "budget_min" in response.context["form"].errors


def test_post_a_demand_with_requirement_rows_then_check_then_open(client, researcher, institution, dictionary):
    client.force_login(researcher)
    rows = client.get(reverse("procurement:requirement-rows"), {"category": dictionary.leaf.pk})
    assert rows.status_code == 200
    assert b'name="req-max_pressure-unit"' in rows.content
    assert b'<option value="bar">' in rows.content
    assert b"req-wavelength_max-value" in rows.content  # inherited from the parent category

    form_page = client.get(reverse("procurement:demand-create"))
    assert b'hx-get="/demands/requirement-rows/"' in form_page.content

    response = client.post(
        reverse("procurement:demand-create"),
        {
            "institution": institution.pk,
            "title": "液相色谱仪",
            "category": dictionary.leaf.pk,
            "quantity": 1,
            "budget": "500000",
            "deadline": in_days(40).isoformat(),
            "delivery_province": "110000",
            "funding": "fiscal",
            "req-max_pressure-include": "on",
            "req-max_pressure-operator": ">=",
            "req-max_pressure-value": "800",
            "req-max_pressure-unit": "bar",
            "req-max_pressure-is_mandatory": "on",
            "req-max_pressure-weight": "1",
            "req-detector-include": "on",
            "req-detector-operator": "in",
            "req-detector-choices": ["UV", "DAD"],
            "req-detector-weight": "2",
        },
    )
    demand = Demand.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("procurement:demand-check", args=[demand.pk])
    by_key = {r.parameter.key: r for r in demand.requirements.all()}
    assert by_key["max_pressure"].value == pytest.approx(80.0)
    assert by_key["detector"].value_choices == ["UV", "DAD"]
    assert by_key["detector"].is_mandatory is False

    own = SharedInstrumentFactory(institution=institution, category=dictionary.leaf, name="Our own LC")
    check = client.get(reverse("procurement:demand-check", args=[demand.pk]))
    assert [c.pk for c in check.context["candidates"]] == [own.pk]
    opened = client.post(
        reverse("procurement:demand-check", args=[demand.pk]),
        {"answer": "still_needed", "reason": "Ours is fully booked", "open": "1"},
    )
    assert opened.status_code == 302
    demand.refresh_from_db()
    assert demand.status == Demand.Status.OPEN


def test_post_form_shows_row_errors_and_saves_nothing(client, researcher, institution, dictionary):
    client.force_login(researcher)
    response = client.post(
        reverse("procurement:demand-create"),
        {
            "institution": institution.pk,
            "title": "x",
            "category": dictionary.leaf.pk,
            "quantity": 1,
            "deadline": in_days(-3).isoformat(),
            "delivery_province": "110000",
            "funding": "fiscal",
            "req-max_pressure-include": "on",
            "req-max_pressure-operator": ">=",
            "req-max_pressure-value": "5",
            "req-max_pressure-unit": "nm",
        },
    )
    assert response.status_code == 200
    row = next(r for r in response.context["rows"].forms if r.parameter.key == "max_pressure")
    assert "unit" in row.errors
    assert not Demand.objects.exists()


def test_opening_from_the_page_without_check_shows_the_reason(client, researcher, institution, dictionary):
    demand = draft_demand(institution=institution, category=dictionary.leaf)
    RequirementFactory(demand=demand, parameter=dictionary.pressure)
    client.force_login(researcher)
    response = client.post(reverse("procurement:demand-open", args=[demand.pk]), follow=True)
    assert "shared-instrument check" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == Demand.Status.DRAFT


@pytest.mark.parametrize(
    ("role", "draft_code", "sees_contact", "sees_edit"),
    [
        ("anonymous", 404, False, False),
        ("other_member", 404, False, False),
        ("own_member", 200, True, True),
        ("verified_maker", 404, True, False),
        ("unverified_maker", 404, False, False),
        ("staff", 200, True, False),
    ],
)
def test_detail_page_visibility(client, institution, staff_user, role, draft_code, sees_contact, sees_edit):
    users = {
        "anonymous": None,
        "other_member": member_of(InstitutionFactory()),
        "own_member": member_of(institution),
        "verified_maker": member_of(ManufacturerFactory()),
        "unverified_maker": member_of(ManufacturerFactory(is_verified=False)),
        "staff": staff_user,
    }
    if users[role]:
        client.force_login(users[role])
    demand = DemandFactory(institution=institution)
    draft = draft_demand(institution=institution)

    assert client.get(reverse("procurement:demand-detail", args=[draft.pk])).status_code == draft_code
    page = client.get(reverse("procurement:demand-detail", args=[demand.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert ("010-12345678" in html) is sees_contact
    assert f'hx-get="{reverse("matching:demand-matches", args=[demand.pk])}"' in html
    edit = client.get(reverse("procurement:demand-edit", args=[demand.pk]))
    if sees_edit:
        assert edit.status_code == 200
    elif users[role] is None:
        assert edit.status_code == 302  # to the login page
    else:
        assert edit.status_code == 404
        assert client.post(reverse("procurement:demand-close", args=[demand.pk])).status_code == 404


def test_revise_page_keeps_a_revision(client, researcher, institution, dictionary):
    demand = DemandFactory(institution=institution, category=dictionary.leaf)
    RequirementFactory(demand=demand, parameter=dictionary.pressure, value=40, entered_value="40", unit="MPa")
    client.force_login(researcher)
    page = client.get(reverse("procurement:demand-revise", args=[demand.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("procurement:demand-revise", args=[demand.pk]),
        {
            "reason": "stricter",
            "req-max_pressure-include": "on",
            "req-max_pressure-operator": ">=",
            "req-max_pressure-value": "60",
            "req-max_pressure-unit": "MPa",
            "req-max_pressure-is_mandatory": "on",
            "req-max_pressure-weight": "1",
        },
    )
    assert response.status_code == 302
    detail = client.get(reverse("procurement:demand-detail", args=[demand.pk]))
    assert detail.context["revisions"][0].snapshot["requirements"][0]["value"] == 40
    assert detail.context["requirements"][0].value == 60


def test_my_demands_and_maker_pages_are_bounded(
    client, researcher, institution, maker, manufacturer, django_assert_max_num_queries
):
    category = CategoryFactory()
    ProductFactory(manufacturer=manufacturer, category=category)
    for _ in range(8):
        DemandFactory(institution=institution, category=category)
        draft_demand(institution=institution, category=category)
    client.force_login(researcher)
    with django_assert_max_num_queries(12):
        mine = client.get(reverse("procurement:demand-mine"))
    assert len(mine.context["page_obj"].object_list) == 16
    client.force_login(maker)
    with django_assert_max_num_queries(14):
        made = client.get(reverse("procurement:demand-for-manufacturer"))
    assert len(made.context["page_obj"].object_list) == 8


def test_shared_instrument_pages(client, researcher, institution, dictionary):
    client.force_login(researcher)
    response = client.post(
        reverse("procurement:shared-instrument-create"),
        {
            "institution": institution.pk,
            "name": "核磁共振波谱仪",
            "category": dictionary.leaf.pk,
            "province": "110000",
            "is_open_to_external": "on",
        },
    )
    assert response.status_code == 302
    instrument = SharedInstrument.objects.get()
    edit = client.post(
        reverse("procurement:shared-instrument-edit", args=[instrument.pk]),
        {"name": "600 MHz NMR", "category": dictionary.leaf.pk, "province": "110000"},
    )
    assert edit.status_code == 302
    instrument.refresh_from_db()
    assert instrument.name == "600 MHz NMR"
    listing = client.get(reverse("procurement:shared-instrument-list"))
    assert b"600 MHz NMR" in listing.content
    assert client.post(reverse("procurement:shared-instrument-delete", args=[instrument.pk])).status_code == 302
    assert not SharedInstrument.objects.exists()


def test_other_institutions_cannot_edit_shared_instruments(client, dictionary):
    instrument = SharedInstrumentFactory(category=dictionary.leaf)
    client.force_login(member_of(InstitutionFactory()))
    assert client.get(reverse("procurement:shared-instrument-edit", args=[instrument.pk])).status_code == 404
    assert client.post(reverse("procurement:shared-instrument-delete", args=[instrument.pk])).status_code == 404


def test_csv_import_page_reports_bad_rows(client, researcher, institution, dictionary):
    client.force_login(researcher)
    upload = SimpleUploadedFile(
        "s.csv", f"name,category,province\nA,{dictionary.leaf.code},110000\nB,X,110000\n".encode()
    )
    response = client.post(
        reverse("procurement:shared-instrument-import"), {"institution": institution.pk, "file": upload}
    )
    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["report"].errors] == [(3, "category")]
    assert "Unknown category" in response.content.decode()
    assert not SharedInstrument.objects.exists()


def test_import_page_shows_a_bad_file_as_a_form_error(client, researcher, institution):
    client.force_login(researcher)
    upload = SimpleUploadedFile("s.csv", b"name\nx\n")
    response = client.post(
        reverse("procurement:shared-instrument-import"), {"institution": institution.pk, "file": upload}
    )
    assert response.status_code == 200
    assert "category" in str(response.context["form"].errors["file"])


def test_shared_instrument_list_is_bounded(client, django_assert_max_num_queries):
    SharedInstrumentFactory.create_batch(12, province=province("310000"))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("procurement:shared-instrument-list"))
    assert len(response.context["page_obj"].object_list) == 12


def test_quote_and_award_on_the_demand_page(client, institution, researcher, manufacturer, maker):
    demand = DemandFactory(institution=institution, posted_by=researcher)
    product = ProductFactory(manufacturer=manufacturer, category=demand.category)
    client.force_login(maker)
    assert client.get(reverse("procurement:demand-detail", args=[demand.pk])).context["quote_form"] is not None
    client.post(
        reverse("procurement:quote-create", args=[demand.pk]),
        {"product": product.pk, "unit_price": "380000", "lead_time_days": "30"},
    )
    quote = Quote.objects.get()
    client.force_login(member_of(InstitutionFactory()))
    assert client.get(reverse("procurement:demand-detail", args=[demand.pk])).context["quotes"] == []
    client.force_login(researcher)
    assert client.get(reverse("procurement:demand-detail", args=[demand.pk])).context["quotes"] == [quote]
    client.post(reverse("procurement:demand-award", args=[demand.pk]), {"quote": quote.pk, "confirmed": "yes"})
    demand.refresh_from_db()
    assert demand.status == Demand.Status.AWARDED


def test_pages_speak_chinese(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = client.get(reverse("procurement:demand-list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "征集中的需求" in response.content.decode()


def test_only_the_buyer_awards_and_only_the_maker_withdraws_on_pages(
    client, institution, researcher, manufacturer, maker
):
    demand = DemandFactory(institution=institution, posted_by=researcher)
    product = ProductFactory(manufacturer=manufacturer, category=demand.category)
    quote = Quote.objects.create(
        demand=demand, manufacturer=manufacturer, product=product, unit_price=1000, submitted_by=maker
    )
    client.force_login(maker)
    assert client.post(reverse("procurement:demand-award", args=[demand.pk]), {"quote": quote.pk}).status_code == 404
    client.force_login(member_of(InstitutionFactory()))
    assert client.post(reverse("procurement:quote-withdraw", args=[quote.pk])).status_code == 404
    client.force_login(maker)
    client.post(reverse("procurement:quote-withdraw", args=[quote.pk]), {"confirmed": "yes"})
    quote.refresh_from_db()
    demand.refresh_from_db()
    assert quote.status == Quote.Status.WITHDRAWN
    assert demand.status == Demand.Status.OPEN


def test_editing_a_draft_can_switch_its_category(client, researcher, institution, dictionary):
    demand = draft_demand(institution=institution, category=dictionary.leaf)
    RequirementFactory(demand=demand, parameter=dictionary.pressure)
    client.force_login(researcher)
    page = client.get(reverse("procurement:demand-edit", args=[demand.pk]))
    pressure_row = next(r for r in page.context["rows"].forms if r.parameter.key == "max_pressure")
    assert pressure_row.initial["include"] is True
    response = client.post(
        reverse("procurement:demand-edit", args=[demand.pk]),
        {
            "institution": institution.pk,
            "title": "Switched",
            "category": dictionary.root.pk,
            "quantity": 1,
            "deadline": in_days(10).isoformat(),
            "delivery_province": "110000",
            "funding": "other",
            "req-wavelength_max-include": "on",
            "req-wavelength_max-operator": "<=",
            "req-wavelength_max-value": "650",
            "req-wavelength_max-unit": "nm",
        },
    )
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.category == dictionary.root
    assert [(r.parameter.key, r.value) for r in demand.requirements.all()] == [("wavelength_max", 650.0)]


def test_malformed_page_input_never_fails(client, researcher, institution):
    client.force_login(researcher)
    assert client.get(reverse("procurement:requirement-rows"), {"category": "abc"}).status_code == 200
    response = client.post(reverse("procurement:demand-create"), {"category": "abc", "institution": "x"})
    assert response.status_code == 200
    assert "category" in response.context["form"].errors
    assert client.post(reverse("procurement:demand-award", args=[999]), {"quote": "x"}).status_code == 404
    assert client.get(reverse("procurement:demand-mine"), {"status": "bogus", "page": "zz"}).status_code == 200
    assert client.get(reverse("procurement:demand-list"), {"page": "-4"}).status_code == 200


def test_import_justification_pages(client, institution, researcher, staff_user):
    from procurement.models import ImportJustification
    from tests.factories import ImportedProductFactory

    demand = DemandFactory(institution=institution, accepts_imported=True, import_reason="1 ppb")
    imported = ImportedProductFactory(category=demand.category)
    ProductFactory(category=demand.category)
    client.force_login(researcher)
    assert b"Justify an imported product" in client.get(reverse("procurement:demand-detail", args=[demand.pk])).content
    bad_pdf = SimpleUploadedFile("evidence.pdf", b"not a pdf")
    response = client.post(
        reverse("procurement:import-justification", args=[demand.pk]),
        {
            "imported_product": imported.pk,
            "reason": "No domestic product reaches the 1 ppb limit.",
            "document": bad_pdf,
        },
    )
    assert "document" in response.context["form"].errors
    pdf = SimpleUploadedFile("evidence.pdf", b"%PDF-1.4 evidence")
    response = client.post(
        reverse("procurement:import-justification", args=[demand.pk]),
        {"imported_product": imported.pk, "reason": "No domestic product reaches the 1 ppb limit.", "document": pdf},
    )
    assert response.status_code == 302
    justification = ImportJustification.objects.get()
    assert client.get(reverse("procurement:import-justification-queue")).status_code == 404
    client.force_login(member_of(InstitutionFactory()))
    assert client.get(reverse("procurement:import-justification", args=[demand.pk])).status_code == 404
    client.force_login(staff_user)
    queue = client.get(reverse("procurement:import-justification-queue"))
    assert list(queue.context["page_obj"].object_list) == [justification]
    client.post(reverse("procurement:import-justification-review", args=[justification.pk]), {"decision": "reject"})
    justification.refresh_from_db()
    assert justification.status == ImportJustification.Status.REJECTED


def test_requirement_rows_of_a_unicode_digit_category_are_empty_not_an_error(client, researcher):
    client.force_login(researcher)
    response = client.get(reverse("procurement:requirement-rows"), {"category": "\u00b2"})
    assert response.status_code == 200


def test_demand_list_page_far_past_the_end_renders(client, db):
    # ?page= beyond a bigint offset used to reach PostgreSQL as an OFFSET it cannot hold
    response = client.get(reverse("procurement:demand-list"), {"page": "99999999999999999999"})
    assert response.status_code == 200


def test_requirements_are_shown_by_name_with_option_names_not_keys(client, settings):
    # given an open demand for a liquid chromatograph asking for an isocratic or binary pump
    settings.LANGUAGE_CODE = "zh-hans"
    lc = Category.objects.get(code="010501")
    demand = DemandFactory(category=lc)
    pump = Parameter.objects.get(category=lc, key="pump_type")
    RequirementFactory(
        demand=demand,
        parameter=pump,
        operator="in",
        value=None,
        value_choices=["isocratic", "binary"],
        entered_value="isocratic, binary",
        unit="",
    )
    # when its page is read in Chinese
    html = client.get(reverse("procurement:demand-detail", args=[demand.pk])).content.decode()
    text = re.sub(r"<[^>]+>", " ", html)
    # then the parameter and its options have their Chinese names, and no dictionary key shows
    assert "泵类型" in text and "等度泵, 二元泵" in text
    assert "pump_type" not in text and "isocratic" not in text


def test_public_demand_list_sorts_by_deadline_or_budget_on_request(client, dictionary):
    later, soon = indexed(
        DemandFactory(category=dictionary.leaf, title="Later", budget=900000, deadline=in_days(90)),
        DemandFactory(category=dictionary.leaf, title="Soon", budget=100000, deadline=in_days(10)),
    )
    url = reverse("procurement:demand-list")
    assert [d.pk for d in client.get(url, {"sort": "deadline"}).context["demands"]] == [soon.pk, later.pk]
    assert [d.pk for d in client.get(url, {"sort": "-budget"}).context["demands"]] == [later.pk, soon.pk]
    assert 'name="sort"' in client.get(url).content.decode()


def test_manufacturer_demand_list_sorts_by_the_best_match_of_its_own_products(client, maker, manufacturer):
    from matching.models import Match

    category = CategoryFactory()
    mine = ProductFactory(manufacturer=manufacturer, category=category)
    theirs = ProductFactory(category=category)
    weak, strong, unmatched = (
        DemandFactory(category=category, deadline=in_days(5)),
        DemandFactory(category=category, deadline=in_days(20)),
        DemandFactory(category=category, deadline=in_days(1)),
    )
    Match.objects.create(demand=weak, product=mine, rank=1, score=0.4)
    Match.objects.create(demand=strong, product=mine, rank=1, score=0.9)
    # another maker's better match does not count for this one
    Match.objects.create(demand=weak, product=theirs, rank=2, score=0.95)
    client.force_login(maker)
    url = reverse("procurement:demand-for-manufacturer")
    by_match = client.get(url, {"sort": "match"}).context["page_obj"].object_list
    assert [d.pk for d in by_match] == [strong.pk, weak.pk, unmatched.pk]
    by_deadline = client.get(url).context["page_obj"].object_list
    assert [d.pk for d in by_deadline] == [unmatched.pk, weak.pk, strong.pk]


def test_manufacturer_demand_keyword_list_is_not_cut_at_the_search_backends_page_cap(
    client, maker, manufacturer, django_assert_max_num_queries
):
    # given more matching open demands in the maker's category than one search page holds (1,000), and others
    category = CategoryFactory()
    ProductFactory(manufacturer=manufacturer, category=category)
    first = DemandFactory(category=category, title="Cryogenic probe 0", deadline=in_days(1))
    template = {
        "institution": first.institution,
        "posted_by": first.posted_by,
        "category": category,
        "delivery_province": first.delivery_province,
        "status": Demand.Status.OPEN,
        "opened_at": first.opened_at,
    }
    more = Demand.objects.bulk_create(
        Demand(title=f"Cryogenic probe {n}", deadline=in_days(2 + n % 50), **template) for n in range(1, 1100)
    )
    unrelated = Demand.objects.bulk_create(
        Demand(title=f"Balance {n}", deadline=in_days(3), **template) for n in range(5)
    )
    search_index_objects(kind="demands", ids=[first.pk, *(d.pk for d in more), *(d.pk for d in unrelated)])
    client.force_login(maker)
    url = reverse("procurement:demand-for-manufacturer")
    # when the maker looks for the keyword
    with django_assert_max_num_queries(20):
        page = client.get(url, {"q": "cryogenic"}).context["page_obj"]
    # then every hit is counted and listed in the list's own order (soonest deadline first), none cut off
    assert page.paginator.count == 1100
    assert page.object_list[0].pk == first.pk
    last = client.get(url, {"q": "cryogenic", "page": page.paginator.num_pages}).context["page_obj"]
    listed_last = {d.pk for d in last.object_list}
    assert listed_last and listed_last <= {d.pk for d in more}
    assert client.get(url, {"q": "balance"}).context["page_obj"].paginator.count == 5
    assert client.get(url, {"q": "cryogenic balance"}).context["page_obj"].paginator.count == 0


def test_shared_instrument_check_shows_the_required_specifications_of_the_proposed_instruments(
    client, researcher, institution, dictionary, django_assert_max_num_queries
):
    from tests.factories import SpecificationFactory

    demand = draft_demand(institution=institution, category=dictionary.leaf)
    RequirementFactory(demand=demand, parameter=dictionary.wavelength, value=800)
    product = ProductFactory(category=dictionary.leaf, model_number="UV-900")
    SpecificationFactory(product=product, parameter=dictionary.wavelength, value=900)
    SpecificationFactory(product=product, parameter=dictionary.flow_range, value=None, value_min=0.1, value_max=5)
    linked = SharedInstrumentFactory(institution=institution, category=dictionary.leaf, product=product)
    unlinked = SharedInstrumentFactory(institution=institution, category=dictionary.leaf, product=None)
    client.force_login(researcher)
    with django_assert_max_num_queries(20):
        body = client.get(reverse("procurement:demand-check", args=[demand.pk])).content.decode()
    shown = body.split(f'data-specifications="{linked.pk}">', 1)[1].split("</div>", 1)[0]
    # the parameter the demand asks about, in its unit; not the ones it does not ask about
    assert dictionary.wavelength.name_en in shown and "900 nm" in shown
    assert dictionary.flow_range.name_en not in shown
    assert "not linked to a catalog product" in body.split(f'data-specifications="{unlinked.pk}">', 1)[1]


def test_demand_filters_and_forms_take_short_province_names(client, dictionary):
    shanghai, _beijing = indexed(
        DemandFactory(category=dictionary.leaf, title="In Shanghai", delivery_province=province("310000")),
        DemandFactory(category=dictionary.leaf, title="In Beijing", delivery_province=province("110000")),
    )
    response = client.get(reverse("procurement:demand-list"), {"province": "上海"})
    assert response.status_code == 200 and [d.pk for d in response.context["demands"]] == [shanghai.pk]


def test_shared_instrument_import_takes_short_province_names(client, researcher, institution, dictionary):
    client.force_login(researcher)
    data = f"name,category,province\n离心机,{dictionary.leaf.code},上海\n天平,{dictionary.leaf.code},内蒙古\n".encode()
    response = client.post(
        reverse("procurement:shared-instrument-import"),
        {"institution": institution.pk, "file": SimpleUploadedFile("s.csv", data, content_type="text/csv")},
    )
    assert response.status_code in (200, 302)
    assert sorted(SharedInstrument.objects.values_list("province_id", flat=True)) == ["150000", "310000"]
