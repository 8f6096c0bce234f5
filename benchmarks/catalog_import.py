"""Benchmark: import 10,000 products from one XLSX file through the same service as `import_products`.

Runs on the PostgreSQL server of DATABASE_URL (default localhost) in its own database `bench_catalog`, which it
recreates and migrates first.

    python benchmarks/catalog_import.py [ROWS]            create, then upsert ROWS drafts; seconds and rows/s
    python benchmarks/catalog_import.py --publish [ROWS]  import ROWS published products into a category with
        1,000 open demands; prints the time to imported and to re-matched and the match runs made. Tasks run
        inline (the embedded platform) unless --worker is given: then a real Celery worker takes them through
        Redis (REDIS_URL, default redis://localhost:6379/14).
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from benchmarks.common import bench_database_url, fresh_database  # noqa: E402

# BENCH_DATABASE names another database, so that two checkouts can measure at the same time.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "bench_catalog")
DEMANDS = 1_000
WITH_WORKER = "--worker" in sys.argv
if WITH_WORKER:
    os.environ.setdefault("REDIS_URL", "redis://localhost:6379/14")
else:
    # The embedded platform: tasks run inline, no broker.
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
# Notification emails are rendered and "sent" to nowhere: the benchmark measures the platform, not a mail server.
os.environ.setdefault("EMAIL_URL", "dummymail://")


os.environ["DATABASE_URL"] = bench_database_url(os.environ.get("DATABASE_URL"), BENCH_DATABASE)


def build_workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    rng = random.Random(2026)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("products")
    sheet.append(
        [
            "model_number",
            "name_zh",
            "name_en",
            "category",
            "country_of_origin",
            "domestic_content",
            "price_min",
            "price_max",
            "lead_time_days",
            "provinces_served",
            "flow_rate [mL/min]",
            "pressure_max",
            "wavelength [nm]",
            "injection_volume [µL]",
            "pump_type",
            "detector_type",
            "column_oven_max [degC]",
            "retention_time_rsd [percent]",
        ]
    )
    for n in range(rows):
        price = rng.randrange(150_000, 900_000, 1000)
        sheet.append(
            [
                f"BENCH-LC-{n:05d}",
                f"高效液相色谱仪 {n}",
                f"HPLC system {n}",
                "010501",
                "CN",
                round(rng.uniform(0.4, 0.95), 3),
                price,
                price + 100_000,
                rng.choice([30, 45, 60, 90]),
                "110000; 310000; 440000",
                f"0.001-{rng.choice([5, 10, 20])}",
                f"{rng.choice([40, 60, 103, 130])} MPa",
                f"{rng.choice([190, 200])}-{rng.choice([600, 800, 900])}",
                "0.1-100",
                rng.choice(["binary", "quaternary"]),
                rng.choice(["UV", "DAD", "FLD"]),
                rng.choice([80, 100, 110]),
                round(rng.uniform(0.05, 0.3), 3),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def open_demands(category_code: str, count: int) -> list[int]:
    """``count`` open demands in the category, each requiring a pressure limit, with a member to be told."""
    import datetime
    from decimal import Decimal

    from accounts.models import Membership, Organization, Province, User
    from accounts.validators import USCC_ALPHABET, uscc_check_character
    from catalog.models import Category, Parameter
    from procurement.models import Demand, Requirement

    rng = random.Random(7)
    body = "91110108" + "".join(USCC_ALPHABET[i % 31] for i in range(9))
    institution = Organization.objects.create(
        kind=Organization.Kind.INSTITUTION,
        country="CN",
        name_zh="基准测试研究所",
        name_en="Benchmark Institute",
        credit_code=body + uscc_check_character(body),
        province=Province.objects.get(code="110000"),
        is_verified=True,
    )
    poster = User.objects.create_user(email="bench-buyer@example.org", password=None)
    Membership.objects.create(user=poster, organization=institution, role=Membership.Role.ADMIN)
    category = Category.objects.get(code=category_code)
    pressure = Parameter.objects.get(category=category, key="pressure_max")
    today = datetime.date.today()
    demands = Demand.objects.bulk_create(
        [
            Demand(
                institution=institution,
                posted_by=poster,
                title=f"采购高效液相色谱仪 {i}",
                category=category,
                quantity=1,
                budget=Decimal(rng.choice([300_000, 600_000, 1_000_000])),
                deadline=today + datetime.timedelta(days=rng.randint(30, 300)),
                delivery_province_id="110000",
                status=Demand.Status.OPEN,
                shared_check=Demand.SharedCheck.NONE_FOUND,
            )
            for i in range(count)
        ]
    )
    Requirement.objects.bulk_create(
        [
            Requirement(
                demand=demand,
                parameter=pressure,
                operator=">=",
                value=float(value),
                entered_value=str(value),
                unit="MPa",
                is_mandatory=True,
            )
            for demand in demands
            for value in [rng.choice([40, 60, 100, 120])]
        ]
    )
    return [d.pk for d in demands]


def start_worker() -> subprocess.Popen[bytes]:
    """A real Celery worker on the benchmark's database and Redis, as `make worker` runs it."""
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING"],
        cwd=ROOT,
        env={**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false"},
    )
    time.sleep(6)  # the worker imports Django and connects before it takes tasks
    return worker


def publish(rows: int) -> None:
    from django.db import transaction

    from catalog.importing import products_import
    from changes.models import ChangeDelivery
    from matching.models import Match, MatchRun

    manufacturer = _manufacturer()
    data = build_workbook(rows)
    demand_ids = open_demands("010501", DEMANDS)
    print(
        f"workbook: {rows} published rows into 010501 (liquid chromatographs), which has {len(demand_ids)} open demands"
    )
    worker = start_worker() if WITH_WORKER else None
    pending = ChangeDelivery.objects.filter(done_at__isnull=True)
    try:
        started = time.perf_counter()
        committed: list[float] = []
        with transaction.atomic():
            # Registered first, so it runs first when the import commits: before the consumers' kicks (inline
            # on the embedded platform, queued for the worker otherwise).
            transaction.on_commit(lambda: committed.append(time.perf_counter()))
            report = products_import(
                manufacturer=manufacturer, user=None, filename="bench.xlsx", data=data, atomic=True, publish=True
            )
        assert not report.errors, report.errors[:5]
        while pending.exists():
            time.sleep(0.2)
        finished = time.perf_counter()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    runs = MatchRun.objects.all()
    mode = "with a Celery worker (Redis)" if WITH_WORKER else "embedded (tasks inline)"
    print(f"mode: {mode}")
    print(f"imported (committed): {committed[0] - started:.1f} s")
    print(f"re-matched (outbox empty): {finished - started:.1f} s")
    print(
        f"match runs created: {runs.count()} "
        f"({', '.join(f'{r.get_kind_display()} #{r.pk}: {r.demands_count} demands, {r.status}' for r in runs)})"
    )
    print(f"matches now: {Match.objects.filter(is_near_miss=False).count()} for {len(demand_ids)} demands")


def _manufacturer():
    from accounts.models import Organization
    from catalog.models import Product

    manufacturer, _created = Organization.objects.get_or_create(
        kind=Organization.Kind.MANUFACTURER,
        country="CN",
        name_zh="基准测试仪器有限公司",
        defaults={"name_en": "Benchmark Instruments Co.", "is_verified": True},
    )
    Product.objects.filter(manufacturer=manufacturer).delete()
    return manufacturer


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rows = int(args[0]) if args else 10_000
    fresh_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if "--publish" in sys.argv:
        publish(rows)
        return

    from catalog.importing import products_import
    from catalog.models import Product

    manufacturer = _manufacturer()
    data = build_workbook(rows)
    print(f"workbook: {rows} rows, {len(data) / 1024 / 1024:.1f} MB")

    for label in ("first import (create)", "second import (upsert)"):
        started, cpu = time.perf_counter(), time.process_time()
        report = products_import(
            manufacturer=manufacturer, user=None, filename="bench.xlsx", data=data, atomic=True, publish=False
        )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert not report.errors, report.errors[:5]
        print(
            f"{label}: {report.created} created, {report.updated} updated in {elapsed:.1f} s "
            f"({rows / elapsed:.0f} rows/s; {cpu:.1f} s of this process's CPU, the rest is PostgreSQL and waiting)"
        )
    Product.objects.filter(manufacturer=manufacturer).delete()


if __name__ == "__main__":
    main()
