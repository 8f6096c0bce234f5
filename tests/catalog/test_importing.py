from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from catalog import importing
from catalog.models import Category, Product, Specification
from config.exceptions import ApplicationError
from tests.catalog.conftest import new_manufacturer
from tests.factories import ProductFactory, member_of

HEADER = [
    "model_number",
    "name_zh",
    "name_en",
    "category",
    "domestic_content",
    "price_min",
    "price_max",
    "provinces_served",
    "pressure_max [MPa]",
    "flow_rate",
    "wavelength [nm]",
    "pump_type",
]


def csv_bytes(rows, header=HEADER):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.create_sheet("products", 0)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD = [
    [
        "LC-1",
        "液相色谱仪一",
        "LC one",
        "010501",
        "0.9",
        "150000",
        "250000",
        "110000; 上海市",
        "40",
        "0.001-10 mL/min",
        "190-800",
        "binary",
    ],
    [
        "LC-2",
        "液相色谱仪二",
        "LC two",
        "010501",
        "85%",
        "300000",
        "450000",
        "",
        "1300 bar",
        "1-5000 µL/min",
        "190-900",
        "quaternary",
    ],
]


def run(manufacturer, data, filename="products.csv", **options):
    options.setdefault("atomic", True)
    return importing.products_import(manufacturer=manufacturer, user=None, filename=filename, data=data, **options)


@pytest.mark.parametrize(("make", "filename"), [(csv_bytes, "p.csv"), (xlsx_bytes, "p.xlsx")])
def test_good_file_creates_products_with_canonical_specifications(manufacturer, make, filename, outbox):
    report = run(manufacturer, make(GOOD), filename)
    assert report.errors == [] and report.written
    assert (report.created, report.updated, report.total_rows) == (2, 0, 2)
    second = Product.objects.get(model_number="LC-2")
    assert second.status == Product.Status.DRAFT and second.is_domestic
    assert second.domestic_content == Decimal("0.850")
    specs = {s.parameter.key: s for s in second.specifications.select_related("parameter")}
    assert specs["pressure_max"].value == pytest.approx(130)  # 1300 bar
    assert (specs["flow_rate"].value_min, specs["flow_rate"].value_max) == pytest.approx((0.001, 5))
    assert specs["pump_type"].value_text == "quaternary"
    first = Product.objects.get(model_number="LC-1")
    assert sorted(first.provinces_served.values_list("code", flat=True)) == ["110000", "310000"]
    assert sorted(outbox.pending("search")) == sorted(report.product_ids)


def test_bad_rows_are_reported_with_row_column_and_reason_and_atomic_writes_nothing(manufacturer):
    rows = [
        GOOD[0],
        ["LC-3", "坏行", "", "010501", "2", "", "", "", "40 kg", "10-1", "190-800", "octonary"],
        ["", "无型号", "", "010501", "", "", "", "", "", "", "", ""],
        ["LC-4", "未知类别", "", "999999", "", "", "", "", "", "", "", ""],
    ]
    report = run(manufacturer, csv_bytes(rows))
    assert not report.written
    assert Product.objects.count() == 0
    found = {(e.row, e.column) for e in report.errors}
    assert {(3, "domestic_content"), (3, "pressure_max"), (3, "flow_rate"), (3, "pump_type")} <= found
    assert (4, "model_number") in found
    assert (5, "category") in found
    reasons = {(e.row, e.column): e.reason for e in report.errors}
    assert "cannot be converted" in reasons[(3, "pressure_max")]
    assert "greater than the maximum" in reasons[(3, "flow_rate")]
    assert report.bad_rows == 3


def test_without_atomic_the_good_rows_are_written(manufacturer):
    rows = [GOOD[0], ["LC-3", "坏行", "", "010501", "", "", "", "", "forty", "", "", ""]]
    report = run(manufacturer, csv_bytes(rows), atomic=False)
    assert report.written and report.created == 1
    assert [(e.row, e.column) for e in report.errors] == [(3, "pressure_max")]
    assert list(Product.objects.values_list("model_number", flat=True)) == ["LC-1"]


def test_import_upserts_by_model_number(manufacturer):
    run(manufacturer, csv_bytes(GOOD))
    changed = [["LC-1", "液相色谱仪一（新）", "", "", "", "", "", "", "60", "", "", ""]]
    report = run(manufacturer, csv_bytes(changed))
    assert (report.created, report.updated) == (0, 1)
    product = Product.objects.get(model_number="LC-1")
    assert product.name_zh == "液相色谱仪一（新）"
    assert product.price_min == Decimal("150000")  # empty cells leave values alone
    assert Specification.objects.get(product=product, parameter__key="pressure_max").value == 60
    assert Product.objects.filter(manufacturer=manufacturer).count() == 2


def test_import_does_not_touch_another_manufacturers_model(manufacturer):
    other = ProductFactory(model_number="LC-1", category=Category.objects.get(code="010501"))
    run(manufacturer, csv_bytes(GOOD))
    other.refresh_from_db()
    assert other.manufacturer != manufacturer and other.name_zh != GOOD[0][1]


def test_duplicate_model_numbers_in_one_file_are_reported(manufacturer):
    report = run(manufacturer, csv_bytes([GOOD[0], GOOD[0]]))
    assert [(e.row, e.column) for e in report.errors] == [(3, "model_number")]


def test_publish_option_publishes_and_records_the_changes_for_matching(manufacturer, outbox):
    report = run(manufacturer, xlsx_bytes(GOOD), "p.xlsx", publish=True)
    assert Product.objects.filter(status=Product.Status.PUBLISHED).count() == 2
    assert sorted(outbox.pending("matching")) == sorted(report.product_ids)


def test_formula_cells_are_text_not_values(manufacturer):
    rows = [
        ["LC-9", '=HYPERLINK("http://x")', "", "010501", "", "", "", "", "=1+39", "", "", ""],
        ["LC-8", "@SUM(A1)", "", "010501", "", "", "", "", "40", "", "", ""],
    ]
    report = run(manufacturer, xlsx_bytes(rows), "p.xlsx", atomic=False)
    assert [(e.row, e.column) for e in report.errors] == [(2, "pressure_max")]
    assert "formula" in report.errors[0].reason
    assert Product.objects.get(model_number="LC-8").name_zh == "@SUM(A1)"  # kept as plain text


def test_negative_numbers_are_not_mistaken_for_formulas(manufacturer):
    header = ["model_number", "name_zh", "category", "temperature_range [degC]"]
    report = run(manufacturer, csv_bytes([["TGA-1", "热重", "010901", "-150-600"]], header=header))
    assert report.errors == []
    spec = Specification.objects.get(product__model_number="TGA-1")
    assert (spec.value_min, spec.value_max) == (-150, 600)


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("products.txt", b"model_number\nX\n", "CSV or XLSX"),
        ("products.xlsx", b"not a zip at all", "valid XLSX"),
        ("products.xlsx", b"PK\x03\x04 broken archive", "valid XLSX"),
        ("products.csv", b"\x00\x01\x02binary", "not a CSV"),
        ("products.csv", b"", "empty"),
        ("products.csv", b"name_zh\nX\n", "model_number"),
    ],
)
def test_wrong_files_are_refused(manufacturer, filename, data, message):
    with pytest.raises(ApplicationError, match=message) as info:
        run(manufacturer, data, filename)
    assert info.value.field == "file"


def test_too_large_files_are_refused(manufacturer, monkeypatch):
    monkeypatch.setattr("catalog.importing.writer.IMPORT_MAX_BYTES", 100)
    with pytest.raises(ApplicationError, match="too large"):
        run(manufacturer, csv_bytes(GOOD))


def test_only_members_may_import(manufacturer):
    with pytest.raises(PermissionDenied):
        importing.products_import(
            manufacturer=manufacturer,
            user=member_of(new_manufacturer()),
            filename="p.csv",
            data=csv_bytes(GOOD),
        )


def test_gb18030_csv_is_read(manufacturer):
    data = csv_bytes(GOOD).decode("utf-8").encode("gb18030")
    assert run(manufacturer, data).created == 2


def test_template_has_a_column_per_parameter_with_units(lc):
    data = importing.products_export(category=lc, products=[], fmt="xlsx")
    sheet = load_workbook(io.BytesIO(data), read_only=True)["products"]
    header = next(sheet.iter_rows(values_only=True))
    assert "model_number" in header and "pressure_max [MPa]" in header and "detector_type" in header
    csv_header = importing.products_export(category=lc, products=[], fmt="csv").decode("utf-8-sig").splitlines()[0]
    assert "flow_rate [mL/min]" in csv_header


def test_export_neutralises_formula_text_and_round_trips(manufacturer, lc):
    run(manufacturer, csv_bytes([["LC-7", "=cmd|' /C calc'!A0", "", "010501", "", "", "", "", "40", "", "", ""]]))
    products = Product.objects.filter(manufacturer=manufacturer).prefetch_related("specifications", "provinces_served")
    data = importing.products_export(category=lc, products=products, fmt="csv")
    row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
    assert row[1] == "'=cmd|' /C calc'!A0"
    report = run(manufacturer, data)  # the exported file imports again
    assert report.errors == [] and report.updated == 1
    assert Product.objects.get(model_number="LC-7").name_zh == "=cmd|' /C calc'!A0"


def test_command_imports_with_progress_and_atomic(manufacturer, tmp_path, capsys):
    path = tmp_path / "products.xlsx"
    path.write_bytes(xlsx_bytes(GOOD))
    call_command("import_products", str(path), "--manufacturer", str(manufacturer.pk), "--publish")
    assert Product.objects.filter(status=Product.Status.PUBLISHED).count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["LC-5", "x", "", "010501", "", "", "", "", "forty", "", "", ""]]))
    with pytest.raises(CommandError, match="nothing written"):
        call_command("import_products", str(bad), "--manufacturer", str(manufacturer.pk), "--atomic")
    assert "row 2, column pressure_max" in capsys.readouterr().err


def test_moving_a_product_to_another_category_drops_foreign_specifications(manufacturer):
    run(manufacturer, csv_bytes([GOOD[0]]))
    header = ["model_number", "category", "oven_temp_max"]
    report = run(manufacturer, csv_bytes([["LC-1", "010502", "450"]], header=header))
    assert report.errors == []
    keys = set(Specification.objects.filter(product__model_number="LC-1").values_list("parameter__key", flat=True))
    assert keys == {"oven_temp_max"}
