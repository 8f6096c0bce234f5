"""Uploaded files are served only through the permission-checking view, under names nobody can guess."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Product, ProductDocument
from procurement.models import ImportJustification
from tests.factories import (
    DemandFactory,
    EvaluationFactory,
    ImportedProductFactory,
    InstitutionFactory,
    ManufacturerFactory,
    ProductFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
UNGUESSABLE = re.compile(r"^(products|evaluations|justifications)/[A-Za-z0-9_-]{24}/[\w.-]+$")


def _document(product: Product) -> ProductDocument:
    return ProductDocument.objects.create(
        product=product, kind=ProductDocument.Kind.BROCHURE, file=SimpleUploadedFile("Brochure 2026.pdf", PDF)
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def people(db):
    maker_org = ManufacturerFactory()
    buyer = InstitutionFactory()
    return {
        "anonymous": None,
        "outsider": UserFactory(),
        "maker": member_of(maker_org),
        "buyer": member_of(buyer),
        "staff": UserFactory(is_staff=True),
        "_maker_org": maker_org,
        "_buyer": buyer,
    }


def _get(client, person, url):
    client.logout()
    if person is not None:
        client.force_login(person)
    return client.get(url)


@pytest.mark.parametrize(
    ("status", "who", "expected"),
    [
        (Product.Status.PUBLISHED, "anonymous", 200),
        (Product.Status.PUBLISHED, "outsider", 200),
        (Product.Status.PUBLISHED, "maker", 200),
        (Product.Status.DRAFT, "anonymous", 404),
        (Product.Status.DRAFT, "outsider", 404),
        (Product.Status.DRAFT, "buyer", 404),
        (Product.Status.DRAFT, "maker", 200),
        (Product.Status.DRAFT, "staff", 200),
        (Product.Status.WITHDRAWN, "outsider", 404),
        (Product.Status.WITHDRAWN, "maker", 200),
    ],
)
def test_product_documents_follow_their_products_visibility(client, people, status, who, expected):
    # given: a document of a product in the given status
    document = _document(ProductFactory(manufacturer=people["_maker_org"], status=status))
    # when: someone asks for its URL
    response = _get(client, people[who], document.file.url)
    # then: only those who may see the product get the file
    assert response.status_code == expected
    if expected == 200:
        assert _body(response) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize(
    ("status", "who", "expected"),
    [
        (Product.Status.PUBLISHED, "anonymous", 200),
        (Product.Status.PUBLISHED, "outsider", 200),
        (Product.Status.WITHDRAWN, "outsider", 404),
        (Product.Status.WITHDRAWN, "maker", 200),
    ],
)
def test_evaluation_reports_follow_the_evaluated_products_visibility(client, people, status, who, expected):
    product = ProductFactory(manufacturer=people["_maker_org"], status=status)
    evaluation = EvaluationFactory(product=product, document=SimpleUploadedFile("report.pdf", PDF))
    response = _get(client, people[who], evaluation.document.url)
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 404), ("outsider", 404), ("maker", 404), ("buyer", 200), ("staff", 200)],
)
def test_import_justification_evidence_is_for_the_buyer_and_staff_only(client, people, who, expected):
    # given: a justification with its evidence, filed by the buyer institution on an open demand
    demand = DemandFactory(institution=people["_buyer"])
    justification = ImportJustification.objects.create(
        demand=demand,
        imported_product=ImportedProductFactory(),
        reason="No domestic instrument reaches the required resolution.",
        submitted_by=people["buyer"],
        document=SimpleUploadedFile("evidence.pdf", PDF),
    )
    # when / then
    response = _get(client, people[who], justification.document.url)
    assert response.status_code == expected


def test_stored_names_are_unguessable_and_keep_the_original_name(people):
    first = _document(ProductFactory(manufacturer=people["_maker_org"]))
    second = _document(ProductFactory(manufacturer=people["_maker_org"]))
    assert UNGUESSABLE.match(first.file.name), first.file.name
    assert first.file.name.endswith("/Brochure_2026.pdf")
    assert first.file.name.rsplit("/", 2)[1] != second.file.name.rsplit("/", 2)[1]


def test_a_file_stored_under_an_old_predictable_name_is_still_served_through_the_check(client, people, settings):
    # given: a document stored before names were random (products/YYYY/MM/name), of a draft product
    document = _document(ProductFactory(manufacturer=people["_maker_org"], status=Product.Status.DRAFT))
    old_name = "products/2025/11/manual.pdf"
    storage = document.file.storage
    storage.save(old_name, SimpleUploadedFile("manual.pdf", PDF))
    ProductDocument.objects.filter(pk=document.pk).update(file=old_name)
    # when / then: its old URL works for the maker and stays hidden from everyone else
    assert _get(client, people["maker"], f"/media/{old_name}").status_code == 200
    assert _get(client, people["outsider"], f"/media/{old_name}").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/media/products/../justifications/x.pdf", "/media/unknown/file.pdf", "/media/products/nothing.pdf", "/media/"],
)
def test_paths_that_name_no_visible_file_are_404(client, path):
    assert client.get(path).status_code == 404


def test_behind_nginx_the_view_checks_and_hands_the_sending_over(client, people, settings):
    # given: a fronting nginx with an internal location for the media folder
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    document = _document(ProductFactory(manufacturer=people["_maker_org"]))
    # when
    response = client.get(document.file.url)
    # then: no bytes from Django, a header that tells nginx which file to send
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{document.file.name}"
    assert response.content == b""
    assert response["Content-Disposition"].startswith("inline; filename*=UTF-8''")
    # and a draft's file is still refused before nginx is involved
    draft = _document(ProductFactory(manufacturer=people["_maker_org"], status=Product.Status.DRAFT))
    refused = client.get(draft.file.url)
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused
