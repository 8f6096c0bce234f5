"""A manufacturer creates a product with specifications in several units, uploads its PDF brochure, publishes it,
imports a catalog template with one bad row, sees the demands its products match and quotes on one."""

from __future__ import annotations

import io

import openpyxl
import pytest

from accounts.models import User
from catalog.models import Category, Product
from procurement.models import Demand, Quote
from tests.browser.helpers import log_in_as

WORDS = {
    "zh-hans": {"report": "导入报告", "nothing": "未写入任何数据"},
    "en": {"report": "Import report", "nothing": "Nothing was written"},
}
# A minimal but well-formed PDF: the upload checks the content against the extension.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _fill_specifications(form) -> None:
    form.locator("[name='spec-pressure_max__value']").fill("1000")
    form.locator("[name='spec-pressure_max__unit']").select_option("bar")
    form.locator("[name='spec-flow_rate__min']").fill("1")
    form.locator("[name='spec-flow_rate__max']").fill("10000")
    form.locator("[name='spec-flow_rate__unit']").select_option("µL/min")
    form.locator("[name='spec-wavelength__min']").fill("190")
    form.locator("[name='spec-wavelength__max']").fill("900")
    form.locator("[name='spec-column_oven_max__value']").fill("85")
    form.locator("[name='spec-column_oven_max__unit']").select_option("degC")
    form.locator("[name='spec-pump_type__choice']").select_option("binary")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_manufacturer_lists_publishes_imports_and_quotes(open_tab, language, tmp_path):
    words = WORDS[language]
    model = f"BR-{language.upper()}-900"
    maker = User.objects.get(email="maker@demo.local")
    tab = open_tab(language)
    log_in_as(tab, maker)
    tab.go("/catalog/dashboard/")

    # A new product, its specifications typed in bar, µL/min, nm and °C.
    tab.go("/catalog/dashboard/products/new/")
    form = tab.page.locator("main form")
    lc = Category.objects.get(code="010501")
    form.locator("[name=category]").select_option(str(lc.pk))
    form.locator("[name='spec-pressure_max__value']").wait_for()
    form.locator("[name=model_number]").fill(model)
    form.locator("[name=name_zh]").fill("聚光 超高效液相色谱仪")
    form.locator("[name=name_en]").fill("FPI UHPLC system")
    form.locator("[name=domestic_content]").fill("0.85")
    form.locator("[name=key_components]").fill("高压泵: CN\n检测器: CN")
    form.locator("[name=price_min]").fill("420000")
    form.locator("[name=price_max]").fill("560000")
    form.locator("[name=lead_time_days]").fill("60")
    form.locator("[name=warranty_months]").fill("24")
    _fill_specifications(form)
    tab.submit(form.locator("button[type=submit]"))
    product = Product.objects.get(model_number=model)
    specs = {s.parameter.key: s for s in product.specifications.all()}
    assert specs["pressure_max"].value == pytest.approx(100.0)  # 1000 bar in MPa
    assert specs["flow_rate"].value_min == pytest.approx(0.001)  # 1 µL/min in mL/min
    assert specs["pump_type"].value_text == "binary"
    assert product.status == Product.Status.DRAFT

    # Its brochure, a PDF.
    tab.go(f"/catalog/dashboard/products/{product.pk}/documents/")
    upload = tab.page.locator("main form.card")
    pdf = tmp_path / "brochure.pdf"
    pdf.write_bytes(PDF)
    upload.locator("[name=kind]").select_option("brochure")
    upload.locator("[name=title]").fill("产品彩页")
    upload.locator("[name=file]").set_input_files(str(pdf))
    tab.submit(upload.locator("button[type=submit]"))
    assert product.documents.get().content_type == "application/pdf"

    # Published from the dashboard.
    tab.go("/catalog/dashboard/")
    tab.submit(tab.page.locator(f"form[action$='/products/{product.pk}/publish/'] button"))
    product.refresh_from_db()
    assert product.status == Product.Status.PUBLISHED
    tab.go(f"/catalog/products/{product.pk}/")

    # The category's import template, filled with one good row and one bad one: nothing is written.
    tab.go("/catalog/dashboard/import/")
    chooser = tab.page.locator("form[data-template-url]")
    chooser.locator("[name=category]").select_option(str(lc.pk))
    with tab.page.expect_download() as download:
        chooser.locator("button[type=submit]").click()
    workbook = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    good = {"category": lc.code, "model_number": f"{model}-A", "name_zh": "导入的液相色谱仪", "pressure_max": "60 MPa"}
    bad = {
        "category": lc.code,
        "model_number": f"{model}-B",
        "name_zh": "指标有误的液相色谱仪",
        "pressure_max": "sixty",
    }
    for row in (good, bad):
        sheet.append([row.get(_column(header), "") for header in headers])
    filled = tmp_path / "catalog.xlsx"
    workbook.save(filled)
    importer = tab.page.locator("main form[enctype]")
    importer.locator("[name=file]").set_input_files(str(filled))
    tab.submit(importer.locator("button[type=submit]"))
    report = tab.text()
    assert words["report"] in report and words["nothing"] in report
    assert tab.page.locator("main table tbody tr").count() == 1
    assert not Product.objects.filter(model_number__startswith=f"{model}-").exists()

    # The demands its products match, and a quote on one of them.
    tab.go("/demands/for-manufacturers/")
    listed = tab.page.locator("main table a[href^='/demands/']")
    assert listed.count() >= 1
    tab.submit(listed.first)
    demand = Demand.objects.get(pk=int(tab.path.strip("/").split("/")[-1]))
    quote_form = tab.page.locator("form[action*='/quote/']")
    quote_form.locator("[name=unit_price]").fill("480000")
    quote_form.locator("[name=lead_time_days]").fill("60")
    tab.submit(quote_form.locator("button[value=submit]"))
    assert Quote.objects.filter(demand=demand, manufacturer__memberships__user=maker).exists()


def _column(header: object) -> str:
    """A template header ("pressure_max [MPa]", "型号 model_number") by the key it names."""
    text = str(header or "")
    for key in ("model_number", "name_zh", "pressure_max", "category"):
        if key in text:
            return key
    return text
