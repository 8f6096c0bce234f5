"""A Celery worker killed (SIGKILL) in the middle of a full run's chunk: the run still finishes within its lease,
not the broker's hour, with every match and notification once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg2
import pytest
import redis
from django.conf import settings

from matching import runs, tasks
from matching.models import Match, MatchRun, MatchRunChunk
from notifications.models import Notification, NotificationEvent
from tests.factories import (
    CategoryFactory,
    DemandFactory,
    InstitutionFactory,
    ParameterFactory,
    ProductFactory,
    RequirementFactory,
    member_of,
)
from tests.factories import SpecificationFactory as Spec

pytestmark = pytest.mark.redis

LEASE_SECONDS = 3
BASE_DIR = Path(settings.BASE_DIR)


def _wait_for(predicate: Callable[[], object], seconds: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def _connect():
    database = settings.DATABASES["default"]
    return psycopg2.connect(
        dbname=database["NAME"],
        user=database["USER"],
        host=database["HOST"] or "localhost",
        port=database["PORT"] or 5432,
        password=database.get("PASSWORD") or None,
    )


def _database_url() -> str:
    database = settings.DATABASES["default"]
    auth = f"{database['USER']}:{database['PASSWORD']}" if database.get("PASSWORD") else database["USER"]
    return f"postgres://{auth}@{database['HOST'] or 'localhost'}:{database['PORT'] or 5432}/{database['NAME']}"


@pytest.fixture
def start_worker(redis_celery_app) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """Start `celery worker` processes (prefork, as in production) on the test database and Redis broker, each in
    its own process group, with the production broker settings (an hour's visibility timeout) and a short lease."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "CELERY_"))}
    env.update(
        {
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": redis_celery_app.conf.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MATCHING_CHUNK_LEASE_SECONDS": str(LEASE_SECONDS),
            "EMAIL_URL": "dummymail://",
            "DJANGO_TESTING": "true",
        }
    )
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency",
                "1",
                "--hostname",
                f"{name}@%h",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
        )
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # The killed worker's unacknowledged message would be restored an hour from now into a later test's queue.
        client = redis.Redis.from_url(redis_celery_app.conf.broker_url)
        client.delete("unacked", "unacked_index", "unacked_mutex")
        client.close()


def _two_categories():
    """Two categories (so two chunks), each with a demand that two domestic products match and a person to tell."""
    demands = []
    for code in ("K01", "K02"):
        category = CategoryFactory(code=code)
        pressure = ParameterFactory(category=category, key=f"pressure_{code}", unit="MPa")
        for value in (50.0, 80.0):
            Spec(product=ProductFactory(category=category), parameter=pressure, value=value)
        institution = InstitutionFactory()
        member_of(institution)
        demand = DemandFactory(category=category, institution=institution)
        RequirementFactory(demand=demand, parameter=pressure, operator=">=", value=40.0)
        demands.append(demand)
    return demands


def _someone_waits_for(locker) -> bool:
    """Is another backend waiting for a lock ``locker`` holds (a worker about to commit its chunk)?"""
    # Asked on a connection of its own: a transaction sees pg_stat_activity as it was when it first looked.
    watcher = _connect()
    try:
        with watcher.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [locker.get_backend_pid()],
            )
            return cursor.fetchone()[0] > 0
    finally:
        watcher.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_full_run_whose_worker_is_killed_finishes_after_its_lease_with_nothing_twice(start_worker):
    demands = _two_categories()
    locker = _connect()
    try:
        # given: worker A, and a full run whose chunks are queued on Redis. A lock on the run's row (taken before
        # the chunks are queued) holds worker A at the end of chunk 1, with its matches and notifications written
        # but not committed: the worst moment to lose it.
        worker_a = start_worker("lost")

        def dispatch(run_id: int, number: int) -> None:
            if number == 1:
                with locker.cursor() as cursor:
                    cursor.execute("SELECT id FROM matching_matchrun WHERE id = %s FOR UPDATE", [run_id])
            tasks.send_chunk(run_id, number)

        plan = runs.match_run_start_full(dispatch=dispatch)
        run_id = plan.run.pk
        assert plan.chunk_numbers == [1, 2]
        assert _wait_for(lambda: _someone_waits_for(locker), seconds=120), "worker A never reached chunk 1"
        chunk = MatchRunChunk.objects.get(run_id=run_id, number=1)
        assert chunk.attempts == 1 and chunk.done_at is None
        assert not Match.objects.exists()

        # when: worker A is killed outright (every process of it), and only then the lock is released
        os.killpg(worker_a.pid, signal.SIGKILL)
        worker_a.wait(timeout=10)
        locker.rollback()
        killed_at = time.monotonic()

        # then: worker B, with beat's sweep every second here (every minute in production), finishes the run once
        # chunk 1's lease has expired, without the killed worker's message, which Redis keeps for an hour
        start_worker("spare")

        def finished() -> bool:
            tasks.sweep_chunk_leases.apply()
            return MatchRun.objects.get(pk=run_id).status != MatchRun.Status.RUNNING

        assert _wait_for(finished, seconds=180, every=1.0), "the run did not finish after its worker was killed"
        recovered_after = time.monotonic() - killed_at
    finally:
        locker.close()

    run = MatchRun.objects.get(pk=run_id)
    assert run.status == MatchRun.Status.SUCCEEDED, run.error
    assert recovered_after < 120
    chunks = {c.number: c for c in MatchRunChunk.objects.filter(run_id=run_id)}
    assert chunks[1].attempts == 2 and chunks[2].attempts == 1
    assert all(c.done_at is not None for c in chunks.values())
    # every demand counted once, and every pair and notification exists once
    assert run.chunks_done == 2 and run.demands_count == 2
    pairs = Counter(Match.objects.values_list("demand_id", "product_id"))
    assert set(pairs.values()) == {1}
    assert {demand_id for demand_id, _ in pairs} == {d.pk for d in demands}
    assert len(pairs) == run.matches_count + run.near_misses_count == 4
    keys = Counter(NotificationEvent.objects.values_list("user_id", "key"))
    assert keys and set(keys.values()) == {1}
    assert Notification.objects.count() == run.notifications_count > 0

    # and the killed worker's message, delivered at last, changes nothing
    before = list(Match.objects.order_by("pk").values_list("pk", "rank", "score"))
    assert tasks.match_chunk.apply(args=(run_id, 1)).get(disable_sync_subtasks=False) == 0
    assert list(Match.objects.order_by("pk").values_list("pk", "rank", "score")) == before
    assert Notification.objects.count() == run.notifications_count
