"""Pages of 1,000 from the change feed through the API (PostgreSQL).

Recreates and migrates the database ``bench_feed``, writes ``--entries`` feed entries (100,000; every kind and
entity, as the feed consumer writes them) and reads ``--pages`` pages of 1,000 through ``GET /api/v1/feed/``
following ``next_cursor``, each request timed end to end in process (routing, query, JSON):

- cold: a fresh database connection and pages never read before, spread over the whole feed;
- warm: the same pages again.

Goal: p95 under 200 ms for both. Prints p50, p95 and max per pass and the load.

    nice -n -5 .venv/bin/python benchmarks/feed_pages.py [--entries 100000] [--pages 50]
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from benchmarks.common import bench_database_url, fresh_database  # noqa: E402

os.environ["DATABASE_URL"] = bench_database_url(os.environ.get("DATABASE_URL"), "bench_feed")
# Production-like request handling: no debug query log; the benchmark client must not be throttled.
os.environ.setdefault("DJANGO_DEBUG", "False")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "False")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
os.environ.setdefault("API_THROTTLE_ANON", "1000000/min")

PAGE = 1000
GOAL_MS = 200


def seed(count: int) -> None:
    """``count`` entries in id order, kinds and entities mixed as a busy platform's feed."""
    from django.db import connection
    from django.utils import timezone

    from config.bulk import copy_insert
    from feed.models import FeedEntry

    kinds = [
        ("product.published", "product", "published"),
        ("product.changed", "product", "published"),
        ("demand.opened", "demand", "open"),
        ("demand.changed", "demand", "open"),
        ("product.withdrawn", "product", ""),
        ("demand.awarded", "demand", "awarded"),
        ("award.published", "award", "published"),
        ("demand.closed", "demand", "closed"),
        ("report.published", "report", "published"),
    ]
    start = timezone.now() - datetime.timedelta(days=365)
    started = time.perf_counter()
    rows = []
    for i in range(count):
        kind, entity, state = kinds[i % len(kinds)]
        at = start + datetime.timedelta(seconds=i * 30)
        rows.append((kind, entity, 1 + i // 3, state, at, at))
    copy_insert(FeedEntry, ["kind", "entity", "object_id", "state", "occurred_at", "recorded_at"], rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE feed_feedentry")
    print(f"seeded {count} feed entries in {time.perf_counter() - started:.1f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def read_pages(client, cursors: list[str]) -> list[float]:
    timings = []
    for cursor in cursors:
        started = time.perf_counter()
        response = client.get("/api/v1/feed/", {"cursor": cursor, "limit": PAGE})
        body = response.json()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
        assert len(body["results"]) == PAGE, len(body["results"])
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    if args.entries < PAGE or args.pages < 1:
        # Every timed read is a full page: fewer entries than one page leave nothing to time.
        parser.error(f"--entries must be at least {PAGE} (one full page) and --pages at least 1")
    fresh_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from feed.selectors import cursor_encode

    call_command("migrate", verbosity=0)
    seed(args.entries)
    # Pages spread over the whole feed: the cursor of page n is the id its first entry follows.
    first_id = connection.cursor()
    first_id.execute("SELECT min(id) FROM feed_feedentry")
    base = first_id.fetchone()[0] - 1
    last_page = args.entries // PAGE - 1
    step = max(1, last_page // max(1, args.pages - 1))
    cursors = [cursor_encode(base + n * PAGE) for n in range(0, last_page + 1, step)][: args.pages]
    client = APIClient()
    # The process's first request loads the URL configuration and the API's modules: not a page's cost.
    client.get("/api/v1/feed/", {"limit": 1})
    connection.close()  # cold: a new connection, nothing of these pages read yet
    figures = {}
    for label, timings in (("cold", read_pages(client, cursors)), ("warm", read_pages(client, cursors))):
        p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
        figures[label] = p95
        print(
            f"{label}: {len(timings)} pages of {PAGE} via GET /api/v1/feed/: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
            f"max {max(timings):.1f} ms"
        )
    print(f"goal p95 < {GOAL_MS} ms:", "met" if max(figures.values()) < GOAL_MS else "NOT met")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
