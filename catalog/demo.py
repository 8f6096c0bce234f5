"""Demo catalog for `manage.py seed_demo`: real-named manufacturers, realistic products, some evaluations.

Deterministic (one seeded random generator) so demands written against the demo behave the same on every
machine, and idempotent (products are upserted by model number through the bulk import; evaluations are
keyed by product, author and title).
"""

from __future__ import annotations

import csv
import datetime
import io
import random
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_ADMIN_EMAIL, DEMO_MANUFACTURER, demo_member, demo_organization, demo_user
from accounts.models import Membership, Organization, Province, User
from catalog.data.demo_catalog import (
    BRAND_OTHER_LANGUAGE,
    MADE_IN_CHINA,
    MANUFACTURERS,
    PROFILES,
    REVIEW_TEXTS,
    REVIEWERS,
    Line,
)
from catalog.importing import PRODUCT_COLUMNS, products_import
from catalog.models import Category, DomesticProductRule, Evaluation, Product
from catalog.services.domestic_rules import domestic_rule_create
from catalog.services.evaluations import product_evaluations_refresh

SEED = 20261124

_DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _round(value: float, decimals: int) -> float | int:
    if decimals <= 0:
        return int(round(value, decimals))
    return round(value, decimals)


def _cell(spec: tuple[Any, ...], tier: float, rng: random.Random) -> str:
    kind = spec[0]
    if kind == "c":
        options = spec[1]
        return str(options[min(len(options) - 1, int(tier * len(options)))])
    if kind == "b":
        return "yes" if tier >= spec[1] else "no"
    t = min(1.0, max(0.0, tier + rng.uniform(-0.05, 0.05)))
    if kind == "n":
        worst, best, decimals = spec[1], spec[2], spec[3]
        return f"{_round(worst + (best - worst) * t, decimals)}"
    (lo0, hi0), (lo1, hi1), decimals = spec[1], spec[2], spec[3]
    low = _round(lo0 + (lo1 - lo0) * t, decimals)
    high = _round(hi0 + (hi1 - hi0) * t, decimals)
    return f"{low}~{high}"


def _rows(
    brand: str, country: str, lines: list[Line], provinces: list[str], rng: random.Random
) -> tuple[list[str], list[dict[str, str]]]:
    header = [name for name, _required in PRODUCT_COLUMNS]
    rows = []
    domestic_maker = country == "CN"
    other = BRAND_OTHER_LANGUAGE.get(brand, brand)
    brand_zh, brand_en = (brand, other) if domestic_maker else (other, brand)
    for category, models, low, high in lines:
        profile = PROFILES[category]
        made_in = "CN" if (domestic_maker or (brand, category) in MADE_IN_CHINA) else country
        for index, model in enumerate(models):
            tier = low if len(models) == 1 else low + (high - low) * index / (len(models) - 1)
            price_low, price_high = profile["price"]
            price = price_low + (price_high - price_low) * tier * rng.uniform(0.85, 1.05)
            price = max(price_low * 0.8, round(price, -3))
            if domestic_maker:
                price *= 0.75  # domestic instruments usually list below the imports they replace
                content = round(rng.uniform(0.55, 0.95), 2) if rng.random() > 0.08 else round(rng.uniform(0.3, 0.45), 2)
            else:
                content = round(rng.uniform(0.1, 0.3), 2) if made_in == "CN" else 0
            components = []
            for component in profile["components"]:
                origin = made_in if domestic_maker and rng.random() > 0.25 else rng.choice(["JP", "DE", "US"])
                components.append(f"{component}:{origin if domestic_maker else country}")
            served = rng.sample(provinces, k=rng.randint(8, len(provinces)))
            name_zh, name_en = profile["names"]
            row = {
                "model_number": model,
                "name_zh": f"{brand_zh} {name_zh}",
                "name_en": f"{brand_en} {name_en}",
                "category": category,
                "country_of_origin": made_in,
                "domestic_content": f"{content}",
                "price_min": f"{round(price, -3):.0f}",
                "price_max": f"{round(price * rng.uniform(1.15, 1.5), -3):.0f}",
                "lead_time_days": str(
                    rng.choice([30, 45, 60, 90]) if domestic_maker else rng.choice([60, 90, 120, 180])
                ),
                "warranty_months": str(rng.choice([12, 24, 36])),
                "provinces_served": "; ".join(sorted(served)),
                "key_components": "; ".join(components),
                "certifications": "; ".join(rng.sample(["CMC", "CE", "ISO 9001", "CNAS", "UL"], k=2)),
                "description_zh": f"{name_zh}，型号 {model}，适用于科研与检测实验室。",
                "description_en": f"{name_en} {model} for research and testing laboratories.",
            }
            for key, spec in profile["specs"].items():
                if key not in header:
                    header.append(key)
                row[key] = _cell(spec, tier, rng)
            rows.append(row)
    return header, rows


def _csv(header: list[str], rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _import(manufacturer: Organization, header: list[str], rows: list[dict[str, str]], *, publish: bool) -> int:
    if not rows:
        return 0
    report = products_import(
        manufacturer=manufacturer, user=None, filename="demo.csv", data=_csv(header, rows), publish=publish
    )
    if report.errors:
        first = report.errors[0]
        raise RuntimeError(f"demo catalog row {first.row} column {first.column}: {first.reason}")
    return report.created


def _evaluations(password: str, rng: random.Random) -> int:
    reviewers: list[tuple[User, Organization]] = []
    for email, name, (org_zh, org_en, province) in REVIEWERS:
        organization = demo_organization(
            kind=Organization.Kind.INSTITUTION, name_zh=org_zh, name_en=org_en, province_code=province
        )
        user = demo_user(email=email, full_name=name, password=password)
        demo_member(user, organization, Membership.Role.MEMBER)
        reviewers.append((user, organization))
    products = list(
        Product.objects.filter(status=Product.Status.PUBLISHED, model_number__in=_all_models())
        .order_by("manufacturer__name_en", "model_number")
        .only("id", "is_domestic")
    )
    existing = set(Evaluation.objects.values_list("product_id", "author_id", "title"))
    new: list[Evaluation] = []
    touched: set[int] = set()
    for product in products:
        if rng.random() > 0.3:
            continue
        for user, organization in rng.sample(reviewers, k=rng.randint(1, 3)):
            kind = rng.choice([Evaluation.Kind.PILOT, Evaluation.Kind.REVIEW, Evaluation.Kind.THIRD_PARTY])
            title_zh, title_en = REVIEW_TEXTS[rng.randrange(len(REVIEW_TEXTS))]
            title = f"{title_zh} / {title_en}"
            scores = [min(5, max(2, 4 + rng.choice([-1, 0, 0, 1]))) for _ in range(4)]
            if (product.pk, user.pk, title) in existing or any(
                e.product_id == product.pk and e.author_id == user.pk for e in new
            ):
                continue
            evaluation = Evaluation(
                product_id=product.pk,
                kind=kind,
                author=user,
                organization=organization,
                title=title,
                summary=title_zh,
                accuracy=scores[0],
                stability=scores[1],
                reliability=scores[2],
                service=scores[3],
            )
            if kind == Evaluation.Kind.THIRD_PARTY:
                evaluation.document.save(f"demo-report-{product.pk}-{user.pk}.pdf", ContentFile(_DEMO_PDF), save=False)
            new.append(evaluation)
            touched.add(product.pk)
    Evaluation.objects.bulk_create(new, ignore_conflicts=True)
    for product in Product.objects.filter(pk__in=touched):
        product_evaluations_refresh(product=product)
    return len(new)


# A rule change announced ahead of its date: chromatography gets a 60% China-produced component cost ratio from
# the first day of the month about seven months after the seed (until then produced in China is enough), so the
# product pages show what changes and when however long after this code the demo is seeded.
FUTURE_RULE_CATEGORY = "0105"
FUTURE_RULE_MONTHS_AHEAD = 7
FUTURE_RULE = {
    "component_cost_ratio": "0.600",
    "source": "演示：色谱仪器本国产品组件成本占比要求（示例）",
}


def future_rule_date(seeded_on: datetime.date) -> datetime.date:
    """The first day of the month ``FUTURE_RULE_MONTHS_AHEAD`` months after ``seeded_on``'s."""
    months = seeded_on.year * 12 + seeded_on.month - 1 + FUTURE_RULE_MONTHS_AHEAD
    return datetime.date(months // 12, months % 12 + 1, 1)


def _future_rule(password: str) -> int:
    category = Category.objects.get(code=FUTURE_RULE_CATEGORY)
    today = timezone.localdate()
    # A re-seed while an announced version is still ahead keeps it; once its date has passed, a new one is
    # announced, so the demo always has a future-dated rule.
    if DomesticProductRule.objects.filter(category=category, effective_from__gt=today).exists():
        return 0
    admin = demo_user(
        email=DEMO_ADMIN_EMAIL,
        full_name="平台管理员 Platform Admin",
        password=password,
        is_staff=True,
        is_superuser=True,
    )
    domestic_rule_create(user=admin, category=category, effective_from=future_rule_date(today), **FUTURE_RULE)
    return 1


def _all_models() -> list[str]:
    return [model for *_head, lines in MANUFACTURERS for _c, models, _lo, _hi in lines for model in models]


def seed(*, password: str, stdout: Any) -> None:
    rng = random.Random(SEED)
    provinces = list(Province.objects.order_by("code").values_list("code", flat=True))
    created = 0
    with transaction.atomic():
        for name_zh, name_en, province, country, brand, lines in MANUFACTURERS:
            manufacturer = demo_organization(
                kind=Organization.Kind.MANUFACTURER,
                name_zh=name_zh,
                name_en=name_en,
                province_code=province,
                country=country,
            )
            header, rows = _rows(brand, country, lines, provinces, rng)
            # A few products stay drafts, so dashboards show every status.
            drafts = rows[-1:] if name_zh == DEMO_MANUFACTURER[0] else [r for r in rows if rng.random() < 0.05]
            published = [row for row in rows if row not in drafts]
            created += _import(manufacturer, header, published, publish=True)
            created += _import(manufacturer, header, drafts, publish=False)
        evaluations = _evaluations(password, rng)
        rules = _future_rule(password)
    total = Product.objects.filter(model_number__in=_all_models()).count()
    stdout.write(
        f"  demo catalog: {len(MANUFACTURERS)} manufacturers, {total} products ({created} new), "
        f"{evaluations} new evaluations, {rules} new domestic-product rule"
    )
