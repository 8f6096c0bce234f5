from decimal import Decimal

import pytest

from notifications.models import Notification
from procurement.models import Award, Demand, DemandRevision, Quote, SharedInstrument
from tests.factories import (
    DemandFactory,
    InstitutionFactory,
    ManufacturerFactory,
    ProductFactory,
    RequirementFactory,
    SharedInstrumentFactory,
    UserFactory,
    member_of,
)
from tests.procurement.factories import draft_demand, in_days, make_dictionary

pytestmark = pytest.mark.django_db

URL = "/api/v1/demands/"


@pytest.fixture
def dictionary():
    return make_dictionary()


def payload(dictionary, **overrides):
    data = {
        "title": "超高效液相色谱仪",
        "category": dictionary.leaf.pk,
        "deadline": in_days(30).isoformat(),
        "delivery_province": "110000",
        "budget": "800000.00",
        "contact_email": "buyer@example.org",
        "requirements": [
            {"parameter": "max_pressure", "operator": ">=", "value": 1000, "unit": "bar"},
            {"parameter": "flow_range", "operator": "covers", "value_min": 0.01, "value_max": 5, "unit": "mL/min"},
            {"parameter": "detector", "operator": "in", "choices": ["UV", "DAD"], "is_mandatory": False, "weight": 2},
            {"parameter": "autosampler", "operator": "=", "value": True},
            {"parameter": "wavelength_max", "operator": ">=", "value": 0.8, "unit": "µm"},
        ],
    }
    data.update(overrides)
    return data


def test_create_with_nested_requirements_returns_them_canonical(api_client, researcher, dictionary):
    api_client.force_authenticate(researcher)
    response = api_client.post(URL, payload(dictionary), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    by_key = {r["parameter"]: r for r in body["requirements"]}
    assert by_key["max_pressure"]["value"] == pytest.approx(100.0)
    assert by_key["max_pressure"]["unit"] == "bar"
    assert by_key["max_pressure"]["canonical_unit"] == "MPa"
    assert (by_key["flow_range"]["value_min"], by_key["flow_range"]["value_max"]) == (0.01, 5.0)
    assert by_key["detector"]["choices"] == ["UV", "DAD"]
    assert by_key["detector"]["is_mandatory"] is False
    assert by_key["detector"]["weight"] == 2.0
    assert by_key["autosampler"]["choices"] == ["true"]
    assert by_key["wavelength_max"]["value"] == pytest.approx(800.0)
    assert body["contact_email"] == "buyer@example.org"


def test_nested_requirement_errors_name_the_row_and_field(api_client, researcher, dictionary):
    api_client.force_authenticate(researcher)
    data = payload(
        dictionary,
        requirements=[
            {"parameter": "max_pressure", "operator": ">=", "value": 10, "unit": "nm"},
            {"parameter": "nope", "operator": ">=", "value": 1},
            {"parameter": "detector", "operator": "in", "choices": []},
            {"parameter": "flow_range", "operator": "covers", "value_min": 5, "value_max": 1},
        ],
    )
    response = api_client.post(URL, data, format="json")
    assert response.status_code == 400
    rows = response.json()["fields"]["requirements"]
    assert "unit" in rows["0"]
    assert "parameter" in rows["1"]
    assert "choices" in rows["2"]
    assert "value_min" in rows["3"]
    assert not Demand.objects.exists()


def test_requirement_shape_errors_are_field_errors(api_client, researcher, dictionary):
    api_client.force_authenticate(researcher)
    data = payload(dictionary, requirements=[{"parameter": "max_pressure", "operator": "~", "weight": -1}])
    response = api_client.post(URL, data, format="json")
    assert response.status_code == 400
    row = response.json()["fields"]["requirements"]["0"]
    assert set(row) == {"operator", "weight"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"deadline": "2001-01-01"}, "deadline"),
        ({"budget": "-10"}, "budget"),
        ({"quantity": 0}, "quantity"),
        ({"delivery_province": "999999"}, "delivery_province"),
    ],
)
def test_bad_demand_fields_are_400_with_the_field(api_client, researcher, dictionary, overrides, field):
    api_client.force_authenticate(researcher)
    response = api_client.post(URL, payload(dictionary, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_create_requires_membership_of_an_institution(api_client, maker, dictionary):
    api_client.force_authenticate(maker)
    assert api_client.post(URL, payload(dictionary), format="json").status_code == 403


def test_anonymous_cannot_create(api_client, dictionary):
    assert api_client.post(URL, payload(dictionary), format="json").status_code in (401, 403)


def test_opening_through_the_api_needs_the_check_first(api_client, researcher, dictionary):
    api_client.force_authenticate(researcher)
    demand_id = api_client.post(URL, payload(dictionary), format="json").json()["id"]

    refused = api_client.post(f"{URL}{demand_id}/open/")
    assert refused.status_code == 400
    assert "shared_check" in refused.json()["fields"]

    checked = api_client.post(f"{URL}{demand_id}/check/", {"answer": "still_needed"}, format="json")
    assert checked.status_code == 400
    assert "reason" in checked.json()["fields"]
    checked = api_client.post(f"{URL}{demand_id}/check/", {"answer": "still_needed", "reason": "Booked out"})
    assert checked.status_code == 200
    opened = api_client.post(f"{URL}{demand_id}/open/")
    assert opened.status_code == 200
    assert opened.json()["status"] == "open"
    assert api_client.post(f"{URL}{demand_id}/close/").json()["status"] == "closed"


def test_cancel_action(api_client, researcher, institution):
    api_client.force_authenticate(researcher)
    demand = draft_demand(institution=institution)
    response = api_client.post(f"{URL}{demand.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_patch_on_an_open_demand_revises_its_requirements(api_client, researcher, institution, dictionary):
    api_client.force_authenticate(researcher)
    demand = DemandFactory(institution=institution, category=dictionary.leaf)
    RequirementFactory(demand=demand, parameter=dictionary.pressure, value=40)
    response = api_client.patch(
        f"{URL}{demand.pk}/",
        {
            "requirements": [{"parameter": "max_pressure", "operator": ">=", "value": 50}],
            "revision_reason": "Need more",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["revision"] == 1
    assert DemandRevision.objects.get(demand=demand).reason == "Need more"
    revisions = api_client.get(f"{URL}{demand.pk}/revisions/").json()
    assert revisions[0]["snapshot"]["requirements"][0]["value"] == 40


def test_patch_merges_requirements_and_keeps_the_others(api_client, researcher, dictionary):
    # given: a draft with five requirements
    api_client.force_authenticate(researcher)
    demand_id = api_client.post(URL, payload(dictionary), format="json").json()["id"]
    # when: a PATCH changes one and adds none
    response = api_client.patch(
        f"{URL}{demand_id}/",
        {"requirements": [{"parameter": "max_pressure", "operator": ">=", "value": 120, "unit": "MPa"}]},
        format="json",
    )
    # then: that one changes in its place, the four others stay as they were
    assert response.status_code == 200, response.json()
    rows = response.json()["requirements"]
    assert [r["parameter"] for r in rows] == ["max_pressure", "flow_range", "detector", "autosampler", "wavelength_max"]
    assert rows[0]["value"] == pytest.approx(120.0)
    assert (rows[1]["value_min"], rows[1]["value_max"], rows[1]["unit"]) == (0.01, 5.0, "mL/min")
    assert rows[2]["choices"] == ["UV", "DAD"] and rows[2]["weight"] == 2


def test_put_replaces_requirements_and_requires_them(api_client, researcher, dictionary):
    api_client.force_authenticate(researcher)
    demand_id = api_client.post(URL, payload(dictionary), format="json").json()["id"]
    whole = payload(dictionary, requirements=[{"parameter": "detector", "operator": "=", "value": "FLD"}])
    response = api_client.put(f"{URL}{demand_id}/", whole, format="json")
    assert response.status_code == 200, response.json()
    assert [r["parameter"] for r in response.json()["requirements"]] == ["detector"]
    # a PUT without the list would remove every requirement unasked: it is refused instead
    without = payload(dictionary)
    del without["requirements"]
    refused = api_client.put(f"{URL}{demand_id}/", without, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["requirements"]


def test_revise_action(api_client, researcher, institution, dictionary):
    api_client.force_authenticate(researcher)
    demand = DemandFactory(institution=institution, category=dictionary.leaf)
    response = api_client.post(
        f"{URL}{demand.pk}/revise/",
        {"requirements": [{"parameter": "detector", "operator": "=", "value": "FLD"}], "reason": "Fluorescence"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["requirements"][0]["choices"] == ["FLD"]


@pytest.mark.parametrize(
    ("role", "draft_status", "open_status", "contact"),
    [
        ("anonymous", 404, 200, False),
        ("other_member", 404, 200, False),
        ("own_member", 200, 200, True),
        ("verified_maker", 404, 200, True),
        ("unverified_maker", 404, 200, False),
        ("staff", 200, 200, True),
    ],
)
def test_api_visibility_by_role(api_client, institution, staff_user, role, draft_status, open_status, contact):
    users = {
        "anonymous": None,
        "other_member": member_of(InstitutionFactory()),
        "own_member": member_of(institution),
        "verified_maker": member_of(ManufacturerFactory()),
        "unverified_maker": member_of(ManufacturerFactory(is_verified=False)),
        "staff": staff_user,
    }
    if users[role]:
        api_client.force_authenticate(users[role])
    open_demand = DemandFactory(institution=institution)
    draft = draft_demand(institution=institution)

    assert api_client.get(f"{URL}{draft.pk}/").status_code == draft_status
    response = api_client.get(f"{URL}{open_demand.pk}/")
    assert response.status_code == open_status
    assert (response.json()["contact_phone"] == "010-12345678") is contact
    listed = {row["id"] for row in api_client.get(URL).json()["results"]}
    assert open_demand.pk in listed
    assert (draft.pk in listed) is (draft_status == 200)


@pytest.mark.parametrize("role", ["other_member", "verified_maker", "staff"])
def test_only_members_change_a_demand(api_client, institution, staff_user, role):
    users = {
        "other_member": member_of(InstitutionFactory()),
        "verified_maker": member_of(ManufacturerFactory()),
        "staff": staff_user,
    }
    api_client.force_authenticate(users[role])
    demand = DemandFactory(institution=institution)
    assert api_client.patch(f"{URL}{demand.pk}/", {"title": "hijacked"}, format="json").status_code == 403
    assert api_client.post(f"{URL}{demand.pk}/close/").status_code == 403
    demand.refresh_from_db()
    assert demand.status == Demand.Status.OPEN


def test_list_filters(api_client, dictionary):
    from tests.factories import province

    cheap = DemandFactory(category=dictionary.leaf, budget=Decimal("100000"), deadline=in_days(10))
    DemandFactory(category=dictionary.leaf, budget=Decimal("900000"), deadline=in_days(10))
    DemandFactory(category=dictionary.root, budget=Decimal("100000"), delivery_province=province("310000"))

    def ids(**params):
        return {row["id"] for row in api_client.get(URL, params).json()["results"]}

    assert ids(category=dictionary.leaf.pk, budget_max=200000) == {cheap.pk}
    assert len(ids(category=dictionary.root.pk)) == 3
    assert len(ids(province="310000")) == 1
    assert len(ids(deadline_before=in_days(20).isoformat())) == 2
    assert api_client.get(URL, {"budget_min": "abc"}).status_code == 400


def test_demand_list_queries_are_bounded(
    api_client, researcher, institution, django_assert_max_num_queries, dictionary
):
    for _ in range(12):
        demand = DemandFactory(institution=institution, category=dictionary.leaf)
        RequirementFactory(demand=demand, parameter=dictionary.pressure)
        RequirementFactory(demand=demand, parameter=dictionary.wavelength, value=500)
    api_client.force_authenticate(researcher)
    with django_assert_max_num_queries(8):
        response = api_client.get(URL)
    assert response.json()["count"] == 12
    assert len(response.json()["results"][0]["requirements"]) == 2


def test_shared_candidates_read(api_client, institution, researcher):
    demand = draft_demand(institution=institution)
    own = SharedInstrumentFactory(institution=institution, category=demand.category)
    api_client.force_authenticate(researcher)
    response = api_client.get(f"{URL}{demand.pk}/shared-candidates/")
    assert [row["id"] for row in response.json()] == [own.pk]


# --- shared instruments ------------------------------------------------------------------------------------------


def test_shared_instrument_crud_through_the_api(api_client, researcher, institution, dictionary):
    api_client.force_authenticate(researcher)
    created = api_client.post(
        "/api/v1/shared-instruments/",
        {"category": dictionary.leaf.pk, "name": "高效液相色谱仪", "province": "110000", "model_name": "LC-40"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert api_client.patch(f"/api/v1/shared-instruments/{pk}/", {"location": "B101"}).json()["location"] == "B101"
    outsider = member_of(InstitutionFactory())
    api_client.force_authenticate(outsider)
    assert api_client.patch(f"/api/v1/shared-instruments/{pk}/", {"location": "x"}).status_code == 403
    assert api_client.delete(f"/api/v1/shared-instruments/{pk}/").status_code == 403
    api_client.force_authenticate(researcher)
    assert api_client.delete(f"/api/v1/shared-instruments/{pk}/").status_code == 204


def test_shared_instrument_bad_input_is_a_field_error(api_client, researcher, dictionary):
    api_client.force_authenticate(researcher)
    response = api_client.post(
        "/api/v1/shared-instruments/",
        {"category": dictionary.leaf.pk, "name": "x", "province": "110000", "booking_url": "nope"},
        format="json",
    )
    assert response.status_code == 400
    assert "booking_url" in response.json()["fields"]


def test_shared_instrument_csv_import_through_the_api(api_client, researcher, dictionary):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api_client.force_authenticate(researcher)
    bad = SimpleUploadedFile(
        "s.csv", f"name,category,province\nA,{dictionary.leaf.code},110000\nB,NOPE,110000\n".encode()
    )
    response = api_client.post("/api/v1/shared-instruments/import/", {"file": bad}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"row": 3, "column": "category", "reason": "Unknown category “NOPE”."}]
    assert response.json()["written"] is False
    good = SimpleUploadedFile("s.csv", f"name,category,province\nA,{dictionary.leaf.code},110000\n".encode())
    response = api_client.post("/api/v1/shared-instruments/import/", {"file": good}, format="multipart")
    assert response.status_code == 201
    assert SharedInstrument.objects.count() == 1


def test_shared_instrument_list_is_bounded(api_client, django_assert_max_num_queries):
    SharedInstrumentFactory.create_batch(10)
    with django_assert_max_num_queries(4):
        response = api_client.get("/api/v1/shared-instruments/")
    assert response.json()["count"] == 10


# --- quotes ------------------------------------------------------------------------------------------------------


def test_quote_and_award_flow(api_client, institution, researcher, manufacturer, maker):
    demand = DemandFactory(institution=institution, posted_by=researcher, funding=Demand.Funding.FISCAL)
    product = ProductFactory(manufacturer=manufacturer, category=demand.category)
    api_client.force_authenticate(maker)
    response = api_client.post(
        "/api/v1/quotes/", {"demand": demand.pk, "product": product.pk, "unit_price": "420000", "lead_time_days": 45}
    )
    assert response.status_code == 201, response.json()
    quote_id = response.json()["id"]
    notification = Notification.objects.get(user=researcher)
    assert notification.kind == "quote_received"

    # the quoting maker cannot award; an outsider does not even see the quote
    assert api_client.post(f"/api/v1/quotes/{quote_id}/award/").status_code == 403
    api_client.force_authenticate(member_of(ManufacturerFactory()))
    assert api_client.get(f"/api/v1/quotes/{quote_id}/").status_code == 404
    assert api_client.get("/api/v1/quotes/").json()["count"] == 0

    api_client.force_authenticate(researcher)
    assert api_client.get("/api/v1/quotes/", {"demand": demand.pk}).json()["count"] == 1
    response = api_client.post(f"/api/v1/quotes/{quote_id}/award/", {"note": "best offer"})
    assert response.status_code == 200
    assert Award.objects.get(demand=demand).product == product
    assert Quote.objects.get(pk=quote_id).status == Quote.Status.ACCEPTED
    demand.refresh_from_db()
    assert demand.status == Demand.Status.AWARDED


def test_unverified_makers_and_foreign_categories_cannot_quote(api_client, maker, manufacturer):
    demand = DemandFactory()
    elsewhere = ProductFactory(manufacturer=manufacturer)
    api_client.force_authenticate(maker)
    response = api_client.post("/api/v1/quotes/", {"demand": demand.pk, "product": elsewhere.pk, "unit_price": "1"})
    assert response.status_code == 400
    assert "product" in response.json()["fields"]

    unverified = ManufacturerFactory(is_verified=False)
    product = ProductFactory(manufacturer=unverified, category=demand.category)
    api_client.force_authenticate(member_of(unverified))
    response = api_client.post("/api/v1/quotes/", {"demand": demand.pk, "product": product.pk, "unit_price": "1"})
    assert response.status_code == 400
    other_maker = member_of(ManufacturerFactory())
    api_client.force_authenticate(other_maker)
    response = api_client.post("/api/v1/quotes/", {"demand": demand.pk, "product": product.pk, "unit_price": "1"})
    assert response.status_code == 403
    assert not Quote.objects.exists()


def test_fiscal_demand_awards_an_imported_product_only_with_an_approved_justification(
    api_client, institution, researcher, staff_user
):
    from config.exceptions import ApplicationError
    from procurement import services
    from procurement.models import ImportJustification
    from tests.factories import ImportedProductFactory

    demand = DemandFactory(institution=institution, funding=Demand.Funding.FISCAL, accepts_imported=False)
    imported = ImportedProductFactory(category=demand.category)
    domestic = ProductFactory(category=demand.category)
    with pytest.raises(ApplicationError):
        services.demand_award(demand=demand, user=researcher, product=imported)
    demand.accepts_imported = True
    demand.import_reason = "No domestic product reaches 1 ppb"
    demand.save()
    with pytest.raises(ApplicationError) as excinfo:
        services.demand_award(demand=demand, user=researcher, product=imported)
    assert "justification" in excinfo.value.message

    api_client.force_authenticate(researcher)
    url = f"{URL}{demand.pk}/import-justification/"
    assert api_client.get(url).status_code == 404
    too_short = api_client.post(url, {"imported_product": imported.pk, "reason": "better"}, format="json")
    assert too_short.status_code == 400
    assert "reason" in too_short.json()["fields"]
    wrong_product = api_client.post(
        url,
        {"imported_product": domestic.pk, "reason": "Detection limit of 1 ppb is met by no domestic product."},
        format="json",
    )
    assert "imported_product" in wrong_product.json()["fields"]
    filed = api_client.post(
        url,
        {
            "imported_product": imported.pk,
            "reason": "Detection limit of 1 ppb is met by no domestic product.",
            "domestic_products_considered": [domestic.pk],
        },
        format="json",
    )
    assert filed.status_code == 200, filed.json()
    assert filed.json()["status"] == "submitted"
    assert filed.json()["domestic_products_considered"] == [domestic.pk]

    # only administrators review; the buyer and outsiders cannot
    justification_id = filed.json()["id"]
    assert api_client.post(f"/api/v1/import-justifications/{justification_id}/approve/").status_code == 403
    api_client.force_authenticate(member_of(InstitutionFactory()))
    assert api_client.get(url).status_code == 404
    api_client.force_authenticate(staff_user)
    assert api_client.get("/api/v1/import-justifications/", {"status": "submitted"}).json()["count"] == 1
    # an administrator cannot approve alone: the expert panel's majority does
    refused = api_client.post(f"/api/v1/import-justifications/{justification_id}/approve/")
    assert refused.status_code == 400 and "status" in refused.json()["fields"]
    experts = [UserFactory() for _ in range(5)]
    panel = api_client.post(
        f"/api/v1/import-justifications/{justification_id}/panel/",
        {"legal_experts": [experts[0].email], "product_experts": [e.email for e in experts[1:]]},
        format="json",
    )
    assert panel.status_code == 200, panel.json()
    for expert in experts[:3]:
        api_client.force_authenticate(expert)
        signed = api_client.post(
            f"/api/v1/import-justifications/{justification_id}/opinion/",
            {"decision": "approve", "opinion": "No domestic product reaches the detection limit."},
            format="json",
        )
        assert signed.status_code == 200, signed.json()
    assert Notification.objects.filter(user=researcher, kind="import_approved").exists()

    award = services.demand_award(demand=demand, user=researcher, product=imported)
    assert award.is_imported
    assert ImportJustification.objects.get(demand=demand).status == ImportJustification.Status.APPROVED


def test_schema_describes_the_demand_endpoints(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/demands/",
        "/api/v1/demands/{id}/open/",
        "/api/v1/demands/{id}/check/",
        "/api/v1/demands/{id}/shared-candidates/",
        "/api/v1/shared-instruments/import/",
        "/api/v1/quotes/{id}/award/",
    ):
        assert path in paths
    list_parameters = {p["name"] for p in paths["/api/v1/demands/"]["get"]["parameters"]}
    assert {"category", "province", "budget_min", "budget_max", "deadline_after", "deadline_before"} <= list_parameters


@pytest.mark.parametrize(
    "overrides",
    [
        {"requirements": "not a list"},
        {"requirements": [{"parameter": "max_pressure", "operator": ">=", "value": {"nested": 1}}]},
        {"requirements": [{"parameter": "max_pressure", "operator": ">=", "value": "1e400"}]},
        {"requirements": [{"parameter": "detector", "operator": "in", "choices": "UV"}]},
        {"requirements": [{"parameter": "autosampler", "operator": "=", "value": None}]},
        {"requirements": [{"operator": ">="}]},
        {"category": 999999},
        {"deadline": "next week"},
        {"budget": "1" * 20},
        {"budget": "NaN"},
        {"quantity": "many"},
        {"institution": 999999},
    ],
)
def test_malformed_input_is_a_400_never_a_500(api_client, researcher, dictionary, overrides):
    api_client.force_authenticate(researcher)
    response = api_client.post(URL, payload(dictionary, **overrides), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["fields"]
    assert not Demand.objects.exists()


def test_malformed_filters_and_actions_are_400(api_client, researcher, institution):
    api_client.force_authenticate(researcher)
    demand = draft_demand(institution=institution)
    assert api_client.get(URL, {"deadline_after": "soon"}).status_code == 400
    assert api_client.get(URL, {"status": "bogus"}).status_code == 400
    assert api_client.get("/api/v1/shared-instruments/", {"category": "x"}).status_code == 400
    # "²" passes str.isdigit() but int() cannot read it; a NUL cannot reach PostgreSQL
    assert api_client.get("/api/v1/shared-instruments/", {"category": "\u00b2"}).status_code == 400
    assert api_client.get("/api/v1/shared-instruments/", {"institution": "\u00b2"}).status_code == 400
    response = api_client.get("/api/v1/shared-instruments/", {"q": "a\x00b"})
    assert response.status_code == 400 and "q" in response.json()["fields"]
    response = api_client.get("/api/v1/quotes/", {"demand": "\u00b2"})
    assert response.status_code == 400 and "demand" in response.json()["fields"]
    assert api_client.post(f"{URL}{demand.pk}/check/", {"answer": "maybe"}).status_code == 400
    assert api_client.post(f"{URL}{demand.pk}/revise/", {"requirements": []}).status_code == 400


def test_an_institution_finds_its_own_draft_demands_by_keyword(api_client, institution, researcher):
    from tests.search.factories import index_now

    # given: an open demand and a draft of the same institution, both about a "cryostat"
    opened = DemandFactory(institution=institution, title="Cryostat for low-temperature work")
    draft = DemandFactory(institution=institution, title="Second cryostat", status=Demand.Status.DRAFT)
    index_now("demands", opened, draft)

    def found(who):
        api_client.force_authenticate(who)
        return {row["id"] for row in api_client.get(URL, {"q": "cryostat"}).json()["results"]}

    # when / then: its members find both, outsiders the open one only
    assert found(researcher) == {opened.pk, draft.pk}
    assert found(None) == {opened.pk}
    assert found(member_of(InstitutionFactory())) == {opened.pk}


def test_a_demand_keyword_list_pages_through_the_search_with_the_pages_total(api_client, client, institution):
    from search.services import search_index_objects

    demands = [DemandFactory(institution=institution, title=f"Cryogenic probe {n}") for n in range(7)]
    search_index_objects(kind="demands", ids=[d.pk for d in demands])
    page_total = client.get("/demands/", {"q": "cryogenic"}).context["result"].total

    def page(number):
        return api_client.get(URL, {"q": "cryogenic", "page_size": 3, "page": number}).json()

    pages = [page(n) for n in (1, 2, 3)]
    assert page_total == 7 and {p["count"] for p in pages} == {7}
    listed = [row["id"] for p in pages for row in p["results"]]
    assert sorted(listed) == sorted(d.pk for d in demands) and len(listed) == 7
    assert pages[2]["next"] is None


def test_a_demand_keyword_list_keeps_the_search_order(api_client, django_assert_max_num_queries):
    from search.selectors import SearchQuery, search
    from search.services import search_index_objects

    in_text = DemandFactory(title="Microscope", description="with a cryostat stage")
    in_title = DemandFactory(title="Cryostat for the lab")
    search_index_objects(kind="demands", ids=[in_text.pk, in_title.pk])
    expected = search(SearchQuery(kind="demands", text="cryostat")).ids
    with django_assert_max_num_queries(10):
        body = api_client.get(URL, {"q": "cryostat"}).json()
    assert [row["id"] for row in body["results"]] == expected == [in_title.pk, in_text.pk]
