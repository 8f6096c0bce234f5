from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Organization
from catalog import services
from catalog.models import Category, DomesticProductRule, Evaluation, Product, Specification
from changes.consume import changes_consume
from config.exceptions import ApplicationError
from matching.models import MatchRun
from tests.catalog.conftest import new_institution, new_manufacturer
from tests.factories import (
    EvaluationFactory,
    InstitutionFactory,
    ProductFactory,
    member_of,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def create(maker, manufacturer, category, **overrides):
    data = {
        "user": maker,
        "manufacturer": manufacturer,
        "category": category,
        "model_number": "LC-100",
        "name_zh": "液相色谱仪",
        "name_en": "Liquid chromatograph",
        "domestic_content": Decimal("0.8"),
    }
    data.update(overrides)
    return services.product_create(**data)


# --- specifications -------------------------------------------------------------------------------------


def test_product_create_stores_specifications_canonically(maker, manufacturer, lc, outbox):
    # given values in non-canonical units
    specs = [
        {"parameter": "pressure_max", "value": 600, "unit": "bar"},
        {"parameter": "flow_rate", "value": "1-10000 µL/min"},
        {"parameter": "wavelength", "min": 190, "max": 900, "unit": "nm"},
        {"parameter": "pump_type", "choice": "Quaternary"},
        {"parameter": "detector_type", "value": "DAD"},
        {"parameter": "retention_time_rsd", "value": "0.08 %"},
    ]
    # when
    product = create(maker, manufacturer, lc, specifications=specs)
    # then canonical values are stored and what was entered is kept
    stored = {s.parameter.key: s for s in product.specifications.select_related("parameter")}
    assert stored["pressure_max"].value == pytest.approx(60)
    assert stored["pressure_max"].entered_unit == "bar"
    assert (stored["flow_rate"].value_min, stored["flow_rate"].value_max) == pytest.approx((0.001, 10))
    assert stored["wavelength"].value_max == 900
    assert stored["pump_type"].value_text == "quaternary"
    assert stored["detector_type"].value_text == "DAD"  # inherited from chromatographs
    assert stored["retention_time_rsd"].value == pytest.approx(0.08)
    assert product.status == Product.Status.DRAFT
    assert outbox.pending("search") == [product.pk]
    # matching receives the change too; a draft that was never published matches nothing
    assert changes_consume(consumer_name="matching").changes == 1
    assert not MatchRun.objects.exists()


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"parameter": "pressure_max", "value": 40, "unit": "kg"}, "cannot be converted"),
        ({"parameter": "pressure_max", "value": 40, "unit": "blorps"}, "unknown unit"),
        ({"parameter": "pressure_max", "value": 40000, "unit": "MPa"}, "outside the plausible range"),
        ({"parameter": "mass_range", "value": "50-2000"}, "unknown parameter"),
        ({"parameter": "wavelength", "min": 900, "max": 190}, "greater than the maximum"),
        ({"parameter": "pump_type", "choice": "octonary"}, "is not one of"),
        ({"parameter": "pressure_max", "value": "forty"}, "not a number"),
        ({"parameter": "wavelength", "value": "190"}, "range"),
    ],
)
def test_product_create_rejects_bad_specifications_with_the_reason(maker, manufacturer, lc, spec, reason):
    with pytest.raises(ApplicationError) as info:
        create(maker, manufacturer, lc, specifications=[spec])
    assert info.value.field == "specifications"
    assert reason in info.value.extra["specifications"][spec["parameter"]]
    assert not Product.objects.exists()


def test_product_update_replaces_specifications_and_keeps_unmentioned_fields(maker, manufacturer, lc):
    product = create(maker, manufacturer, lc, specifications=[{"parameter": "pressure_max", "value": 40}])
    services.product_update(
        product=product,
        user=maker,
        fields={"price_min": "100000", "price_max": "200000"},
        specifications=[{"parameter": "column_oven_max", "value": 85, "unit": "degC"}],
    )
    product.refresh_from_db()
    assert product.price_max == Decimal("200000")
    assert list(product.specifications.values_list("parameter__key", flat=True)) == ["column_oven_max"]


def test_category_change_drops_specifications_the_new_category_lacks(maker, manufacturer, lc):
    product = create(
        maker,
        manufacturer,
        lc,
        specifications=[{"parameter": "pressure_max", "value": 40}, {"parameter": "detector_type", "value": "UV"}],
    )
    gc = Category.objects.get(code="010502")
    services.product_update(product=product, user=maker, fields={"category": gc})
    assert list(product.specifications.values_list("parameter__key", flat=True)) == ["detector_type"]


def test_product_create_rejects_price_range_upside_down(maker, manufacturer, lc):
    with pytest.raises(ApplicationError) as info:
        create(maker, manufacturer, lc, price_min=Decimal(5), price_max=Decimal(1))
    assert info.value.field == "price_min"


def test_model_number_is_unique_per_manufacturer(maker, manufacturer, lc):
    create(maker, manufacturer, lc)
    with pytest.raises(ApplicationError) as info:
        create(maker, manufacturer, lc)
    assert info.value.field == "model_number"


def test_only_members_of_the_manufacturer_write_its_products(manufacturer, lc):
    outsider = member_of(new_manufacturer())
    with pytest.raises(PermissionDenied):
        create(outsider, manufacturer, lc)


# --- is_domestic -------------------------------------------------------------------------------------------


def test_is_domestic_is_produced_in_china_while_no_ratio_is_set(maker, manufacturer, lc):
    # the national default in force since 2026-01-01: produced in China counts, whatever the share
    assert create(maker, manufacturer, lc, domestic_content=Decimal("0.1")).is_domestic
    assert not create(maker, manufacturer, lc, model_number="LC-2", country_of_origin="DE").is_domestic


def test_is_domestic_uses_the_nearest_category_rule(maker, manufacturer):
    # mass spectrometers carry a 0.6 ratio (the former threshold, now a rule); their subcategories inherit it
    icpms = Category.objects.get(code="010203")
    assert not create(maker, manufacturer, icpms, domestic_content=Decimal("0.55")).is_domestic
    assert create(maker, manufacturer, icpms, model_number="MS-2", domestic_content=Decimal("0.6")).is_domestic


def test_is_domestic_false_when_made_abroad(maker, manufacturer, lc):
    product = create(maker, manufacturer, lc, country_of_origin="JP", domestic_content=Decimal("0.9"))
    assert not product.is_domestic
    services.product_update(product=product, user=maker, fields={"country_of_origin": "CN"})
    product.refresh_from_db()
    assert product.is_domestic


# --- publish / withdraw ------------------------------------------------------------------------------------


def test_publish_and_withdraw_set_timestamps_and_record_changes(maker, manufacturer, lc, outbox):
    product = create(maker, manufacturer, lc)
    outbox.clear()
    product = services.product_publish(product=product, user=maker)
    assert product.status == Product.Status.PUBLISHED and product.published_at is not None
    assert outbox.pending("matching") == [product.pk]
    product = services.product_withdraw(product=product, user=maker)
    assert product.status == Product.Status.WITHDRAWN and product.withdrawn_at is not None
    assert outbox.pending("matching") == [product.pk, product.pk]
    with pytest.raises(ApplicationError):
        services.product_withdraw(product=product, user=maker)


def test_changing_a_published_product_records_the_change(maker, manufacturer, lc, outbox):
    product = services.product_publish(product=create(maker, manufacturer, lc), user=maker)
    outbox.clear()
    services.product_update(product=product, user=maker, fields={"lead_time_days": 30})
    assert outbox.pending("matching") == [product.pk]


def test_unverified_manufacturer_cannot_publish(lc):
    manufacturer = new_manufacturer(is_verified=False, verified_at=None)
    maker = member_of(manufacturer)
    product = create(maker, manufacturer, lc)
    with pytest.raises(ApplicationError):
        services.product_publish(product=product, user=maker)


# --- documents ---------------------------------------------------------------------------------------------


def test_document_upload_checks_extension_content_and_size(maker, manufacturer, lc, monkeypatch):
    product = create(maker, manufacturer, lc)
    document = services.product_document_add(
        product=product, user=maker, file=SimpleUploadedFile("brochure.pdf", PDF), kind="brochure"
    )
    assert document.content_type == "application/pdf" and document.size == len(PDF)
    with pytest.raises(ApplicationError, match="does not match"):
        services.product_document_add(
            product=product, user=maker, file=SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 binary"), kind="manual"
        )
    with pytest.raises(ApplicationError, match="Unsupported"):
        services.product_document_add(
            product=product, user=maker, file=SimpleUploadedFile("run.exe", b"MZ"), kind="manual"
        )
    with pytest.raises(ApplicationError, match="Unsupported"):
        services.product_document_add(product=product, user=maker, file=SimpleUploadedFile("a.pdf", PDF), kind="image")
    monkeypatch.setattr("catalog.services.documents.IMAGE_MAX_BYTES", 10)
    with pytest.raises(ApplicationError, match="too large"):
        services.product_document_add(product=product, user=maker, file=SimpleUploadedFile("p.png", PNG), kind="image")


# --- evaluations -------------------------------------------------------------------------------------------


def evaluate(user, product, organization, **overrides):
    data = {
        "user": user,
        "product": product,
        "organization": organization,
        "kind": Evaluation.Kind.REVIEW,
        "title": "Six months in the lab",
        "accuracy": 5,
        "stability": 4,
        "reliability": 4,
        "service": 3,
    }
    data.update(overrides)
    return services.evaluation_create(**data)


def test_evaluation_updates_the_product_aggregates(researcher, institution, outbox):
    product = ProductFactory()
    EvaluationFactory(product=product, accuracy=2, stability=2, reliability=2, service=2)
    evaluate(researcher, product, institution)
    product.refresh_from_db()
    assert product.evaluation_count == 2
    assert product.evaluation_score == pytest.approx((2 + 4) / 2)
    assert outbox.pending("matching") == [product.pk]


def test_third_party_evaluation_needs_its_report(researcher, institution):
    product = ProductFactory()
    with pytest.raises(ApplicationError) as info:
        evaluate(researcher, product, institution, kind=Evaluation.Kind.THIRD_PARTY)
    assert info.value.field == "document"
    evaluation = evaluate(
        researcher,
        product,
        institution,
        kind=Evaluation.Kind.THIRD_PARTY,
        document=SimpleUploadedFile("report.pdf", PDF),
    )
    assert evaluation.document.name.endswith(".pdf")


def test_evaluation_requires_a_member_of_a_verified_institution(researcher, institution, maker, manufacturer):
    product = ProductFactory()
    unverified = new_institution(is_verified=False)
    with pytest.raises(ApplicationError):
        evaluate(member_of(unverified), product, unverified)
    with pytest.raises(PermissionDenied):
        evaluate(researcher, product, InstitutionFactory())  # not a member of it
    with pytest.raises(ApplicationError):
        evaluate(maker, product, manufacturer)  # manufacturers do not review


def test_a_manufacturer_member_cannot_review_its_own_product(institution):
    product = ProductFactory()
    insider = member_of(Organization.objects.get(pk=product.manufacturer_id))
    from tests.factories import MembershipFactory

    MembershipFactory(user=insider, organization=institution)
    with pytest.raises(ApplicationError, match="own product"):
        evaluate(insider, product, institution)


def test_one_review_per_person(researcher, institution):
    product = ProductFactory()
    evaluate(researcher, product, institution)
    with pytest.raises(ApplicationError, match="already reviewed"):
        evaluate(researcher, product, institution)
    evaluate(researcher, product, institution, kind=Evaluation.Kind.PILOT)
    assert Evaluation.objects.filter(product_id=product.pk).count() == 2


# --- categories --------------------------------------------------------------------------------------------


def test_category_create_and_move_maintain_paths(db):
    chromatography = Category.objects.get(code="0105")
    sfc = services.category_create(code="010599", name_zh="超临界流体色谱仪", name_en="SFC", parent=chromatography)
    assert (sfc.path, sfc.depth) == ("01/0105/010599", 2)
    child = services.category_create(code="01059901", name_zh="制备型", name_en="Preparative", parent=sfc)
    services.category_move(category=sfc, parent=Category.objects.get(code="15"))
    child.refresh_from_db()
    assert child.path == "15/010599/01059901" and child.depth == 2
    with pytest.raises(ApplicationError):
        services.category_move(category=sfc, parent=child)


def test_specifications_table_is_not_touched_by_failed_writes(maker, manufacturer, lc):
    product = create(maker, manufacturer, lc, specifications=[{"parameter": "pressure_max", "value": 40}])
    with pytest.raises(ApplicationError):
        services.product_specifications_set(
            product=product, user=maker, specifications=[{"parameter": "pressure_max", "value": -5}]
        )
    assert Specification.objects.get(product_id=product.pk).value == 40


def test_domestic_refresh_follows_a_rule_that_reached_its_day(maker, manufacturer, lc, outbox):
    product = services.product_publish(
        product=create(maker, manufacturer, lc, domestic_content=Decimal("0.55")), user=maker
    )
    assert product.is_domestic
    outbox.clear()
    DomesticProductRule.objects.create(
        category=Category.objects.get(code="0105"), effective_from=timezone.localdate(), component_cost_ratio="0.6"
    )
    from catalog.tasks import refresh_domestic

    assert refresh_domestic.delay(Category.objects.get(code="01").pk).get() == 1
    product.refresh_from_db()
    assert not product.is_domestic
    assert outbox.pending("matching") == [product.pk]
    assert refresh_domestic(None) == 0  # nothing flips twice
