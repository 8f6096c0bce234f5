"""Demands as OCDS contracting processes: every package the API gives validates against the OCDS 1.1.5 schemas."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import Province
from ocds.releases import TAG_ORDER, ocid_for
from ocds.schemas import SCHEMA_DIR, codelist, validation_errors
from procurement import services as procurement_services
from procurement.models import Demand
from procurement.requirement_rules import RequirementInput
from tests.factories import InstitutionFactory, ManufacturerFactory, ProductFactory, member_of
from tests.procurement.factories import in_days, make_dictionary

RELEASES = "/api/v1/ocds/releases/"


def _demand(words, buyer, institution, title, **fields):
    demand = procurement_services.demand_create(
        user=buyer,
        institution=institution,
        title=title,
        category=words.leaf,
        deadline=in_days(30),
        delivery_province=Province.objects.get(code="110000"),
        budget=Decimal("800000"),
        description="用于色谱分析。",
        is_sealed=False,
        requirements=[
            RequirementInput(parameter_key="wavelength_max", operator=">=", value=600, unit="nm"),
            RequirementInput(parameter_key="detector", operator="in", choices=["DAD", "FLD"]),
            RequirementInput(parameter_key="flow_range", operator="covers", value_min=0.1, value_max=5, unit="mL/min"),
        ],
        **fields,
    )
    return demand


@pytest.fixture
def world(db):
    words = make_dictionary()
    words.leaf.cpv_code = "38432200"
    words.leaf.save()
    institution = InstitutionFactory()
    buyer = member_of(institution)
    maker_org = ManufacturerFactory()
    maker = member_of(maker_org)
    product = ProductFactory(manufacturer=maker_org, category=words.leaf)
    awarded = _demand(words, buyer, institution, "液相色谱仪")
    Demand.objects.filter(pk=awarded.pk).update(status=Demand.Status.OPEN, opened_at=timezone.now())
    awarded.refresh_from_db()
    quote = procurement_services.quote_submit(user=maker, demand=awarded, product=product, unit_price=Decimal("600000"))
    procurement_services.demand_award(demand=awarded, user=buyer, quote=quote)
    opened = _demand(words, buyer, institution, "荧光检测器")
    Demand.objects.filter(pk=opened.pk).update(status=Demand.Status.OPEN, opened_at=timezone.now())
    draft = _demand(words, buyer, institution, "草稿需求")
    return SimpleNamespace(
        words=words,
        awarded=awarded,
        opened=opened,
        draft=draft,
        product=product,
        maker_org=maker_org,
        buyer=buyer,
        maker=maker,
        institution=institution,
    )


def _assert_valid(package, kind):
    errors = validation_errors(package, kind=kind)
    assert errors == [], errors


def test_the_schemas_are_vendored_unmodified_with_their_licence():
    shared = SCHEMA_DIR.parents[3] / ".." / "shared" / "ocds" / "1.1.5"
    assert (SCHEMA_DIR.parent / "LICENSE").read_text().startswith("\n") or "Apache" in (
        SCHEMA_DIR.parent / "LICENSE"
    ).read_text()
    if shared.exists():
        for path in shared.rglob("*"):
            if path.is_file():
                assert (SCHEMA_DIR / path.relative_to(shared)).read_bytes() == path.read_bytes(), path


def test_every_release_kind_validates_and_drafts_are_not_published(api_client, world):
    response = api_client.get(RELEASES)
    assert response.status_code == 200
    package = response.json()
    _assert_valid(package, "release-package")
    by_ocid: dict[str, list[str]] = {}
    for release in package["releases"]:
        by_ocid.setdefault(release["ocid"], []).extend(release["tag"])
    assert by_ocid == {
        ocid_for(world.awarded.pk): ["planning", "tender", "award"],
        ocid_for(world.opened.pk): ["planning", "tender"],
    }
    assert ocid_for(world.draft.pk) not in by_ocid
    assert response["X-Total-Count"] == "5"
    tags = codelist("releaseTag")
    roles = codelist("partyRole")
    statuses = codelist("tenderStatus")
    for release in package["releases"]:
        assert set(release["tag"]) <= tags
        assert all(set(party["roles"]) <= roles for party in release["parties"])
        if "tender" in release:
            assert release["tender"]["status"] in statuses


# Each way a process may stand, the tags of its releases in order and the tender status its record ends with.
PROCESS_STATES = {
    "open": (["planning", "tender"], "active"),
    "awarded": (["planning", "tender", "award"], "complete"),
    "contracted": (["planning", "tender", "award", "contract"], "complete"),
    "closed": (["planning", "tender", "tenderUpdate"], "unsuccessful"),
    "expired": (["planning", "tender", "tenderUpdate"], "unsuccessful"),
    "cancelled": (["planning", "tender", "tenderCancellation"], "cancelled"),
}


def _process_in(world, state: str) -> Demand:
    demand = _demand(world.words, world.buyer, world.institution, f"状态{state}")
    Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.OPEN, opened_at=timezone.now())
    demand.refresh_from_db()
    if state in ("awarded", "contracted"):
        quote = procurement_services.quote_submit(
            user=world.maker, demand=demand, product=world.product, unit_price=Decimal("500000")
        )
        award = procurement_services.demand_award(demand=demand, user=world.buyer, quote=quote)
        if state == "contracted":
            procurement_services.award_confirm_contract(award=award, user=world.buyer)
    elif state == "closed":
        procurement_services.demand_close(demand=demand, user=world.buyer)
    elif state == "expired":
        Demand.objects.filter(pk=demand.pk).update(deadline=in_days(-1))
        assert procurement_services.demand_expire_overdue().expired_ids == [demand.pk]
    elif state == "cancelled":
        procurement_services.demand_cancel(demand=demand, user=world.buyer)
    demand.refresh_from_db()
    return demand


def test_the_states_below_cover_every_release_kind_the_platform_emits():
    assert {tag for tags, _status in PROCESS_STATES.values() for tag in tags} == set(TAG_ORDER)


@pytest.mark.parametrize("state", sorted(PROCESS_STATES))
def test_every_release_kind_validates_in_its_release_and_record_packages(api_client, world, state):
    # given a process in that state
    tags, final_status = PROCESS_STATES[state]
    demand = _process_in(world, state)
    ocid = ocid_for(demand.pk)
    # then the release package holds its releases in order, each valid and on the codelists
    package = api_client.get(RELEASES, {"page_size": 100}).json()
    _assert_valid(package, "release-package")
    releases = [r for r in package["releases"] if r["ocid"] == ocid]
    assert [r["tag"] for r in releases] == [[tag] for tag in tags]
    assert len({r["id"] for r in releases}) == len(releases)
    for release in releases:
        assert set(release["tag"]) <= codelist("releaseTag")
        assert all(set(party["roles"]) <= codelist("partyRole") for party in release["parties"])
        if "tender" in release:
            assert release["tender"]["status"] in codelist("tenderStatus")
    # the tender release says what was true when it opened; a later release says how it ended
    assert releases[1]["tender"]["status"] == "active"
    # and the record compiles them into the tender's final status, its items kept
    record_package = api_client.get(f"/api/v1/ocds/records/{ocid}/").json()
    _assert_valid(record_package, "record-package")
    record = record_package["records"][0]
    assert [r["tag"] for r in record["releases"]] == [[tag] for tag in tags]
    compiled = record["compiledRelease"]
    assert compiled["tender"]["status"] == final_status and len(compiled["tender"]["items"]) == 3


def test_a_demand_withdrawn_as_a_draft_is_never_published(api_client, world):
    procurement_services.demand_cancel(demand=world.draft, user=world.buyer)
    ocids = {r["ocid"] for r in api_client.get(RELEASES, {"page_size": 100}).json()["releases"]}
    assert ocid_for(world.draft.pk) not in ocids
    assert api_client.get(f"/api/v1/ocds/records/{ocid_for(world.draft.pk)}/").status_code == 404


def test_requirements_are_items_with_cpv_and_the_platform_class(api_client, world):
    releases = api_client.get(RELEASES).json()["releases"]
    tender = next(r for r in releases if r["ocid"] == ocid_for(world.opened.pk) and r["tag"] == ["tender"])["tender"]
    assert len(tender["items"]) == 3
    item = tender["items"][0]
    assert item["classification"] == {"scheme": "CPV", "id": "38432200"}
    assert item["additionalClassifications"][0]["id"] == world.words.leaf.code
    assert "wavelength_max" in item["description"] and "600" in item["description"]
    assert tender["value"] == {"amount": 800000.0, "currency": "CNY"}
    assert tender["status"] == "active"


def test_the_award_names_the_supplier_with_its_role_and_value(api_client, world):
    releases = api_client.get(RELEASES).json()["releases"]
    award_release = next(r for r in releases if r["tag"] == ["award"])
    award = award_release["awards"][0]
    assert award["value"] == {"amount": 600000.0, "currency": "CNY"}
    supplier = next(p for p in award_release["parties"] if "supplier" in p["roles"])
    assert award["suppliers"] == [{"id": supplier["id"], "name": world.maker_org.name_zh}]
    assert supplier["identifier"] == {
        "scheme": "CN-USCC",
        "id": world.maker_org.credit_code,
        "legalName": world.maker_org.name_zh,
    }
    buyer = next(p for p in award_release["parties"] if "buyer" in p["roles"])
    assert award_release["buyer"]["id"] == buyer["id"] and "procuringEntity" in buyer["roles"]


def test_a_record_compiles_its_releases_with_ocdsmerge(api_client, world):
    ocid = ocid_for(world.awarded.pk)
    response = api_client.get(f"/api/v1/ocds/records/{ocid}/")
    assert response.status_code == 200
    package = response.json()
    _assert_valid(package, "record-package")
    record = package["records"][0]
    assert [r["tag"] for r in record["releases"]] == [["planning"], ["tender"], ["award"]]
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["status"] == "complete" and len(compiled["tender"]["items"]) == 3
    assert compiled["planning"]["budget"]["amount"]["amount"] == 800000.0
    assert {party["id"] for party in compiled["parties"]} == {p["id"] for r in record["releases"] for p in r["parties"]}
    assert api_client.get(f"/api/v1/ocds/records/{ocid_for(world.draft.pk)}/").status_code == 404
    assert api_client.get("/api/v1/ocds/records/ocds-other-1/").status_code == 404


def test_releases_page_and_filter_by_date(api_client, world):
    first = api_client.get(RELEASES, {"page_size": 2}).json()
    _assert_valid(first, "release-package")
    assert len(first["releases"]) == 2 and "next" in first["links"] and "prev" not in first["links"]
    second = api_client.get(first["links"]["next"]).json()
    _assert_valid(second, "release-package")
    assert {r["id"] for r in first["releases"]}.isdisjoint({r["id"] for r in second["releases"]})
    today = timezone.localdate()
    assert len(api_client.get(RELEASES, {"date_from": today.isoformat()}).json()["releases"]) == 5
    assert (
        api_client.get(RELEASES, {"date_from": (today + datetime.timedelta(days=1)).isoformat()}).json()["releases"]
        == []
    )
    assert len(api_client.get(RELEASES, {"date_to": today.isoformat()}).json()["releases"]) == 5
    for bad, field in (
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2026-12-02", "date_to": "2026-12-01"}, "date_to"),
        ({"page_size": "9999"}, "page_size"),
    ):
        response = api_client.get(RELEASES, bad)
        assert response.status_code == 400 and field in response.json()["fields"], bad
    assert api_client.get(RELEASES, {"page": 99}).status_code == 404


def test_a_bulk_release_package_per_month(api_client, world):
    months = api_client.get("/api/v1/ocds/releases/bulk/").json()["results"]
    month = timezone.localdate().strftime("%Y-%m")
    assert [(m["month"], m["releases"]) for m in months] == [(month, 5)]
    response = api_client.get(months[0]["url"])
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="releases-{month}.json"'
    _assert_valid(response.json(), "release-package")
    assert api_client.get("/api/v1/ocds/releases/bulk/2001-01/").status_code == 404
    assert "month" in api_client.get("/api/v1/ocds/releases/bulk/january/").json()["fields"]


def test_the_ocid_prefix_is_a_setting(api_client, world, settings):
    settings.OCDS_OCID_PREFIX = "ocds-abc123"
    package = api_client.get(f"/api/v1/ocds/records/ocds-abc123-{world.opened.pk}/").json()
    assert package["records"][0]["ocid"] == f"ocds-abc123-{world.opened.pk}"


def test_many_processes_are_published_in_a_fixed_number_of_queries(api_client, world, django_assert_max_num_queries):
    for n in range(15):
        demand = _demand(world.words, world.awarded.posted_by, world.awarded.institution, f"需求{n}")
        Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.OPEN, opened_at=timezone.now())
    with django_assert_max_num_queries(10):
        package = api_client.get(RELEASES, {"page_size": 500}).json()
    assert len(package["releases"]) == 5 + 30
    _assert_valid(package, "release-package")


def test_the_buyers_contract_confirmation_is_a_contract_release(api_client, world):
    award = world.awarded.award
    procurement_services.award_confirm_contract(award=award, user=world.awarded.posted_by)
    package = api_client.get(f"/api/v1/ocds/records/{ocid_for(world.awarded.pk)}/").json()
    _assert_valid(package, "record-package")
    record = package["records"][0]
    assert [r["tag"] for r in record["releases"]] == [["planning"], ["tender"], ["award"], ["contract"]]
    contract = record["compiledRelease"]["contracts"][0]
    assert contract["awardID"] == record["compiledRelease"]["awards"][0]["id"]
    assert contract["status"] == "active" and contract["dateSigned"]
    assert contract["value"] == record["compiledRelease"]["awards"][0]["value"]
    releases = api_client.get(RELEASES).json()
    _assert_valid(releases, "release-package")
    assert ["contract"] in [r["tag"] for r in releases["releases"]]
