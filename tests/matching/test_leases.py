"""Leases on full-run chunks: a chunk nobody finishes is queued again within minutes, and a stalled run never
blocks the next one."""

from __future__ import annotations

from datetime import timedelta

import psycopg2
import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from matching import leases, services
from matching.models import Match, MatchRun, MatchRunChunk
from tests.factories import CategoryFactory, DemandFactory


def _sweep(django_capture_on_commit_callbacks) -> list[tuple[int, int]]:
    queued: list[tuple[int, int]] = []
    with django_capture_on_commit_callbacks(execute=True):
        leases.chunk_leases_sweep(dispatch=lambda run_id, number: queued.append((run_id, number)))
    return queued


def _expire(run: MatchRun, *numbers: int, ago: timedelta = timedelta(seconds=1)) -> None:
    MatchRunChunk.objects.filter(run=run, number__in=numbers).update(leased_until=timezone.now() - ago)


@pytest.fixture
def two_chunk_run(scene):
    DemandFactory(category=CategoryFactory(code="B01"))
    return services.match_run_start_full(dispatch=False)


def test_chunks_are_leased_when_planned_and_again_when_a_worker_starts_them(two_chunk_run, settings):
    # given a planned full run
    run = two_chunk_run.run
    planned = {c.number: c for c in MatchRunChunk.objects.filter(run=run)}
    assert all(c.leased_until is not None and c.attempts == 0 for c in planned.values())
    # when a worker matches chunk 1
    services.match_run_execute_chunk(run_id=run.pk, number=1)
    # then its attempt is counted and its lease renewed; chunk 2 is untouched
    first = MatchRunChunk.objects.get(run=run, number=1)
    assert first.attempts == 1 and first.done_at is not None
    renewed, planned_until = first.leased_until, planned[1].leased_until
    assert renewed is not None and planned_until is not None and renewed > planned_until
    assert MatchRunChunk.objects.get(run=run, number=2).attempts == 0


def test_a_chunk_whose_lease_expired_is_queued_again_once_per_lease(two_chunk_run, django_capture_on_commit_callbacks):
    run = two_chunk_run.run
    # given chunk 1 done and chunk 2 queued to a worker that was lost: its lease has expired
    services.match_run_execute_chunk(run_id=run.pk, number=1)
    assert _sweep(django_capture_on_commit_callbacks) == []
    _expire(run, 1, 2)
    # when the sweep runs: only the unfinished chunk goes out again, with a new lease
    assert _sweep(django_capture_on_commit_callbacks) == [(run.pk, 2)]
    leased_until = MatchRunChunk.objects.get(run=run, number=2).leased_until
    assert leased_until is not None and leased_until > timezone.now()
    # and the next sweep, within the new lease, does not queue it a second time
    assert _sweep(django_capture_on_commit_callbacks) == []
    # the re-queued chunk completes the run
    services.match_run_execute_chunk(run_id=run.pk, number=2)
    assert MatchRun.objects.get(pk=run.pk).status == MatchRun.Status.SUCCEEDED


def test_chunks_of_finished_runs_are_never_queued_again(two_chunk_run, django_capture_on_commit_callbacks):
    run = two_chunk_run.run
    MatchRun.objects.filter(pk=run.pk).update(status=MatchRun.Status.FAILED)
    _expire(run, 1, 2)
    assert _sweep(django_capture_on_commit_callbacks) == []


def test_a_chunk_that_keeps_losing_its_worker_fails_the_run_and_frees_the_next(
    two_chunk_run, django_capture_on_commit_callbacks
):
    run = two_chunk_run.run
    # given chunk 1 started MAX_ATTEMPTS times, its worker lost each time
    MatchRunChunk.objects.filter(run=run, number=1).update(attempts=leases.MAX_ATTEMPTS)
    _expire(run, 1)
    # when the sweep finds it: the run fails and says why, nothing is queued
    assert _sweep(django_capture_on_commit_callbacks) == []
    failed = MatchRun.objects.get(pk=run.pk)
    assert failed.status == MatchRun.Status.FAILED
    assert "Chunk 1 was started 5 times" in failed.error
    # a late delivery of the chunk does nothing, and a new full run may start
    assert services.match_run_execute_chunk(run_id=run.pk, number=2) is None
    assert services.match_run_start_full(dispatch=False).run.pk != run.pk


def test_a_redelivered_chunk_out_of_attempts_fails_the_run_instead_of_matching(two_chunk_run):
    run = two_chunk_run.run
    MatchRunChunk.objects.filter(run=run, number=1).update(attempts=leases.MAX_ATTEMPTS)
    assert services.match_run_execute_chunk(run_id=run.pk, number=1) is None
    assert MatchRun.objects.get(pk=run.pk).status == MatchRun.Status.FAILED
    assert not Match.objects.exists()


def test_a_stalled_full_run_no_longer_blocks_the_next(two_chunk_run):
    run = two_chunk_run.run
    # given a run whose last chunk started 16 minutes ago and which nobody works on since
    services.match_run_execute_chunk(run_id=run.pk, number=1)
    long_ago = timezone.now() - leases.STALLED_AFTER - timedelta(minutes=1)
    MatchRun.objects.filter(pk=run.pk).update(created_at=long_ago)
    MatchRunChunk.objects.filter(run=run).update(claimed_at=long_ago)
    MatchRunChunk.objects.filter(run=run, done_at__isnull=False).update(done_at=long_ago)
    # when the next full run starts, it is not refused
    second = services.match_run_start_full(dispatch=False)
    # then the stalled one is failed with the reason
    stalled = MatchRun.objects.get(pk=run.pk)
    assert stalled.status == MatchRun.Status.FAILED
    assert stalled.error.startswith("Abandoned: no chunk started or finished since")
    assert second.run.status == MatchRun.Status.RUNNING


def test_a_recently_active_full_run_still_refuses_a_second(two_chunk_run):
    from config.exceptions import ApplicationError

    services.match_run_execute_chunk(run_id=two_chunk_run.run.pk, number=1)
    with pytest.raises(ApplicationError, match="already running"):
        services.match_run_start_full(dispatch=False)


def test_the_beat_schedule_sweeps_chunk_leases_every_minute():
    entry = app.conf.beat_schedule["matching-sweep-chunk-leases"]
    assert entry["task"] == "matching.sweep_chunk_leases"
    assert entry["schedule"].minute == set(range(60))
    assert "matching.sweep_chunk_leases" in app.tasks


def _connect():
    database = settings.DATABASES["default"]
    connection = psycopg2.connect(
        dbname=database["NAME"],
        user=database["USER"],
        host=database["HOST"] or "localhost",
        port=database["PORT"] or 5432,
        password=database.get("PASSWORD") or None,
    )
    return connection


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_chunk_a_worker_is_matching_is_neither_queued_again_nor_abandoned(
    two_chunk_run, django_capture_on_commit_callbacks
):
    run = two_chunk_run.run
    chunk = MatchRunChunk.objects.get(run=run, number=1)
    # given a worker (another connection) in the middle of chunk 1: it holds the chunk's row, for longer than the
    # lease and with no other progress for longer than the stall limit
    long_ago = timezone.now() - leases.STALLED_AFTER - timedelta(minutes=1)
    MatchRun.objects.filter(pk=run.pk).update(created_at=long_ago)
    MatchRunChunk.objects.filter(run=run).update(leased_until=long_ago, claimed_at=long_ago)
    worker = _connect()
    try:
        with worker.cursor() as cursor:
            cursor.execute("SELECT id FROM matching_matchrunchunk WHERE id = %s FOR UPDATE", [chunk.pk])
        # when the sweep runs: only the chunk nobody holds goes out again, and the run stays running
        assert _sweep(django_capture_on_commit_callbacks) == [(run.pk, 2)]
        assert leases.full_runs_release_stalled() == 0
        assert MatchRun.objects.get(pk=run.pk).status == MatchRun.Status.RUNNING
        # and a duplicate delivery of the held chunk returns at once instead of matching it twice
        assert services.match_run_execute_chunk(run_id=run.pk, number=1) is None
        assert MatchRunChunk.objects.get(pk=chunk.pk).attempts == 0
    finally:
        worker.rollback()
        worker.close()
    # once the worker is gone (its connection closed, its lock dropped), the chunk's expired lease sends it out
    MatchRunChunk.objects.filter(run=run).update(leased_until=long_ago, claimed_at=timezone.now())
    assert _sweep(django_capture_on_commit_callbacks) == [(run.pk, 1), (run.pk, 2)]
    # and with no worker at all for the stall limit, the run is given up and frees the next one
    MatchRunChunk.objects.filter(run=run).update(claimed_at=long_ago)
    assert leases.full_runs_release_stalled() == 1
    assert MatchRun.objects.get(pk=run.pk).status == MatchRun.Status.FAILED
