"""Evaluating one new product against 10,000 saved searches (database backend, PostgreSQL).

Recreates and migrates the database ``bench_alerts``, stores 10,000 saved searches of 1,000 people (Chinese and
English words, categories, provinces, price ranges, mixed as people would save them), then publishes products
one at a time and measures what the change outbox's ``alerts`` consumer does for each: read the product's search
document and percolate it against every saved search (``alerts.percolate.percolate_database``), and the whole
consumer batch including the notifications it writes. Prints p50 and p95 of both.

    .venv/bin/python benchmarks/saved_search_eval.py [--searches 10000] [--products 200]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from benchmarks.common import bench_database_url, fresh_database  # noqa: E402

os.environ["DATABASE_URL"] = bench_database_url(os.environ.get("DATABASE_URL"), "bench_alerts")
os.environ.setdefault("SEARCH_BACKEND", "database")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
# Immediate alert emails are sent inline here; the benchmark measures evaluation, not a mail server.
os.environ.setdefault("EMAIL_URL", "dummymail://")

WORDS = [
    "液相色谱",
    "气相色谱",
    "质谱",
    "光谱仪",
    "显微镜",
    "电镜",
    "核磁共振",
    "X射线",
    "热分析",
    "电化学",
    "HPLC",
    "GC-MS",
    "ICP-MS",
    "FTIR",
    "SEM",
    "chromatograph",
    "spectrometer",
    "microscope",
    "analyzer",
    "荧光",
    "拉曼",
    "粒度",
    "元素分析",
    "离子色谱",
    "紫外",
    "红外",
    "流式细胞",
    "PCR",
    "激光",
    "离心机",
]
NAMES = [
    ("高效液相色谱仪", "High performance liquid chromatograph"),
    ("气相色谱质谱联用仪", "Gas chromatograph mass spectrometer"),
    ("扫描电子显微镜", "Scanning electron microscope"),
    ("傅里叶变换红外光谱仪", "Fourier transform infrared spectrometer"),
    ("激光粒度分析仪", "Laser particle size analyzer"),
]


def _percentiles(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"p50 {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {values[-1] * 1000:.1f} ms"


def setup_searches(count: int, rng: random.Random) -> None:
    from accounts.models import User
    from alerts.models import Delivery, SavedSearch
    from alerts.percolate import compile_saved_search, stored_filters
    from catalog.models import Category

    categories = list(Category.objects.values_list("id", flat=True))
    provinces = ["110000", "310000", "440000", "320000", "510000"]
    users = User.objects.bulk_create([User(email=f"alert{i}@bench.local", is_active=True) for i in range(count // 10)])
    rows = []
    for i in range(count):
        filters: dict = {"is_domestic": True}
        text = " ".join(rng.sample(WORDS, rng.choice([0, 1, 1, 1, 2])))
        if rng.random() < 0.5 and categories:
            filters["category"] = rng.choice(categories)
        if rng.random() < 0.2:
            filters["province"] = rng.choice(provinces)
        if rng.random() < 0.3:
            filters["price_max"] = Decimal(rng.choice([200000, 500000, 1000000, 3000000]))
        saved = SavedSearch(
            user=users[i % len(users)],
            name=text or "all",
            kind="products",
            text=text,
            filters=stored_filters(filters),
            delivery=rng.choice(list(Delivery.values)),
        )
        compile_saved_search(saved)
        rows.append(saved)
    SavedSearch.objects.bulk_create(rows, batch_size=2000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE alerts_savedsearch")


def run(products: int, rng: random.Random) -> None:
    from django.db import transaction

    from accounts.models import Organization
    from alerts.percolate import percolate_database
    from alerts.services import alerts_consume
    from catalog.models import Category, Product
    from changes.models import Change
    from search.documents import documents_for

    maker = Organization.objects.create(
        kind=Organization.Kind.MANUFACTURER,
        country="CN",
        name_zh="基准仪器公司",
        name_en="Bench Co.",
        is_verified=True,
    )
    leaves = list(Category.objects.filter(children__isnull=True))
    percolations, consumer, hits = [], [], []
    for i in range(products):
        name_zh, name_en = rng.choice(NAMES)
        product = Product.objects.create(
            manufacturer=maker,
            name_zh=f"{name_zh}{i}",
            name_en=name_en,
            model_number=f"B-{i:05d}",
            category=rng.choice(leaves),
            country_of_origin="CN",
            domestic_content=Decimal("0.9"),
            is_domestic=True,
            price_min=Decimal(rng.choice([100000, 300000, 800000])),
            price_max=Decimal(rng.choice([900000, 2000000])),
            status=Product.Status.PUBLISHED,
        )
        started = time.perf_counter()
        documents = documents_for("products", [product.pk])
        found = percolate_database("products", documents)
        percolations.append(time.perf_counter() - started)
        hits.append(len(found))
        change = Change.objects.create(entity="product", object_id=product.pk)
        started = time.perf_counter()
        with transaction.atomic():
            alerts_consume([change])
        consumer.append(time.perf_counter() - started)
    print(f"saved searches met per product: median {statistics.median(hits):.0f}, max {max(hits)}")
    print(f"percolate one product (document + SQL): {_percentiles(percolations)}")
    print(f"whole consumer batch of one product (with notifications): {_percentiles(consumer)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--searches", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=200)
    args = parser.parse_args()
    fresh_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rng = random.Random(13)
    started = time.perf_counter()
    setup_searches(args.searches, rng)
    print(f"{args.searches} saved searches stored in {time.perf_counter() - started:.1f} s")
    run(args.products, rng)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
