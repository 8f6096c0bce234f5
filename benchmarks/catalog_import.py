"""Benchmark: import 10,000 products from one XLSX file through the same service as `import_products`.

Runs on the PostgreSQL server of DATABASE_URL (default localhost) in its own database `bench_catalog`, which it
recreates and migrates first.
Prints the seconds taken and rows per second. Usage: `python benchmarks/catalog_import.py [ROWS]`.
"""

from __future__ import annotations

import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from benchmarks.common import bench_database_url  # noqa: E402

BENCH_DATABASE = "bench_catalog"


os.environ["DATABASE_URL"] = bench_database_url(os.environ.get("DATABASE_URL"), BENCH_DATABASE)


def _fresh_database(url: str) -> None:
    """Recreate the benchmark database, so the run never depends on a half-migrated leftover."""
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    server = url.rsplit("/", 1)[0] + "/postgres"
    connection = psycopg2.connect(server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


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


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    _fresh_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from accounts.models import Organization
    from catalog.importing import products_import
    from catalog.models import Product

    manufacturer, _created = Organization.objects.get_or_create(
        kind=Organization.Kind.MANUFACTURER,
        country="CN",
        name_zh="基准测试仪器有限公司",
        defaults={"name_en": "Benchmark Instruments Co.", "is_verified": True},
    )
    Product.objects.filter(manufacturer=manufacturer).delete()
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
