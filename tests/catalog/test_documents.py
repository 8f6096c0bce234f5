"""Product documents: the kind read from the file, and owners deleting or replacing what they uploaded."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog import services
from catalog.models import ProductDocument
from config.exceptions import ApplicationError
from tests.factories import ManufacturerFactory, ProductFactory, member_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF2 = b"%PDF-1.7\n% a newer brochure\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def product(manufacturer, lc):
    return ProductFactory(manufacturer=manufacturer, category=lc, name_en="Ion chromatograph", model_number="IC-1")


def upload(name, content):
    return SimpleUploadedFile(name, content)


# --- the kind comes from the file ---------------------------------------------------------------------------------


def test_the_upload_form_does_not_preselect_image(client, maker, product):
    client.force_login(maker)
    html = client.get(reverse("catalog:product-documents", args=[product.pk])).content.decode()
    select = re.search(r'<select name="kind".*?</select>', html, re.S)
    assert select
    assert re.search(r'<option value="" selected>', select.group(0))


def test_a_pdf_sent_as_the_form_comes_is_kept_as_a_brochure_and_an_image_as_an_image(client, maker, product):
    client.force_login(maker)
    url = reverse("catalog:product-documents", args=[product.pk])
    # when a PDF is uploaded without choosing a kind, as the hint allows
    response = client.post(url, {"kind": "", "file": upload("datasheet.pdf", PDF)})
    # then it is accepted as a brochure, not refused as a bad image
    assert response.status_code == 302
    assert product.documents.get().kind == ProductDocument.Kind.BROCHURE
    client.post(url, {"kind": "", "file": upload("front.png", PNG)})
    assert set(product.documents.values_list("kind", flat=True)) == {"brochure", "image"}


def test_a_chosen_kind_still_holds(maker, product):
    document = services.product_document_add(product=product, user=maker, file=upload("m.pdf", PDF), kind="manual")
    assert document.kind == ProductDocument.Kind.MANUAL
    with pytest.raises(ApplicationError, match="Unsupported"):
        services.product_document_add(product=product, user=maker, file=upload("a.pdf", PDF), kind="image")


def test_api_upload_without_a_kind_infers_it(api_client, maker, product):
    api_client.force_authenticate(maker)
    response = api_client.post(
        f"/api/v1/products/{product.pk}/documents/", {"file": upload("b.pdf", PDF)}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "brochure"


# --- deleting -----------------------------------------------------------------------------------------------------


def test_the_owner_deletes_a_document_after_confirming(client, maker, product, django_capture_on_commit_callbacks):
    document = services.product_document_add(product=product, user=maker, file=upload("old.pdf", PDF), title="Old")
    name = document.file.name
    assert default_storage.exists(name)
    client.force_login(maker)
    page = client.get(reverse("catalog:product-documents", args=[product.pk])).content.decode()
    url = reverse("catalog:product-document-delete", args=[product.pk, document.pk])
    assert f'href="{url}"' in page
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "“Old” (Brochure) will be removed from Ion chromatograph IC-1." in confirm.content.decode()
    client.post(url)  # not confirmed: nothing happens
    assert ProductDocument.objects.filter(pk=document.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 302
    assert not ProductDocument.objects.filter(pk=document.pk).exists()
    assert not default_storage.exists(name)


def test_others_cannot_delete_or_replace_a_document(client, maker, product):
    document = services.product_document_add(product=product, user=maker, file=upload("a.pdf", PDF))
    delete = reverse("catalog:product-document-delete", args=[product.pk, document.pk])
    replace = reverse("catalog:product-document-replace", args=[product.pk, document.pk])
    # anonymous: to the log-in page
    assert client.get(delete).status_code == 302
    # a member of another manufacturer: not found, whatever they send
    client.force_login(member_of(ManufacturerFactory()))
    assert client.get(delete).status_code == 404
    assert client.post(delete, {"confirmed": "yes"}).status_code == 404
    assert client.post(replace, {"file": upload("b.pdf", PDF2)}).status_code == 404
    # a document id under another product of the owner is not found either
    client.force_login(maker)
    other = ProductFactory(manufacturer=product.manufacturer)
    assert client.get(reverse("catalog:product-document-delete", args=[other.pk, document.pk])).status_code == 404
    assert ProductDocument.objects.filter(pk=document.pk).exists()
    # and the services refuse outsiders whatever the entry point
    with pytest.raises(PermissionDenied):
        services.product_document_delete(document=document, user=member_of(ManufacturerFactory()))
    with pytest.raises(PermissionDenied):
        services.product_document_replace(
            document=document, user=member_of(ManufacturerFactory()), file=upload("c.pdf", PDF2)
        )


# --- replacing ----------------------------------------------------------------------------------------------------


def test_the_owner_replaces_a_file_keeping_its_kind_and_title(
    client, maker, product, django_capture_on_commit_callbacks
):
    document = services.product_document_add(
        product=product, user=maker, file=upload("v1.pdf", PDF), kind="certificate", title="CMC"
    )
    old_name = document.file.name
    client.force_login(maker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("catalog:product-document-replace", args=[product.pk, document.pk]),
            {"file": upload("v2.pdf", PDF2)},
        )
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.kind, document.title, document.size) == ("certificate", "CMC", len(PDF2))
    with document.file.open("rb") as handle:
        assert handle.read() == PDF2
    assert not default_storage.exists(old_name)


def test_a_replacement_that_does_not_fit_is_an_error_beside_the_document(client, maker, product):
    image = services.product_document_add(product=product, user=maker, file=upload("front.png", PNG))
    client.force_login(maker)
    response = client.post(
        reverse("catalog:product-document-replace", args=[product.pk, image.pk]), {"file": upload("x.pdf", PDF)}
    )
    assert response.status_code == 400
    html = response.content.decode()
    row = re.search(rf'<tr id="document-{image.pk}">.*?</tr>', html, re.S)
    assert row and "Unsupported file type" in row.group(0)
    image.refresh_from_db()
    assert image.content_type == "image/png"


def test_api_replaces_and_deletes_documents_for_owners_only(api_client, maker, product):
    document = services.product_document_add(product=product, user=maker, file=upload("a.pdf", PDF))
    url = f"/api/v1/products/{product.pk}/documents/{document.pk}/"
    api_client.force_authenticate(member_of(ManufacturerFactory()))
    assert api_client.delete(url).status_code in (403, 404)
    api_client.force_authenticate(maker)
    replaced = api_client.put(url, {"file": upload("b.pdf", PDF2)}, format="multipart")
    assert replaced.status_code == 200, replaced.json()
    assert replaced.json()["size"] == len(PDF2)
    assert api_client.put(url, {}, format="multipart").status_code == 400
    assert api_client.delete(url).status_code == 204
    assert not ProductDocument.objects.filter(pk=document.pk).exists()
    assert api_client.delete(url).status_code == 404
