"""Bad input, as people type it: every mistake is a form error on the page in the reader's language, never a server
error, and nothing is saved; a missing page and a page of another role explain themselves."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from catalog.models import Category, Product
from procurement.models import Demand

WORDS = {
    "zh-hans": {"missing": "找不到该页面", "forbidden": "您无权打开此页面", "login": "请输入"},
    "en": {"missing": "This page does not exist", "forbidden": "You may not open this page", "login": "Please enter"},
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_bad_input_is_explained_on_the_page_and_saves_nothing(open_tab, language):
    words = WORDS[language]
    tab = open_tab(language)

    # A missing page is the platform's own, in the reader's language.
    tab.go("/catalog/products/999999/", status=404)
    assert words["missing"] in tab.text()
    tab.go("/no/such/page/", status=404)

    # A wrong password.
    tab.go("/accounts/login/")
    form = tab.page.locator("main form")
    form.locator("[name=username]").fill("researcher@demo.local")
    form.locator("[name=password]").fill("not-the-password")
    tab.submit(form.locator("button[type=submit]"))
    assert words["login"] in tab.text()

    # A search whose price range is upside down.
    tab.go("/search/?q=HPLC&price_min=900000&price_max=1000")
    assert tab.page.locator("main .alert-danger").count() == 1

    researcher = User.objects.get(email="researcher@demo.local")
    User.objects.filter(pk=researcher.pk).update(preferred_language=language)
    tab.log_in(researcher.email)

    # A demand with no quantity, a negative budget, a deadline in the past and a requirement that is not a number.
    before = Demand.objects.count()
    tab.go("/demands/new/")
    form = tab.page.locator("main form").first
    lc = Category.objects.get(code="010501")
    form.locator("[name=category]").select_option(str(lc.pk))
    form.locator("[name='req-pressure_max-include']").wait_for()
    form.locator("[name=title]").fill("错误输入的需求")
    form.locator("[name=quantity]").fill("0")
    form.locator("[name=budget]").fill("-100")
    form.locator("[name=deadline]").fill((timezone.localdate() - datetime.timedelta(days=3)).isoformat())
    form.locator("[name=delivery_province]").select_option("110000")
    form.locator("[name='req-pressure_max-include']").check()
    form.locator("[name='req-pressure_max-value']").fill("很高")
    tab.submit(form.locator("button[type=submit]"))
    assert Demand.objects.count() == before
    assert tab.page.locator("main .invalid-feedback, main .text-danger, main .alert-danger").count() >= 1

    # A page that belongs to another role.
    tab.go("/accounts/verification-queue/", status=403)
    assert words["forbidden"] in tab.text()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_bad_product_specifications_are_form_errors(open_tab, language):
    maker = User.objects.get(email="maker@demo.local")
    User.objects.filter(pk=maker.pk).update(preferred_language=language)
    tab = open_tab(language)
    tab.log_in(maker.email)
    tab.go("/catalog/dashboard/products/new/")
    form = tab.page.locator("main form")
    lc = Category.objects.get(code="010501")
    form.locator("[name=category]").select_option(str(lc.pk))
    form.locator("[name='spec-pressure_max__value']").wait_for()
    form.locator("[name=model_number]").fill(f"BAD-{language}")
    form.locator("[name=name_zh]").fill("指标有误的产品")
    # 50,000 MPa is no liquid chromatograph; a range whose minimum exceeds its maximum
    form.locator("[name='spec-pressure_max__value']").fill("50000")
    form.locator("[name='spec-wavelength__min']").fill("900")
    form.locator("[name='spec-wavelength__max']").fill("190")
    form.locator("[name=price_min]").fill("-5")
    tab.submit(form.locator("button[type=submit]"))
    assert not Product.objects.filter(model_number=f"BAD-{language}").exists()
    assert tab.page.locator("main .text-danger, main .alert-danger").count() >= 1
