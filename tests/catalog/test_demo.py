from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.utils import timezone

from catalog import demo
from catalog.models import Category, DomesticProductRule, Evaluation, Product
from catalog.selectors import product_domestic_alternatives


def test_demo_catalog_is_realistic_deterministic_and_idempotent(db):
    out = io.StringIO()
    demo.seed(password="demo-pass-2026", stdout=out)
    products = Product.objects.all()
    manufacturers = {p.manufacturer_id for p in products}
    assert len(manufacturers) >= 25
    assert products.count() >= 200
    assert len({p.category_id for p in products}) >= 10
    assert products.filter(is_domestic=True).count() >= 50 and products.filter(is_domestic=False).count() >= 50
    assert products.filter(status=Product.Status.DRAFT).exists()
    # a rule change announced for a future date
    today = timezone.localdate()
    future = DomesticProductRule.objects.get(category__code="0105", effective_from__gt=today)
    assert future.component_cost_ratio == Decimal("0.6")
    assert future.effective_from == demo.future_rule_date(today)
    assert future.effective_from.day == 1 and 180 <= (future.effective_from - today).days <= 215
    assert not products.filter(specifications__isnull=True).exists()
    assert all(p.name_zh and p.name_en for p in products)
    # both names carry the brand in their own language
    assert products.get(model_number="SEM5000X").name_en == "CIQTEK Scanning electron microscope"
    assert products.get(model_number="Nexera X3").name_zh == "岛津 高效液相色谱仪"
    maker_products = products.filter(manufacturer__name_zh=demo.MANUFACTURERS[0][0])
    assert maker_products.count() >= 5
    published_with_reviews = products.filter(status=Product.Status.PUBLISHED, evaluation_count__gt=0)
    assert published_with_reviews.count() >= 20
    # an imported LC has domestic alternatives among the demo products
    lc = Category.objects.get(code="010501")
    imported_lc = products.filter(category=lc, is_domestic=False, status=Product.Status.PUBLISHED)
    assert any(product_domestic_alternatives(product=p) for p in imported_lc)

    snapshot = sorted(products.values_list("model_number", "price_min", "is_domestic", "status"))
    evaluations = Evaluation.objects.count()
    demo.seed(password="demo-pass-2026", stdout=out)
    assert sorted(Product.objects.values_list("model_number", "price_min", "is_domestic", "status")) == snapshot
    assert Evaluation.objects.count() == evaluations
    assert DomesticProductRule.objects.filter(category__code="0105", effective_from__gt=today).count() == 1


def test_the_demo_rule_change_is_dated_about_seven_months_after_the_seed():
    assert demo.future_rule_date(datetime.date(2026, 12, 2)) == datetime.date(2027, 7, 1)
    assert demo.future_rule_date(datetime.date(2026, 5, 31)) == datetime.date(2026, 12, 1)
    assert demo.future_rule_date(datetime.date(2026, 6, 1)) == datetime.date(2027, 1, 1)
