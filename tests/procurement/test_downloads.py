"""Open demands and award notices as open-data downloads: filters as the lists, columns as the README, public
rows only (no draft, no contact, nothing sealed)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from procurement import services
from procurement.models import Demand
from search.services import search_index_objects
from tests.factories import CategoryFactory, DemandFactory, ProductFactory, RequirementFactory, member_of, province
from tests.readme import documented_columns

pytestmark = pytest.mark.django_db

DEMAND_COLUMNS = "Open demands (`open_demands`)"
AWARD_COLUMNS = "Award notices (`award_notices`)"


def read_text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(read_text(response))))


def xlsx_rows(response, sheet: str) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content))[sheet].iter_rows(values_only=True))


# --- open demands ---------------------------------------------------------------------------------------------


def test_open_demand_files_have_the_documented_columns(api_client):
    DemandFactory()
    text = read_text(api_client.get("/api/v1/demands/download/csv/"))
    assert next(csv.reader(io.StringIO(text))) == documented_columns(DEMAND_COLUMNS)
    rows = xlsx_rows(api_client.get("/api/v1/demands/download/xlsx/"), "open_demands")
    assert list(rows[0]) == documented_columns(DEMAND_COLUMNS) and len(rows) == 2


def test_open_demand_download_holds_open_demands_only_even_for_their_institution(api_client):
    open_demand = DemandFactory()
    for status in (Demand.Status.DRAFT, Demand.Status.CANCELLED, Demand.Status.CLOSED, Demand.Status.AWARDED):
        DemandFactory(institution=open_demand.institution, status=status)
    api_client.force_authenticate(member_of(open_demand.institution))
    assert [int(r["id"]) for r in read_csv(api_client.get("/api/v1/demands/download/csv/"))] == [open_demand.pk]
    assert read_csv(api_client.get("/api/v1/demands/download/csv/", {"status": "draft"})) == []


def test_open_demand_download_has_no_contact_and_nothing_of_its_sealed_quotes(api_client):
    demand = DemandFactory(is_sealed=True, contact_email="buyer@example.org", contact_phone="010-12345678")
    product = ProductFactory(category=demand.category)
    services.quote_submit(
        user=member_of(product.manufacturer), demand=demand, product=product, unit_price=Decimal("471234")
    )
    text = read_text(api_client.get("/api/v1/demands/download/csv/"))
    assert str(demand.pk) in text
    for secret in ["471234", "buyer@example.org", "010-12345678", "Zhang San", str(product.model_number)]:
        assert secret not in text


def test_open_demand_download_applies_the_list_filters(api_client):
    root = CategoryFactory()
    leaf = CategoryFactory(parent=root)
    soon = timezone.localdate() + datetime.timedelta(days=10)
    wanted = DemandFactory(category=leaf, budget=Decimal("800000"), deadline=soon)
    DemandFactory(category=leaf, budget=Decimal("100000"), deadline=soon)
    DemandFactory(category=CategoryFactory(), budget=Decimal("900000"))
    shanghai = DemandFactory(delivery_province=province("310000"))

    def ids(**params):
        return sorted(int(r["id"]) for r in read_csv(api_client.get("/api/v1/demands/download/csv/", params)))

    assert ids(category=root.pk, budget_min=500000) == [wanted.pk]
    assert ids(province="310000") == [shanghai.pk]
    assert ids(deadline_before=soon.isoformat(), budget_min=500000) == [wanted.pk]
    assert ids(institution=wanted.institution_id) == [wanted.pk]


def test_open_demand_download_matches_words_as_the_search_index_does(api_client):
    wanted = DemandFactory(title="Liquid chromatograph for proteomics")
    other = DemandFactory(title="Mass spectrometer")
    search_index_objects(kind="demands", ids=[wanted.pk, other.pk])
    assert [int(r["id"]) for r in read_csv(api_client.get("/api/v1/demands/download/csv/", {"q": "proteomics"}))] == [
        wanted.pk
    ]


def test_open_demand_download_writes_requirements_and_values_as_documented(api_client):
    demand = DemandFactory(budget=Decimal("600000"))
    RequirementFactory(demand=demand, operator=">=", value=35, entered_value="35", unit="MPa")
    RequirementFactory(demand=demand, operator="<=", value=2, entered_value="2", unit="MPa", is_mandatory=False)
    (row,) = read_csv(api_client.get("/api/v1/demands/download/csv/"))
    assert row["budget"] == "600000.00" and row["deadline"] == demand.deadline.isoformat()
    assert row["requirements"].endswith(">= 35 MPa") and "; " not in row["requirements"]
    assert row["preferred_requirements"].endswith("<= 2 MPa")
    assert row["funding"] == "fiscal" and row["is_sealed"] == "false"
    assert row["url"] == f"http://testserver/api/v1/demands/{demand.pk}/"


def test_open_demand_download_reads_a_constant_number_of_queries(api_client, django_assert_max_num_queries):
    for _ in range(2):
        RequirementFactory(demand=DemandFactory())
    with django_assert_max_num_queries(5) as few:
        read_csv(api_client.get("/api/v1/demands/download/csv/"))
    for _ in range(15):
        RequirementFactory(demand=DemandFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(read_csv(api_client.get("/api/v1/demands/download/csv/"))) == 17


def test_demand_list_api_and_page_link_their_downloads(api_client, client):
    category = CategoryFactory()
    DemandFactory(category=category)
    DemandFactory()
    body = api_client.get("/api/v1/demands/", {"category": category.pk, "page_size": 5}).json()
    assert body["csv_url"] == f"http://testserver/api/v1/demands/download/csv/?category={category.pk}"
    assert body["xlsx_url"].startswith("http://testserver/api/v1/demands/download/xlsx/?")
    assert len(read_csv(api_client.get(body["csv_url"]))) == 1
    page = client.get("/demands/", {"category": category.pk, "budget_min": "1"}).content.decode()
    link = f"/api/v1/demands/download/csv/?category={category.pk}&amp;budget_min=1"
    assert link in page
    assert len(read_csv(client.get(link.replace("&amp;", "&")))) == 1


def test_open_demand_download_refuses_a_bad_filter_with_400(api_client):
    response = api_client.get("/api/v1/demands/download/csv/", {"budget_min": "lots"})
    assert response.status_code == 400 and "budget_min" in response.json()["fields"]


# --- award notices --------------------------------------------------------------------------------------------


def test_award_notice_files_have_the_documented_columns_and_the_award(api_client, people, setting):
    demand, quotes, _ = setting
    award = services.demand_award(demand=demand, user=people.users["researcher"], quote=quotes["good"])
    (row,) = read_csv(api_client.get("/api/v1/awards/download/csv/"))
    assert list(row) == documented_columns(AWARD_COLUMNS)
    assert int(row["id"]) == award.pk and int(row["demand_id"]) == demand.pk
    assert (row["unit_price"], row["quantity"], row["total"]) == ("500000.00", "1", "500000.00")
    assert row["is_domestic"] == "true" and row["contract_confirmed_at"] == ""
    assert row["awarded_at"].endswith("Z")
    rows = xlsx_rows(api_client.get("/api/v1/awards/download/xlsx/"), "award_notices")
    assert list(rows[0]) == documented_columns(AWARD_COLUMNS) and rows[1][0] == award.pk
    # The losing quotes are in no notice.
    text = read_text(api_client.get("/api/v1/awards/download/csv/"))
    assert quotes["weak"].product.model_number not in text


def test_award_notice_download_applies_the_list_filters(api_client, people, setting):
    demand, quotes, _ = setting
    award = services.demand_award(demand=demand, user=people.users["researcher"], quote=quotes["good"])

    def ids(**params):
        return [int(r["id"]) for r in read_csv(api_client.get("/api/v1/awards/download/csv/", params))]

    assert ids(category=demand.category.code) == [award.pk]
    assert ids(category=CategoryFactory().code) == []
    assert ids(flagged="true") == []
    assert api_client.get("/api/v1/awards/download/csv/", {"flagged": "perhaps"}).status_code == 400
    body = api_client.get("/api/v1/awards/", {"flagged": "false"}).json()
    assert body["csv_url"] == "http://testserver/api/v1/awards/download/csv/?flagged=false"
    assert "/api/v1/awards/download/xlsx/" in api_client.get("/demands/awards/").content.decode()
