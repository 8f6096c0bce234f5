"""Demo data: one sealed fiscal demand taken all the way, so every step can be seen.

Three quotes (two domestic, one imported) opened at the deadline, the comparison, an approved import
justification with its dossier and its expert panel, and the award on the frozen comparison with its public notice.
Safe to run again: the demand is looked up by its title.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.demo import DEMO_ADMIN_EMAIL, DEMO_INSTITUTION, DEMO_RESEARCHER_EMAIL, demo_member, demo_user
from accounts.models import Organization, Province, User
from catalog.models import Category, Product
from catalog.selectors import category_subtree_q
from procurement import services
from procurement.comparison import comparison_build
from procurement.models import Demand

TITLE = "超高效液相色谱仪（财政资金，密封报价示范）"
CATEGORY_CODE = "010501"
PRICES = (Decimal("520000"), Decimal("610000"), Decimal("560000"))  # domestic, domestic, imported
OPINION = "经审阅论证材料，所列国产产品在关键指标上与实验方法要求存在差距，同意采购进口产品。"


def _quoter(product: Product, password: str, index: int) -> User | None:
    """A member of the product's manufacturer (a demo one when it has none); None for an unverified maker."""
    maker = product.manufacturer
    if not maker.is_verified:
        return None
    member = User.objects.filter(memberships__organization=maker, is_active=True).order_by("pk").first()
    if member is None:
        member = demo_user(email=f"quoter{index}@demo.local", full_name=f"报价员 Quoter {index}", password=password)
        demo_member(member, maker)
    return member


def seed_showcase(*, password: str, stdout: Any) -> None:
    if Demand.objects.filter(title=TITLE).exists():
        return
    institution = Organization.objects.filter(name_zh=DEMO_INSTITUTION[0]).first()
    researcher = User.objects.filter(email=DEMO_RESEARCHER_EMAIL).first()
    admin = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
    category = Category.objects.filter(code=CATEGORY_CODE).first()
    if not (institution and researcher and admin and category):
        return
    published = Product.objects.filter(category_subtree_q(category), status=Product.Status.PUBLISHED).select_related(
        "manufacturer", "category"
    )
    chosen: list[tuple[Product, User]] = []
    makers: set[int] = set()
    for is_domestic, wanted in ((True, 2), (False, 1)):
        found = 0
        for product in published.filter(is_domestic=is_domestic).order_by("pk"):
            if found == wanted or product.manufacturer_id in makers:
                continue
            quoter = _quoter(product, password, len(chosen) + 1)
            if quoter is not None:
                chosen.append((product, quoter))
                makers.add(product.manufacturer_id)
                found += 1
    if len(chosen) < 3:
        stdout.write("  showcase demand skipped: the catalog lacks two domestic and one imported HPLC product")
        return
    today = timezone.localdate()
    demand = services.demand_create(
        user=researcher,
        institution=institution,
        title=TITLE,
        description="药物杂质分析用超高效液相色谱仪，财政资金采购；报价密封，截止日期后统一开启并比较。",
        category=category,
        budget=Decimal("700000"),
        deadline=today + datetime.timedelta(days=30),
        delivery_province=Province.objects.get(code=DEMO_INSTITUTION[2]),
        accepts_imported=True,
        import_reason="若国产设备无法满足药典方法的验证要求，可接受进口设备。",
        free_text_requirements="需满足药典方法验证要求，提供安装调试、培训和三年质保。",
    )
    services.demand_shared_check_answer(demand=demand, user=researcher, answer=Demand.SharedCheck.NONE_FOUND)
    demand = services.demand_open(demand=demand, user=researcher)
    quotes = []
    for (product, quoter), price in zip(chosen, PRICES, strict=True):
        quotes.append(
            services.quote_submit(
                user=quoter,
                demand=demand,
                product=product,
                unit_price=price,
                lead_time_days=60,
                warranty_months=36,
                service_provinces=list(Province.objects.filter(code__in=["110000", "310000"])),
                service_response_hours=24,
                message="含安装调试、培训与三年质保。",
            )
        )
    # The deadline passes (for the demo, by moving it) and the sealed quotes open together.
    Demand.objects.filter(pk=demand.pk).update(deadline=today - datetime.timedelta(days=1))
    services.quotes_open_due()
    demand.refresh_from_db()
    imported, _quoter_user = chosen[2]
    justification = services.import_justification_submit(
        demand=demand,
        user=researcher,
        imported_product=imported,
        reason="药典方法验证要求的检测限与耐压指标，经对比所报国产型号，需专家论证是否只能采购进口设备。",
        domestic_products_considered=[chosen[0][0], chosen[1][0]],
    )
    experts = [
        demo_user(email=f"expert{n}@demo.local", full_name=f"论证专家{n} Expert {n}", password=password)
        for n in range(1, 6)
    ]
    services.expert_panel_assign(
        justification=justification,
        user=admin,
        legal_experts=[experts[0].email],
        product_experts=[e.email for e in experts[1:]],
    )
    for expert in experts[:3]:
        services.expert_opinion_sign(justification=justification, user=expert, decision="approve", opinion=OPINION)
    services.import_dossier_build(justification=justification, user=researcher)
    # The buyer awards the first of the comparison (the lowest evaluated price): the notice is public.
    comparison = comparison_build(demand=demand)
    winner = next(q for q in quotes if q.pk == comparison["quotes"][0]["quote"])
    award = services.demand_award(
        demand=demand,
        user=researcher,
        quote=winner,
        note="评审价最低且满足全部要求，按本国产品价格评审优惠比较后确定。",
    )
    stdout.write(f"  showcase: sealed fiscal demand {demand.pk} with 3 opened quotes, award notice {award.pk}")
