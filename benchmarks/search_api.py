"""Search API latency with 100,000 products on PostgreSQL (database backend).

Creates (if needed) and migrates the database ``bench_search``, generates 100,000 published products with
Chinese and English names across the classification table, indexes them through the search bulk path, then
sends 200 mixed Chinese/English queries (some with filters) to ``/api/v1/search/`` and prints p50 and p95.

    DATABASE_URL=postgres://postgres@localhost:5432/bench_search .venv/bin/python benchmarks/search_api.py

Options: ``--products N`` (default 100000), ``--queries N`` (default 200), ``--reindex`` (index again even when
the index is complete).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from benchmarks.common import bench_database_url  # noqa: E402

os.environ["DATABASE_URL"] = bench_database_url(os.environ.get("DATABASE_URL"), "bench_search")
# Production-like request handling: no debug query log; the benchmark client must not be throttled.
os.environ.setdefault("DJANGO_DEBUG", "False")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "False")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
os.environ.setdefault("API_THROTTLE_ANON", "1000000/min")
os.environ.setdefault("SEARCH_BACKEND", "database")

# (Chinese name, English name, abbreviation or "", category code prefix to prefer)
INSTRUMENT_TYPES = [
    ("高效液相色谱仪", "High performance liquid chromatograph", "HPLC", "0101"),
    ("超高效液相色谱仪", "Ultra high performance liquid chromatograph", "UHPLC", "0101"),
    ("气相色谱仪", "Gas chromatograph", "GC", "0101"),
    ("离子色谱仪", "Ion chromatograph", "IC", "0101"),
    ("气相色谱质谱联用仪", "Gas chromatograph mass spectrometer", "GC-MS", "0102"),
    ("液相色谱质谱联用仪", "Liquid chromatograph mass spectrometer", "LC-MS", "0102"),
    ("电感耦合等离子体质谱仪", "Inductively coupled plasma mass spectrometer", "ICP-MS", "0102"),
    ("飞行时间质谱仪", "Time of flight mass spectrometer", "TOF", "0102"),
    ("电感耦合等离子体发射光谱仪", "Inductively coupled plasma optical emission spectrometer", "ICP-OES", "0103"),
    ("紫外可见分光光度计", "UV-Vis spectrophotometer", "UV-Vis", "0103"),
    ("傅里叶变换红外光谱仪", "Fourier transform infrared spectrometer", "FTIR", "0103"),
    ("拉曼光谱仪", "Raman spectrometer", "Raman", "0103"),
    ("原子吸收分光光度计", "Atomic absorption spectrometer", "AAS", "0103"),
    ("原子荧光光谱仪", "Atomic fluorescence spectrometer", "AFS", "0103"),
    ("荧光分光光度计", "Fluorescence spectrophotometer", "", "0103"),
    ("扫描电子显微镜", "Scanning electron microscope", "SEM", "0104"),
    ("透射电子显微镜", "Transmission electron microscope", "TEM", "0104"),
    ("X射线衍射仪", "X-ray diffractometer", "XRD", "0105"),
    ("X射线荧光光谱仪", "X-ray fluorescence spectrometer", "XRF", "0105"),
    ("X射线光电子能谱仪", "X-ray photoelectron spectrometer", "XPS", "0105"),
    ("核磁共振波谱仪", "Nuclear magnetic resonance spectrometer", "NMR", "0106"),
    ("电子顺磁共振波谱仪", "Electron paramagnetic resonance spectrometer", "EPR", "0106"),
    ("电化学工作站", "Electrochemical workstation", "", "0107"),
    ("激光共聚焦显微镜", "Confocal laser scanning microscope", "CLSM", "0108"),
    ("原子力显微镜", "Atomic force microscope", "AFM", "0108"),
    ("倒置荧光显微镜", "Inverted fluorescence microscope", "", "0108"),
    ("差示扫描量热仪", "Differential scanning calorimeter", "DSC", "0109"),
    ("热重分析仪", "Thermogravimetric analyzer", "TGA", "0109"),
    ("同步热分析仪", "Simultaneous thermal analyzer", "STA", "0109"),
    ("高速冷冻离心机", "High-speed refrigerated centrifuge", "", "0110"),
    ("超速离心机", "Ultracentrifuge", "", "0110"),
    ("实时荧光定量PCR仪", "Real-time PCR system", "qPCR", "0110"),
    ("流式细胞仪", "Flow cytometer", "", "0110"),
    ("总有机碳分析仪", "Total organic carbon analyzer", "TOC", "0111"),
    ("水质多参数分析仪", "Multi-parameter water quality analyzer", "", "0111"),
    ("微波消解仪", "Microwave digestion system", "", "0112"),
    ("全自动固相萃取仪", "Automated solid phase extraction system", "SPE", "0112"),
    ("元素分析仪", "Elemental analyzer", "", "0113"),
    ("碳硫分析仪", "Carbon sulfur analyzer", "", "0113"),
    ("万能材料试验机", "Universal testing machine", "", "02"),
    ("激光粒度仪", "Laser particle size analyzer", "", "02"),
    ("比表面积分析仪", "Surface area analyzer", "BET", "02"),
    ("三坐标测量机", "Coordinate measuring machine", "CMM", "03"),
    ("数字示波器", "Digital oscilloscope", "", "04"),
    ("矢量网络分析仪", "Vector network analyzer", "VNA", "04"),
    ("飞秒激光器", "Femtosecond laser", "", "09"),
]
ADJECTIVES = [
    ("全自动", "Automatic"),
    ("高分辨", "High-resolution"),
    ("便携式", "Portable"),
    ("台式", "Benchtop"),
    ("智能", "Smart"),
    ("高通量", "High-throughput"),
    ("", ""),
    ("", ""),
]
FEATURES = [
    ("配备二极管阵列检测器", "with diode array detector"),
    ("四元梯度泵", "quaternary gradient pump"),
    ("自动进样器", "autosampler"),
    ("恒温柱温箱", "thermostatted column oven"),
    ("低噪声设计", "low-noise design"),
    ("国产核心部件", "domestic key components"),
    ("真空泵", "vacuum pump"),
    ("软件符合GMP要求", "GMP-compliant software"),
    ("远程诊断与维护", "remote diagnostics and service"),
    ("高灵敏度探测器", "high-sensitivity detector"),
]
BRANDS = [
    ("华谱", "Huapu", "HP"),
    ("天瑞", "Tianrui", "TR"),
    ("聚光", "Focused Photonics", "FP"),
    ("普析", "Persee", "PX"),
    ("舜宇", "Sunny", "SY"),
    ("中科科仪", "KYKY", "KY"),
    ("禾信", "Hexin", "HX"),
    ("国仪量子", "CIQTEK", "CQ"),
    ("东西分析", "East & West Analytical", "EW"),
    ("北分瑞利", "Beifen-Ruili", "BR"),
    ("皖仪", "Wayeal", "WY"),
    ("钢研纳克", "NCS", "NK"),
]
QUERIES_ZH = [
    "液相色谱",
    "高效液相色谱仪",
    "气相色谱",
    "质谱",
    "质谱联用",
    "扫描电镜",
    "电子显微镜",
    "显微镜",
    "光谱仪",
    "红外光谱",
    "拉曼",
    "核磁共振",
    "热重",
    "离心机",
    "荧光定量",
    "流式细胞",
    "激光粒度",
    "示波器",
    "泵",
    "检测器",
    "全自动 色谱",
    "便携式 光谱仪",
    "国产 核心部件",
    "元素分析",
]
QUERIES_EN = [
    "HPLC",
    "liquid chromatograph",
    "gas chromatograph",
    "GC-MS",
    "LC-MS",
    "ICP-MS",
    "mass spectrometer",
    "SEM",
    "TEM",
    "XRD",
    "NMR",
    "FTIR",
    "UV-Vis",
    "Raman spectrometer",
    "centrifuge",
    "flow cytometer",
    "oscilloscope",
    "autosampler",
    "portable spectrometer",
    "thermogravimetric",
]


def ensure_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    connection = psycopg2.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres", dbname="postgres"
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    connection.close()


def categories() -> list:
    from catalog.models import Category

    if not Category.objects.exists():
        from django.db import transaction

        with transaction.atomic():
            root = Category.objects.create(code="01", path="01", depth=0, name_zh="分析仪器", name_en="Analytical")
            for i, (zh, en) in enumerate([("色谱仪器", "Chromatography"), ("质谱仪器", "Mass spectrometry")]):
                code = f"01{i + 1:02d}"
                Category.objects.create(code=code, parent=root, path=f"01/{code}", depth=1, name_zh=zh, name_en=en)
    return list(Category.objects.all())


def manufacturers() -> list:
    from accounts.models import Organization, Province
    from accounts.validators import USCC_ALPHABET, uscc_check_character

    provinces = list(Province.objects.values_list("code", flat=True))
    makers = []
    for n, (zh, en, _prefix) in enumerate(BRANDS):
        body = "91330100" + "".join(USCC_ALPHABET[((n + 7000) // 31**i) % 31] for i in range(9))
        maker, _ = Organization.objects.get_or_create(
            name_zh=f"{zh}仪器有限公司",
            kind=Organization.Kind.MANUFACTURER,
            defaults={
                "name_en": f"{en} Instruments Co., Ltd.",
                "credit_code": body + uscc_check_character(body),
                "country": "CN",
                "province_id": provinces[n % len(provinces)],
                "is_verified": True,
            },
        )
        makers.append(maker)
    return makers


def generate(count: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from catalog.models import Product

    existing = Product.objects.filter(status=Product.Status.PUBLISHED).count()
    if existing >= count:
        print(f"{existing} published products present")
        return
    rng = random.Random(20260101)
    cats = categories()
    makers = manufacturers()
    from accounts.models import Province

    province_codes = list(Province.objects.values_list("code", flat=True))

    def category_for(code_prefix: str):
        fitting = [c for c in cats if c.code.startswith(code_prefix)] or cats
        return fitting[rng.randrange(len(fitting))]

    started = time.perf_counter()
    now = timezone.now()
    Through = Product.provinces_served.through
    batch_size = 5000
    made = existing
    while made < count:
        products = []
        for i in range(made, min(count, made + batch_size)):
            zh, en, abbreviation, code_prefix = INSTRUMENT_TYPES[i % len(INSTRUMENT_TYPES)]
            adjective_zh, adjective_en = ADJECTIVES[rng.randrange(len(ADJECTIVES))]
            maker_index = rng.randrange(len(makers))
            brand_zh, brand_en, prefix = BRANDS[maker_index]
            features = rng.sample(FEATURES, 3)
            domestic = rng.random() < 0.7
            price = Decimal(rng.randrange(50, 5000) * 1000)
            products.append(
                Product(
                    manufacturer=makers[maker_index],
                    name_zh=f"{brand_zh}{adjective_zh}{zh}",
                    name_en=" ".join(x for x in (brand_en, adjective_en, en) if x),
                    model_number=f"{prefix}-{(abbreviation or 'X').replace('-', '')}{i:06d}",
                    category=category_for(code_prefix),
                    description_zh=f"{adjective_zh}{zh}，"
                    + "，".join(f[0] for f in features)
                    + "。适用于科研与检测实验室。",
                    description_en=f"{adjective_en} {en.lower()} " + ", ".join(f[1] for f in features) + ".",
                    country_of_origin="CN" if domestic else rng.choice(["DE", "US", "JP"]),
                    domestic_content=Decimal("0.8") if domestic else Decimal("0"),
                    is_domestic=domestic,
                    price_min=price,
                    price_max=price * Decimal("1.5"),
                    lead_time_days=rng.randrange(15, 180),
                    status=Product.Status.PUBLISHED,
                    published_at=now,
                )
            )
        with transaction.atomic():
            created = Product.objects.bulk_create(products)
            Through.objects.bulk_create(
                [
                    Through(product_id=p.pk, province_id=code)
                    for p in created
                    for code in rng.sample(province_codes, rng.randrange(1, 4))
                ]
            )
        made += len(products)
        print(f"  {made} products", end="\r", flush=True)
    print(f"generated {count - existing} products in {time.perf_counter() - started:.1f}s")


def index(force: bool) -> None:
    from search.backends import database_backend
    from search.documents import searchable_count
    from search.services import search_index_rebuild

    wanted = searchable_count("products")
    have = database_backend().count("products")
    if have == wanted and not force:
        print(f"index complete ({have} products)")
        return
    started = time.perf_counter()
    search_index_rebuild(
        kind="products", backend="database", cluster=True, progress=lambda n: print(f"  {n} indexed", end="\r")
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchentry")
    print(f"indexed {wanted} products in {time.perf_counter() - started:.1f}s")


def queries(n: int) -> list[dict[str, str]]:
    from catalog.models import Category, Product

    rng = random.Random(7)
    used = Category.objects.filter(products__isnull=False).distinct()
    category_ids = [str(c.pk) for c in used]
    top_ids = [str(c.pk) for c in Category.objects.filter(depth=0, pk__in=[c.parent_id for c in used if c.parent_id])]
    models = list(Product.objects.order_by("?").values_list("model_number", flat=True)[:20])
    params = []
    for i in range(n):
        roll = i % 10
        if roll < 4:
            p = {"q": rng.choice(QUERIES_ZH)}
        elif roll < 8:
            p = {"q": rng.choice(QUERIES_EN)}
        elif roll < 9:
            p = {"q": rng.choice(models)}
        else:
            p = {"q": rng.choice(QUERIES_ZH + QUERIES_EN)}
        if i % 5 == 1:
            p["is_domestic"] = "true"
        if i % 7 == 2 and category_ids:
            p["category"] = rng.choice(top_ids or category_ids)
        if i % 6 == 3:
            p["province"] = rng.choice(["110000", "310000", "440000", "320000"])
        if i % 9 == 4:
            p["page"] = "2"
        params.append(p)
    return params


def run(n_queries: int) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    plan = queries(n_queries)
    for params in plan[:10]:  # warm caches and connections; not measured
        client.get("/api/v1/search/", params)
    timings = []
    totals = []
    for params in plan:
        started = time.perf_counter()
        response = client.get("/api/v1/search/", params)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (params, response.content[:300])
        totals.append(response.json()["count"])
    timings_sorted = sorted(timings)
    p50 = statistics.median(timings_sorted)
    p95 = timings_sorted[max(0, round(0.95 * len(timings_sorted)) - 1)]
    slowest = sorted(zip(timings, plan, totals, strict=True), key=lambda x: -x[0])[:5]
    print(f"{len(timings)} queries through /api/v1/search/ (database backend, PostgreSQL)")
    print(f"matches per query: median {statistics.median(totals):.0f}, max {max(totals)}")
    print(f"p50 {p50:.1f} ms   p95 {p95:.1f} ms   mean {statistics.mean(timings):.1f} ms   max {max(timings):.1f} ms")
    for ms, params, total in slowest:
        print(f"  slow: {ms:.1f} ms  {total} matches  {params}")
    print("goal p95 < 50 ms:", "met" if p95 < 50 else "NOT met")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reindex", action="store_true")
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    generate(args.products)
    index(args.reindex)
    run(args.queries)


if __name__ == "__main__":
    main()
