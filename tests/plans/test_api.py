"""Plans through the API and the pages: upload, report, post; another institution's plans are a 404."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.tabular import csv_bytes
from plans.models import ProcurementPlan
from procurement.models import Demand
from tests.factories import (
    CategoryFactory,
    InstitutionFactory,
    ParameterFactory,
    ProductFactory,
    SpecificationFactory,
    member_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    category = CategoryFactory()
    pressure = ParameterFactory(category=category, key="pressure", unit="MPa")
    SpecificationFactory(product=ProductFactory(category=category), parameter=pressure, value=45.0)
    institution = InstitutionFactory()
    deadline = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()
    data = csv_bytes(
        [
            ["title", "deadline", "delivery_province", "pressure [MPa]"],
            ["液相色谱仪", deadline, "110000", "40"],
            ["坏行", "someday", "110000", "40"],
        ]
    )
    return {"category": category, "institution": institution, "user": member_of(institution), "data": data}


def test_upload_report_and_post_through_the_api(api_client, setting):
    api_client.force_authenticate(setting["user"])
    response = api_client.post(
        "/api/v1/plans/",
        {
            "file": SimpleUploadedFile("plan.csv", setting["data"]),
            "institution": setting["institution"].pk,
            "category": setting["category"].pk,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["lines_total"], body["lines_valid"]) == (2, 1)
    good, bad = body["lines"]
    assert good["valid"] and good["matches_count"] == 1 and good["best_product"]["id"]
    assert not bad["valid"] and bad["errors"][0]["column"] == "deadline"
    assert api_client.post(f"/api/v1/plans/{body['id']}/post/", {"rows": [3]}, format="json").status_code == 400
    posted = api_client.post(f"/api/v1/plans/{body['id']}/post/", {"rows": [2]}, format="json")
    assert posted.status_code == 201
    assert Demand.objects.get(pk=posted.json()["demands"][0]).status == Demand.Status.DRAFT
    template = api_client.get("/api/v1/plans/template/", {"category": setting["category"].pk, "fmt": "csv"})
    assert template.status_code == 200 and b"pressure [MPa]" in template.content


def test_another_institutions_plans_are_a_404(api_client, setting):
    api_client.force_authenticate(setting["user"])
    api_client.post(
        "/api/v1/plans/",
        {
            "file": SimpleUploadedFile("plan.csv", setting["data"]),
            "institution": setting["institution"].pk,
            "category": setting["category"].pk,
        },
        format="multipart",
    )
    plan = ProcurementPlan.objects.get()
    api_client.force_authenticate(member_of(InstitutionFactory()))
    assert api_client.get("/api/v1/plans/").json()["count"] == 0
    assert api_client.get(f"/api/v1/plans/{plan.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/plans/{plan.pk}/post/", {"rows": [2]}, format="json").status_code == 404
    refused = api_client.post(
        "/api/v1/plans/",
        {
            "file": SimpleUploadedFile("plan.csv", setting["data"]),
            "institution": setting["institution"].pk,
            "category": setting["category"].pk,
        },
        format="multipart",
    )
    assert refused.status_code == 403
    assert not Demand.objects.exists()


def test_upload_and_post_on_the_pages_in_chinese(client, setting, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(setting["user"])
    page = client.get("/plans/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "采购计划" in page.content.decode()
    done = client.post(
        "/plans/",
        {
            "institution": setting["institution"].pk,
            "category": setting["category"].pk,
            "file": SimpleUploadedFile("plan.csv", setting["data"]),
        },
    )
    plan = ProcurementPlan.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/plans/{plan.pk}/"
    report = client.get(f"/plans/{plan.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="line-2"' in report and "发布所选行为需求草稿" in report
    client.post(f"/plans/{plan.pk}/post/", {"rows": ["2"]})
    assert Demand.objects.filter(institution=setting["institution"], status="draft").count() == 1


def test_a_file_that_is_not_a_plan_is_a_form_error(client, setting):
    client.force_login(setting["user"])
    page = client.post(
        "/plans/",
        {
            "institution": setting["institution"].pk,
            "category": setting["category"].pk,
            "file": SimpleUploadedFile("plan.txt", b"hello"),
        },
    )
    assert page.status_code == 200 and "Upload a CSV or XLSX file." in page.content.decode()
