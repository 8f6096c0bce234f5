"""Matching API: runs, matches (visibility), reports, stats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from matching import reports, services
from matching.models import MatchReport, MatchRun
from tests.factories import DemandFactory, ImportedProductFactory, InstitutionFactory, ManufacturerFactory, member_of

pytestmark = pytest.mark.django_db


def test_everyone_reads_runs_and_only_staff_start_them(api_client, user, staff_user, scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    listing = api_client.get("/api/v1/match-runs/")
    assert listing.status_code == 200
    assert listing.json()["count"] == 1
    assert api_client.post("/api/v1/match-runs/", {"kind": "full"}).status_code in (401, 403)
    api_client.force_authenticate(user)
    assert api_client.post("/api/v1/match-runs/", {"kind": "full"}).status_code == 403
    api_client.force_authenticate(staff_user)
    response = api_client.post("/api/v1/match-runs/", {"kind": "demand", "demand": scene.demand.pk})
    assert response.status_code == 201
    assert response.json()["status"] == "succeeded"
    assert response.json()["kind"] == "demand"


def test_staff_start_a_full_run_and_a_second_is_refused(
    api_client, staff_user, scene, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(staff_user)
    # a full run left running (its workers busy) blocks the next one
    services.match_run_start_full(dispatch=False)
    refused = api_client.post("/api/v1/match-runs/", {"kind": "full"})
    assert refused.status_code == 400
    assert "already running" in refused.json()["detail"]
    assert refused.json()["fields"] == {"kind": [refused.json()["detail"]]}


def test_full_run_from_the_api_runs_its_chunks(api_client, staff_user, scene, django_capture_on_commit_callbacks):
    api_client.force_authenticate(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/api/v1/match-runs/", {"kind": "full"})
    assert response.status_code == 201
    run = MatchRun.objects.get(pk=response.json()["id"])
    assert run.status == MatchRun.Status.SUCCEEDED
    assert api_client.get(f"/api/v1/match-runs/{run.pk}/").json()["demands_count"] == 1


def test_bad_run_requests_are_400_with_the_field(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    assert api_client.post("/api/v1/match-runs/", {"kind": "everything"}).json()["fields"].keys() == {"kind"}
    assert api_client.post("/api/v1/match-runs/", {"kind": "demand"}).json()["fields"].keys() == {"demand"}
    missing = api_client.post("/api/v1/match-runs/", {"kind": "demand", "demand": 999999})
    assert missing.status_code == 400
    assert missing.json()["fields"].keys() == {"demand"}


def test_matches_are_seen_by_the_institution_and_the_manufacturer_only(api_client, scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    url = f"/api/v1/matches/?demand={scene.demand.pk}"
    # the institution sees every match and near miss, with explanations
    api_client.force_authenticate(scene.institution_member)
    body = api_client.get(url).json()
    assert [(r["product"], r["is_near_miss"]) for r in body["results"]] == [
        (scene.strong.pk, False),
        (scene.middling.pk, False),
        (scene.weak.pk, True),
    ]
    first = body["results"][0]["results"][0]
    assert first["status"] == "pass"
    # one name per idea: a parameter by its key, as in specifications and requirements
    requirement = scene.demand.requirements.get(pk=first["requirement"])
    assert first["parameter"] == requirement.parameter.key
    assert first["canonical_unit"] == requirement.parameter.unit
    assert first["unit"] == (requirement.unit or requirement.parameter.unit)
    assert first["is_mandatory"] is requirement.is_mandatory
    assert {"key", "name", "mandatory"}.isdisjoint(first)
    assert set(body["results"][0]["components"]) == {
        "preferred",
        "price",
        "text",
        "evaluations",
        "province",
        "lead_time",
    }
    # the maker sees its own product's match only
    api_client.force_authenticate(scene.maker_member)
    assert [r["product"] for r in api_client.get(url).json()["results"]] == [scene.strong.pk]
    # another institution and the public see nothing yet
    api_client.force_authenticate(member_of(InstitutionFactory()))
    assert api_client.get(url).json()["count"] == 0
    api_client.force_authenticate(None)
    assert api_client.get(url).json()["count"] == 0


def test_matches_become_public_once_published(api_client, scene, staff_user):
    services.match_run_demand(demand_id=scene.demand.pk)
    today = timezone.localdate()
    report = reports.report_generate(period_start=today - timedelta(days=7), period_end=today)
    reports.report_publish(report_id=report.pk, user=staff_user)
    body = api_client.get(f"/api/v1/matches/?product={scene.strong.pk}").json()
    assert [r["demand"] for r in body["results"]] == [scene.demand.pk]
    assert api_client.get("/api/v1/matches/?is_near_miss=true").json()["count"] == 0


def test_a_report_links_its_page_and_its_csv_and_json_downloads(api_client, scene, staff_user):
    services.match_run_demand(demand_id=scene.demand.pk)
    today = timezone.localdate()
    report = reports.report_generate(period_start=today - timedelta(days=7), period_end=today)
    reports.report_publish(report_id=report.pk, user=staff_user)
    listed = api_client.get("/api/v1/reports/").json()["results"][0]
    detail = api_client.get(f"/api/v1/reports/{report.pk}/").json()
    for body in (listed, detail):
        assert body["html_url"] == f"http://testserver/matching/reports/{report.pk}/"
        assert body["csv_url"] == f"http://testserver/matching/reports/{report.pk}/report.csv"
        assert body["json_url"] == f"http://testserver/matching/reports/{report.pk}/report.json"
    # the links lead where they say
    assert api_client.get(detail["csv_url"])["Content-Type"].startswith("text/csv")
    assert api_client.get(detail["json_url"]).json()["id"] == report.pk
    assert api_client.get(detail["html_url"]).status_code == 200


def test_match_runs_and_reports_are_documented_as_public_to_read(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/match-runs/", "/api/v1/match-runs/{id}/", "/api/v1/reports/", "/api/v1/reports/{id}/"):
        assert {} in schema["paths"][path]["get"]["security"], path
    # writing them is for staff: no anonymous security requirement
    assert {} not in schema["paths"]["/api/v1/reports/"]["post"]["security"]
    assert {} not in schema["paths"]["/api/v1/match-runs/"]["post"]["security"]


def test_match_list_has_bounded_queries(api_client, scene, django_assert_max_num_queries):
    for _ in range(5):
        demand = DemandFactory(category=scene.root, institution=scene.demand.institution)
        services.match_run_demand(demand_id=demand.pk)
    api_client.force_authenticate(scene.institution_member)
    with django_assert_max_num_queries(6):
        response = api_client.get("/api/v1/matches/")
    assert response.json()["count"] >= 3


def test_reports_api_public_drafts_staff_and_publish(api_client, user, staff_user, scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    today = timezone.localdate()
    start = (today - timedelta(days=7)).isoformat()
    # only staff generate
    api_client.force_authenticate(user)
    assert (
        api_client.post("/api/v1/reports/", {"period_start": start, "period_end": today.isoformat()}).status_code == 403
    )
    api_client.force_authenticate(staff_user)
    created = api_client.post("/api/v1/reports/", {"period_start": start, "period_end": today.isoformat()})
    assert created.status_code == 201
    report_id = created.json()["id"]
    assert created.json()["content"]["totals"]["demands"] == 1
    # drafts are invisible to others
    api_client.force_authenticate(user)
    assert api_client.get(f"/api/v1/reports/{report_id}/").status_code == 404
    assert api_client.post(f"/api/v1/reports/{report_id}/publish/").status_code == 403
    api_client.force_authenticate(staff_user)
    assert api_client.post("/api/v1/reports/%C2%B2/publish/").status_code == 404  # "²" is no id
    published = api_client.post(f"/api/v1/reports/{report_id}/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    again = api_client.post(f"/api/v1/reports/{report_id}/publish/")
    assert again.status_code == 400
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/reports/").json()["count"] == 1
    assert api_client.get(f"/api/v1/reports/{report_id}/").json()["content"]["demands"][0]["id"] == scene.demand.pk
    assert MatchReport.objects.get(pk=report_id).is_published


def test_report_api_rejects_bad_periods(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    today = timezone.localdate()
    response = api_client.post(
        "/api/v1/reports/", {"period_start": today.isoformat(), "period_end": (today - timedelta(days=1)).isoformat()}
    )
    assert response.status_code == 400
    assert "period_start" in response.json()["fields"]
    assert api_client.post("/api/v1/reports/", {"period_start": "yesterday"}).status_code == 400


def test_stats(api_client, scene):
    ImportedProductFactory(category=scene.leaf)
    hard = DemandFactory(category=scene.root)
    from tests.factories import RequirementFactory

    RequirementFactory(demand=hard, parameter=scene.pressure, operator=">=", value=900.0)
    services.match_run_full_inline()
    body = api_client.get("/api/v1/stats/").json()
    assert body["demands_open"] == 2
    assert body["demands_matched"] == 1
    assert body["match_coverage"] == 0.5
    assert body["products_domestic"] == 3
    assert body["products_imported"] == 2
    assert body["top_gaps"][0]["parameter"] == "max_pressure"
    assert body["top_gaps"][0]["unmet_demands"] == 1


def test_schema_describes_the_matching_endpoints(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/match-runs/", "/api/v1/matches/", "/api/v1/reports/{id}/publish/", "/api/v1/stats/"):
        assert path in schema


def test_manufacturer_of_another_product_does_not_see_the_match(api_client, scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    api_client.force_authenticate(member_of(ManufacturerFactory()))
    assert api_client.get("/api/v1/matches/").json()["count"] == 0
