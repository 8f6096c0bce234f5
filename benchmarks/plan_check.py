"""Checking a 500-line procurement plan (PostgreSQL).

Recreates and migrates the database ``bench_plans``, makes a category with six parameters and 5,000 published
domestic products stating them, writes a 500-line XLSX plan (a few bad lines among them) and times
``plans.services.plan_check``: reading the file, validating every cell, scoring every valid line against the
category's candidate pool with the matching engine, and storing the report; then posting every valid line as a
draft demand (``plan_post``) with a plan of as many lines that are all valid. Prints the times and the load.

    .venv/bin/python benchmarks/plan_check.py [--lines 500] [--products 5000]
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from benchmarks.common import bench_database_url, fresh_database  # noqa: E402

os.environ["DATABASE_URL"] = bench_database_url(os.environ.get("DATABASE_URL"), "bench_plans")

# key, unit, value type, better, lowest, highest
PARAMETERS = [
    ("pressure_max", "MPa", "number", "higher", 10, 120),
    ("flow_rate_max", "mL/min", "number", "higher", 1, 20),
    ("noise", "AU", "number", "lower", 0.000001, 0.0001),
    ("temperature_max", "°C", "number", "higher", 40, 150),
    ("wavelength_range", "nm", "range", "wider", 190, 900),
    ("detector", "", "choice", "", 0, 0),
]
DETECTORS = ["UV", "DAD", "FLD", "RID", "ELSD"]


def setup(products: int, rng: random.Random):
    from accounts.models import Membership, Organization, User
    from catalog.models import Category, Parameter, Product, Specification

    category = Category.objects.create(code="BENCH01", path="BENCH01", name_zh="基准液相色谱", name_en="Bench LC")
    parameters = {}
    for key, unit, vtype, better, low, high in PARAMETERS:
        parameters[key] = Parameter.objects.create(
            category=category,
            key=key,
            name_zh=key,
            name_en=key,
            unit=unit,
            value_type=vtype,
            better=better or "none",
            min_value=low if vtype != "choice" else None,
            max_value=high if vtype != "choice" else None,
            choices=DETECTORS if vtype == "choice" else [],
        )
    maker = Organization.objects.create(
        kind=Organization.Kind.MANUFACTURER, country="CN", name_zh="基准制造商", name_en="Bench Maker", is_verified=True
    )
    rows = Product.objects.bulk_create(
        [
            Product(
                manufacturer=maker,
                name_zh=f"液相色谱仪{i}",
                name_en=f"HPLC {i}",
                model_number=f"BL-{i:05d}",
                category=category,
                country_of_origin="CN",
                domestic_content=Decimal("0.9"),
                is_domestic=True,
                price_min=Decimal(rng.randrange(100, 900) * 1000),
                price_max=Decimal(rng.randrange(900, 2000) * 1000),
                lead_time_days=rng.randrange(30, 180),
                status=Product.Status.PUBLISHED,
            )
            for i in range(products)
        ],
        batch_size=2000,
    )
    specs = []
    for product in rows:
        for key, _unit, vtype, _better, low, high in PARAMETERS:
            parameter = parameters[key]
            if vtype == "number":
                specs.append(Specification(product=product, parameter=parameter, value=rng.uniform(low, high)))
            elif vtype == "range":
                specs.append(
                    Specification(
                        product=product,
                        parameter=parameter,
                        value_min=rng.uniform(190, 250),
                        value_max=rng.uniform(600, 900),
                    )
                )
            else:
                specs.append(Specification(product=product, parameter=parameter, value_text=rng.choice(DETECTORS)))
    Specification.objects.bulk_create(specs, batch_size=5000)
    institution = Organization.objects.create(
        kind=Organization.Kind.INSTITUTION,
        country="CN",
        name_zh="基准研究所",
        name_en="Bench Institute",
        is_verified=True,
        province_id="110000",
    )
    user = User.objects.create(email="planner@bench.local")
    Membership.objects.create(user=user, organization=institution, role=Membership.Role.ADMIN)
    return category, institution, user


def plan_workbook(category, lines: int, rng: random.Random, *, bad_lines: bool = True) -> bytes:
    from catalog.tabular import xlsx_bytes
    from plans.services import plan_template_columns

    header = plan_template_columns(category)
    deadline = (datetime.date.today() + datetime.timedelta(days=90)).isoformat()
    rows = [header]
    for i in range(lines):
        cells = {
            "title": f"液相色谱仪采购 {i}",
            "quantity": str(rng.randrange(1, 4)),
            "budget": str(rng.randrange(300, 2000) * 1000),
            "deadline": deadline if i % 50 or not bad_lines else "2020-01-01",  # one bad line in fifty
            "delivery_province": "110000",
            "description": "年度采购计划",
            "pressure_max [MPa]": f"≥ {rng.randrange(20, 110)}",
            "flow_rate_max [mL/min]": str(rng.randrange(2, 15)),
            "noise [AU]": f"≤ {rng.uniform(0.00001, 0.0001):.6f}",
            "temperature_max [°C]": str(rng.randrange(50, 140)),
            "wavelength_range [nm]": f"{rng.randrange(190, 240)}-{rng.randrange(600, 850)}",
            "detector": rng.choice(DETECTORS),
        }
        rows.append([cells.get(name, "") for name in header])
    return xlsx_bytes([("plan", rows)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--products", type=int, default=5000)
    args = parser.parse_args()
    fresh_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from plans.services import plan_check, plan_post

    rng = random.Random(13)
    category, institution, user = setup(args.products, rng)
    data = plan_workbook(category, args.lines, rng)
    print(f"{args.products} published domestic products; a plan of {args.lines} lines, {len(data) / 1024:.0f} KB XLSX")
    for label in ("first check (pool read from the database)", "second check (pool warm)"):
        started = time.perf_counter()
        plan = plan_check(user=user, institution=institution, category=category, filename="plan.xlsx", data=data)
        elapsed = time.perf_counter() - started
        met = plan.lines.filter(matches_count__gt=0).count()
        print(
            f"{label}: {plan.lines_total} lines ({plan.lines_valid} valid, {met} met by a domestic product) "
            f"in {elapsed:.2f} s"
        )
    # Posting: a plan of --lines lines that are all valid, posted whole as draft demands in one step.
    clean = plan_workbook(category, args.lines, rng, bad_lines=False)
    plan = plan_check(user=user, institution=institution, category=category, filename="clean.xlsx", data=clean)
    rows = list(plan.lines.filter(errors=[]).values_list("row", flat=True))
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        demands = plan_post(user=user, plan=plan, rows=rows)
        posted = time.perf_counter()
    # The commit runs the outbox consumers' kicks: inline here (tasks are eager), on the workers in production.
    committed = time.perf_counter()
    print(
        f"posting {len(demands)} lines as draft demands (with their requirements): {posted - started:.2f} s, "
        f"then {committed - posted:.2f} s for the commit and the outbox consumers run inline "
        f"({committed - started:.2f} s in all)"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
