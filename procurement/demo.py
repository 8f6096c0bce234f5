"""Demo demands and shared instruments for `manage.py seed_demo`.

Requirements are derived from the catalog in the database at seed time (the catalog demo runs first), with one
seeded random generator and rows ordered by id, so the same catalog gives the same demands:

- "domestic" demands ask a little less than a published domestic product offers (a domestic match exists);
- "imported" demands ask what only an imported product offers (better than every domestic product of the
  category on that parameter);
- "beyond" demands ask more than any product offers (nobody meets them: a gap).

With an empty catalog the values come from each parameter's sane range, so the seed still works.
Idempotent: demands are keyed by institution and title, shared instruments by institution and name.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils import timezone

from accounts.demo import DEMO_INSTITUTION, DEMO_RESEARCHER_EMAIL, demo_member, demo_organization, demo_user
from accounts.models import Membership, Organization, Province, User
from catalog.models import Category, Parameter, Product, Specification
from catalog.selectors import category_ancestor_codes, category_is_within, category_parameters
from procurement import services
from procurement.demo_showcase import seed_showcase
from procurement.models import Demand, SharedInstrument
from procurement.requirement_rules import RequirementInput

SEED = 20261125
DEMANDS_PER_INSTITUTION = 6

# (Chinese name, English name, province code, researcher e-mail, researcher name)
INSTITUTIONS: list[tuple[str, str, str, str, str]] = [
    (DEMO_INSTITUTION[0], DEMO_INSTITUTION[1], DEMO_INSTITUTION[2], DEMO_RESEARCHER_EMAIL, "李研究员 Li Yan"),
    ("清华大学", "Tsinghua University", "110000", "zhang.wei@tsinghua.demo.local", "张伟 Zhang Wei"),
    ("北京大学", "Peking University", "110000", "wang.fang@pku.demo.local", "王芳 Wang Fang"),
    ("复旦大学", "Fudan University", "310000", "liu.yang@fudan.demo.local", "刘洋 Liu Yang"),
    ("浙江大学", "Zhejiang University", "330000", "chen.jing@zju.demo.local", "陈静 Chen Jing"),
    (
        "中国科学技术大学",
        "University of Science and Technology of China",
        "340000",
        "yang.lei@ustc.demo.local",
        "杨磊 Yang Lei",
    ),
    (
        "中国科学院大连化学物理研究所",
        "Dalian Institute of Chemical Physics, CAS",
        "210000",
        "zhao.min@dicp.demo.local",
        "赵敏 Zhao Min",
    ),
    ("南京大学", "Nanjing University", "320000", "huang.tao@nju.demo.local", "黄涛 Huang Tao"),
    ("武汉大学", "Wuhan University", "420000", "zhou.li@whu.demo.local", "周丽 Zhou Li"),
    ("中山大学", "Sun Yat-sen University", "440000", "wu.qiang@sysu.demo.local", "吴强 Wu Qiang"),
    ("西安交通大学", "Xi'an Jiaotong University", "610000", "xu.na@xjtu.demo.local", "徐娜 Xu Na"),
    ("四川大学", "Sichuan University", "510000", "sun.hao@scu.demo.local", "孙浩 Sun Hao"),
]

# Research purposes: (Chinese, English).
PURPOSES: list[tuple[str, str]] = [
    ("蛋白质组学研究", "proteomics research"),
    ("环境污染物监测", "environmental pollutant monitoring"),
    ("新能源材料表征", "characterisation of energy materials"),
    ("药物杂质分析", "pharmaceutical impurity analysis"),
    ("催化反应机理研究", "catalysis mechanism studies"),
    ("食品安全检测", "food-safety testing"),
    ("地球化学样品分析", "geochemical sample analysis"),
    ("半导体器件表征", "semiconductor device characterisation"),
    ("本科教学实验平台", "undergraduate teaching laboratory"),
    ("代谢组学研究", "metabolomics research"),
    ("高分子材料研究", "polymer materials research"),
    ("公共测试平台升级", "shared analytical facility upgrade"),
]

SCENARIOS = ("domestic", "domestic", "imported", "domestic", "beyond", "imported")

# Instruments institutions already share (Chinese name, English name, category code, manufacturer, model).
SHARED: list[tuple[str, str, str, str]] = [
    ("高效液相色谱仪", "010501", "岛津 Shimadzu", "LC-20AT"),
    ("超高效液相色谱仪", "010501", "Waters", "ACQUITY UPLC H-Class"),
    ("气相色谱仪", "010502", "安捷伦 Agilent", "8890"),
    ("气相色谱质谱联用仪", "010502", "岛津 Shimadzu", "GCMS-QP2020 NX"),
    ("离子色谱仪", "010503", "赛默飞 Thermo Fisher", "Dionex Aquion"),
    ("电化学工作站", "010701", "上海辰华 CH Instruments", "CHI660E"),
    ("热重分析仪", "010901", "耐驰 NETZSCH", "TG 209 F3"),
    ("差示扫描量热仪", "010902", "TA Instruments", "DSC 25"),
    ("同步热分析仪", "010903", "梅特勒-托利多 Mettler Toledo", "TGA/DSC 3+"),
    ("飞秒激光器", "0903", "相干 Coherent", "Astrella"),
    ("光纤激光器", "0902", "锐科激光 Raycus", "RFL-C1000"),
]


BUILDINGS = ("分析测试中心", "化学楼", "材料楼", "公共仪器平台")


def _researcher(index: int, password: str) -> tuple[Organization, User]:
    name_zh, name_en, province, email, full_name = INSTITUTIONS[index]
    institution = demo_organization(
        kind=Organization.Kind.INSTITUTION, name_zh=name_zh, name_en=name_en, province_code=province
    )
    user = demo_user(email=email, full_name=full_name, password=password)
    demo_member(user, institution, Membership.Role.ADMIN)
    return institution, user


def _round(value: float) -> float:
    """Three significant figures: what a person writes in a tender."""
    if value == 0:
        return 0.0
    return float(f"{value:.3g}")


def _clamp(value: float, parameter: Parameter) -> float:
    if parameter.min_value is not None:
        value = max(value, parameter.min_value)
    if parameter.max_value is not None:
        value = min(value, parameter.max_value)
    return value


class CatalogView:
    """What the catalog offers per category, read once."""

    def __init__(self) -> None:
        self.products: dict[int, list[Product]] = defaultdict(list)
        self.specs: dict[int, dict[str, Specification]] = defaultdict(dict)
        published = Product.objects.filter(status=Product.Status.PUBLISHED).select_related("category").order_by("id")
        by_id = {}
        for product in published:
            self.products[product.category_id].append(product)
            by_id[product.pk] = product
        for spec in (
            Specification.objects.filter(product_id__in=list(by_id))
            .select_related("parameter")
            .order_by("product_id", "parameter_id")
        ):
            self.specs[spec.product_id][spec.parameter.key] = spec

    def categories(self) -> list[Category]:
        """Categories with a dictionary, those with published products first (ordered by path)."""
        with_parameters = set(Parameter.objects.values_list("category__code", flat=True))
        result = []
        for category in Category.objects.order_by("path"):
            if with_parameters & set(category_ancestor_codes(category)):
                result.append(category)
        stocked = [c for c in result if self.products.get(c.pk)]
        return stocked or [c for c in result if c.depth > 0] or result


def _number_input(parameter: Parameter, value: float, *, ask: str) -> RequirementInput | None:
    """A requirement on a number parameter, a little easier ("easier") or harder ("harder") than ``value``."""
    if parameter.better not in (Parameter.Better.HIGHER, Parameter.Better.LOWER):
        return None
    higher = parameter.better == Parameter.Better.HIGHER
    factor = {"easier": 0.9, "same": 1.0, "harder": 1.25}[ask]
    target = _round(value * factor if higher else value / factor)
    if float(value).is_integer() and abs(value) >= 1:
        # Counts (positions, inlets, channels) stay whole, rounded towards the easier side.
        target = float(math.floor(target) if higher == (ask != "harder") else math.ceil(target))
    target = _clamp(target, parameter)
    if ask == "harder" and ((higher and target <= value) or (not higher and target >= value)):
        return None  # the sane range leaves no room above the best product
    if ask == "easier" and ((higher and target > value) or (not higher and target < value)):
        target = value
    return RequirementInput(parameter.key, ">=" if higher else "<=", value=target, unit=parameter.unit)


def _requirement_from_spec(
    parameter: Parameter, spec: Specification, rng: random.Random, *, ask: str = "easier"
) -> RequirementInput | None:
    kind = parameter.value_type
    if kind == Parameter.ValueType.NUMBER and spec.value is not None:
        return _number_input(parameter, spec.value, ask=ask)
    if kind == Parameter.ValueType.RANGE and spec.value_min is not None and spec.value_max is not None:
        span = spec.value_max - spec.value_min
        if ask == "harder":
            low, high = spec.value_min - span * 0.2, spec.value_max + span * 0.2
        else:
            low, high = spec.value_min + span * 0.1, spec.value_max - span * 0.1
        low, high = _clamp(_round(low), parameter), _clamp(_round(high), parameter)
        if low >= high or (ask != "harder" and (low < spec.value_min or high > spec.value_max)):
            low, high = spec.value_min, spec.value_max
        return RequirementInput(parameter.key, "covers", value_min=low, value_max=high, unit=parameter.unit)
    if kind == Parameter.ValueType.CHOICE and spec.value_text:
        others = [str(c) for c in parameter.choices if str(c) != spec.value_text]
        extra = rng.sample(others, k=min(len(others), rng.randint(0, 2)))
        return RequirementInput(parameter.key, "in", choices=[spec.value_text, *extra])
    if kind == Parameter.ValueType.BOOLEAN and spec.value_bool:
        return RequirementInput(parameter.key, "=", value=True)
    return None


def _from_range(parameter: Parameter, rng: random.Random) -> RequirementInput | None:
    """A plausible requirement from the parameter's sane range alone (no products to learn from)."""
    low, high = parameter.min_value, parameter.max_value
    if parameter.value_type == Parameter.ValueType.CHOICE and parameter.choices:
        return RequirementInput(parameter.key, "in", choices=[str(parameter.choices[0])])
    if parameter.value_type == Parameter.ValueType.BOOLEAN:
        return RequirementInput(parameter.key, "=", value=True)
    if low is None or high is None or high <= low:
        return None
    if parameter.value_type == Parameter.ValueType.RANGE:
        return RequirementInput(
            parameter.key,
            "covers",
            value_min=_round(low + (high - low) * 0.1),
            value_max=_round(low + (high - low) * 0.4),
            unit=parameter.unit,
        )
    return _number_input(parameter, _round(low + (high - low) * rng.uniform(0.2, 0.5)), ask="same")


def _requirements(
    category: Category, scenario: str, catalog: CatalogView, rng: random.Random
) -> tuple[list[RequirementInput], str, Product | None]:
    """Requirements for one demand, the scenario actually used, and the product they were written from."""
    parameters = {p.key: p for p in category_parameters(category)}
    subtree = [
        p for cat_id, products in catalog.products.items() for p in products if category_is_within(p.category, category)
    ]
    subtree.sort(key=lambda p: p.pk)
    domestic = [p for p in subtree if p.is_domestic]
    imported = [p for p in subtree if not p.is_domestic]
    if not subtree:
        rows = [r for r in (_from_range(p, rng) for p in parameters.values()) if r is not None]
        return rng.sample(rows, k=min(len(rows), 3)), "plain", None

    def best(products: list[Product], key: str) -> float | None:
        parameter = parameters[key]
        values: list[float] = [
            v for p in products if key in catalog.specs[p.pk] and (v := catalog.specs[p.pk][key].value) is not None
        ]
        if not values:
            return None
        return max(values) if parameter.better == Parameter.Better.HIGHER else min(values)

    def is_better(parameter: Parameter, a: float, b: float) -> bool:
        return a > b if parameter.better == Parameter.Better.HIGHER else a < b

    directed = [
        key
        for key, p in parameters.items()
        if p.value_type == Parameter.ValueType.NUMBER and p.better in (Parameter.Better.HIGHER, Parameter.Better.LOWER)
    ]
    if scenario == "imported" and imported and domestic:
        candidates = []
        for product in imported:
            for key in directed:
                spec = catalog.specs[product.pk].get(key)
                top = best(domestic, key)
                if spec is None or spec.value is None or top is None:
                    continue
                if is_better(parameters[key], spec.value, top):
                    candidates.append((product, key))
        if candidates:
            product, key = rng.choice(candidates)
            # Exactly the imported product's value: better than every domestic one, met by the import.
            headline = RequirementInput(
                key,
                ">=" if parameters[key].better == "higher" else "<=",
                value=catalog.specs[product.pk][key].value,
                unit=parameters[key].unit,
            )
            return [headline, *_easier_rows(product, parameters, catalog, rng, skip={key})], "imported", product
    if scenario == "beyond":
        for key in rng.sample(directed, k=len(directed)):
            top = best(subtree, key)
            if top is None:
                continue
            beyond = _number_input(parameters[key], top, ask="harder")
            if beyond is not None:
                anchor = next((p for p in subtree if key in catalog.specs[p.pk]), subtree[0])
                return [beyond, *_easier_rows(anchor, parameters, catalog, rng, skip={key})], "beyond", anchor
    # Without a domestic product in the category, what a demand can ask for is met by imports only.
    product = rng.choice(domestic or subtree)
    rows = _easier_rows(product, parameters, catalog, rng, skip=set(), count=rng.randint(3, 5))
    return rows, "domestic" if domestic else "imported", product


def _easier_rows(
    product: Product,
    parameters: dict[str, Parameter],
    catalog: CatalogView,
    rng: random.Random,
    *,
    skip: set[str],
    count: int = 2,
) -> list[RequirementInput]:
    keys = [k for k in sorted(catalog.specs[product.pk]) if k in parameters and k not in skip]
    rows = []
    for key in rng.sample(keys, k=len(keys)):
        row = _requirement_from_spec(parameters[key], catalog.specs[product.pk][key], rng)
        if row is not None:
            if rng.random() < 0.3 and row.operator != "covers":
                row = RequirementInput(
                    row.parameter_key,
                    row.operator,
                    value=row.value,
                    choices=row.choices,
                    unit=row.unit,
                    is_mandatory=False,
                    weight=rng.choice([1.0, 2.0, 3.0]),
                )
            rows.append(row)
        if len(rows) >= count:
            break
    return rows


def _budget(product: Product | None, rng: random.Random) -> Decimal:
    if product is not None and product.price_max:
        base = float(product.price_max) * rng.uniform(0.9, 1.4)
    else:
        base = rng.uniform(150_000, 2_500_000)
    return Decimal(int(round(base, -4)))


def _title(category: Category, purpose: tuple[str, str], index: int, english: bool) -> str:
    if english:
        return f"{category.name_en} for {purpose[1]}"
    patterns = ("{name}采购（{purpose}）", "{purpose}用{name}", "{name}一套：{purpose}", "购置{name}用于{purpose}")
    return patterns[index % len(patterns)].format(name=category.name_zh, purpose=purpose[0])


def _description(category: Category, purpose: tuple[str, str], scenario: str, english: bool) -> str:
    if english:
        return (
            f"The laboratory needs a {category.name_en.lower().rstrip('s')} for {purpose[1]}. Installation, "
            "on-site training and a two-year warranty are expected; the supplier should provide application "
            "support for method development."
        )
    extra = {
        "imported": "现有国产设备在关键指标上尚不能满足实验要求，欢迎国产厂商说明改进方案。",
        "beyond": "指标要求较高，属于前沿研究需要。",
    }.get(scenario, "优先考虑国产设备。")
    return (
        f"课题组开展{purpose[0]}，需购置{category.name_zh}。要求供应商负责安装调试、现场培训，"
        f"质保期不少于两年，并提供方法开发支持。{extra}"
    )


def seed(*, password: str, stdout: Any) -> None:
    rng = random.Random(SEED)
    catalog = CatalogView()
    categories = catalog.categories()
    provinces = {p.code: p for p in Province.objects.all()}
    today = timezone.localdate()
    created = {"demands": 0, "shared": 0}
    for inst_index in range(len(INSTITUTIONS)):
        institution, researcher = _researcher(inst_index, password)
        for n in range(DEMANDS_PER_INSTITUTION):
            serial = inst_index * DEMANDS_PER_INSTITUTION + n
            category = categories[serial % len(categories)] if categories else None
            if category is None:
                break
            purpose = PURPOSES[serial % len(PURPOSES)]
            english = serial % 7 == 3
            title = _title(category, purpose, serial, english)
            if Demand.objects.filter(institution=institution, title=title).exists():
                continue
            scenario = SCENARIOS[serial % len(SCENARIOS)]
            requirements, used, product = _requirements(category, scenario, catalog, rng)
            # Most demands are open; a few stay drafts, one in eight is awarded, one in ten expired.
            fate = (
                "draft"
                if serial % 9 == 4
                else "awarded"
                if serial % 8 == 5
                else "expired"
                if serial % 10 == 7
                else "open"
            )
            demand = services.demand_create(
                user=researcher,
                institution=institution,
                title=title,
                description=_description(category, purpose, used, english),
                category=category,
                quantity=1 if serial % 5 else 2,
                budget=_budget(product, rng),
                deadline=today + datetime.timedelta(days=rng.randint(20, 120)),
                delivery_province=provinces[INSTITUTIONS[inst_index][2]],
                funding=Demand.Funding.OTHER if serial % 6 == 1 else Demand.Funding.FISCAL,
                accepts_imported=used == "imported",
                import_reason="关键指标目前仅进口设备达到。" if used == "imported" else "",
                free_text_requirements="需提供三年内同类用户名单及售后服务网点说明。" if serial % 4 == 0 else "",
                contact_name=researcher.full_name.split(" ")[0],
                contact_phone=f"0{10 + inst_index}-{rng.randint(60000000, 89999999)}",
                contact_email=researcher.email,
                requirements=requirements,
            )
            created["demands"] += 1
            if fate == "draft":
                continue
            still_needed = serial % 3 == 0
            services.demand_shared_check_answer(
                demand=demand,
                user=researcher,
                answer=Demand.SharedCheck.STILL_NEEDED if still_needed else Demand.SharedCheck.NONE_FOUND,
                reason="现有共享设备机时已满，且无法满足检测指标。" if still_needed else "",
            )
            demand = services.demand_open(demand=demand, user=researcher)
            if used == "imported" and product is not None and not product.is_domestic and serial % 4 == 2:
                # A few buyers have filed the evidence for an import, so the review queue is not empty.
                services.import_justification_submit(
                    demand=demand,
                    user=researcher,
                    imported_product=product,
                    reason="经调研，国产同类产品在关键指标上尚未达到实验要求，已对比国内主要厂商的最新型号，"
                    "现阶段只能采购进口设备；国产产品达到要求后将优先采购。",
                )
            if fate == "awarded":
                winner = product if product is not None and product.is_domestic else None
                if winner is not None:
                    if not demand.quotes_are_open:
                        # A sealed demand is awarded after its quotes open: its deadline passes (for the demo, by
                        # moving it) first.
                        Demand.objects.filter(pk=demand.pk).update(deadline=today - datetime.timedelta(days=1))
                        services.quotes_open_due()
                        demand.refresh_from_db()
                    services.demand_award(demand=demand, user=researcher, product=winner, note="综合评审第一名")
                else:
                    services.demand_close(demand=demand, user=researcher)
            elif fate == "expired":
                # The deadline lies in the past only for demo purposes: the periodic task then expires it.
                Demand.objects.filter(pk=demand.pk).update(deadline=today - datetime.timedelta(days=3))
        created["shared"] += _shared_instruments(institution, researcher, inst_index, rng)
    expired = services.demand_expire_overdue().expired_ids
    seed_showcase(password=password, stdout=stdout)
    by_status = dict(Demand.objects.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    stdout.write(
        f"  demo demands: {created['demands']} new, {len(expired)} expired now, {created['shared']} new shared "
        f"instruments; in all {SharedInstrument.objects.count()} shared instruments and demands by status "
        f"{by_status}"
    )


def _shared_instruments(institution: Organization, user: User, index: int, rng: random.Random) -> int:
    categories = {c.code: c for c in Category.objects.filter(code__in=[row[1] for row in SHARED])}
    available = [row for row in SHARED if row[1] in categories]
    if not available:
        fallback = list(Category.objects.filter(depth__gt=0).order_by("path")[:8]) or list(
            Category.objects.order_by("path")[:8]
        )
        available = [(c.name_zh, c.code, "", "") for c in fallback]
        categories = {c.code: c for c in fallback}
    created = 0
    for k in range(4):
        name, code, maker, model = available[(index * 3 + k) % len(available)]
        full_name = f"{name}（{model}）" if model else name
        if SharedInstrument.objects.filter(institution=institution, name=full_name).exists():
            continue
        services.shared_instrument_create(
            user=user,
            institution=institution,
            category=categories[code],
            name=full_name,
            model_name=model,
            manufacturer_name=maker,
            location=f"{rng.choice(BUILDINGS)} {rng.randint(1, 6)}{rng.randint(1, 30):02d} 室",
            province=institution.province or Province.objects.get(code="110000"),
            booking_contact=f"{user.email} / 0{10 + index}-{rng.randint(60000000, 89999999)}",
            booking_url="",
            is_open_to_external=k != 3,
        )
        created += 1
    return created
