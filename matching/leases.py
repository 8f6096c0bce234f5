"""Leases on a full run's chunks, so a lost worker delays a run by minutes and never blocks the next one.

The broker alone would redeliver a killed worker's chunk only after its visibility timeout (an hour), and the
running full run would refuse every new one meanwhile. So the database keeps the state:

- a chunk is leased (``leased_until``) when it is queued and again when a worker starts it (``attempts`` + 1,
  committed before the work, so a crash still counts);
- a worker matches the chunk holding its row lock until the commit that marks it done. PostgreSQL drops the lock
  with a dead worker's connection, so a locked chunk is being matched right now, whatever its lease says;
- ``chunk_leases_sweep`` (every minute, from beat) queues again each unfinished chunk whose lease has expired
  and that nobody holds; a chunk started ``MAX_ATTEMPTS`` times without finishing fails its run;
- a running full run that made no progress for ``STALLED_AFTER`` and whose chunks nobody holds is failed, so the
  next run can start.

A chunk queued twice is harmless: the second delivery finds it done, or held, and does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from matching.models import MatchRun, MatchRunChunk

logger = logging.getLogger(__name__)

# A chunk started this many times without finishing (its worker lost, or its database connection, each time) fails
# the run instead of taking the next worker down too.
MAX_ATTEMPTS = 5
# A running full run with no chunk started or finished for this long, and none being matched, is abandoned.
STALLED_AFTER = timedelta(minutes=15)


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.MATCHING_CHUNK_LEASE_SECONDS)


def lease_expiry(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + lease_duration()


def _unheld(run_id: int | None = None) -> QuerySet[MatchRunChunk]:
    """Unfinished chunks of running full runs that no worker holds (locked rows are skipped, not waited for)."""
    chunks = MatchRunChunk.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        done_at__isnull=True, run__kind=MatchRun.Kind.FULL, run__status=MatchRun.Status.RUNNING
    )
    return chunks if run_id is None else chunks.filter(run_id=run_id)


def chunk_claim(*, run_id: int, number: int) -> bool:
    """A worker takes the chunk: counts the attempt and renews the lease, committed before the work begins.

    False when there is nothing to do: the chunk is done, its run stopped, another worker is matching it, or it
    has used up its attempts (then its run is failed).
    """
    with transaction.atomic():
        chunk = _unheld(run_id).filter(number=number).first()
        if chunk is None:
            return False
        if chunk.attempts >= MAX_ATTEMPTS:
            _fail_for_attempts(chunk)
            return False
        now = timezone.now()
        chunk.attempts += 1
        chunk.claimed_at = now
        chunk.leased_until = lease_expiry(now)
        chunk.save(update_fields=["attempts", "claimed_at", "leased_until"])
    return True


def _fail_for_attempts(chunk: MatchRunChunk) -> None:
    logger.error(
        "full run #%s: chunk %s was started %s times without finishing", chunk.run_id, chunk.number, chunk.attempts
    )
    MatchRun.objects.filter(pk=chunk.run_id, status=MatchRun.Status.RUNNING).update(
        status=MatchRun.Status.FAILED,
        error=f"Chunk {chunk.number} was started {chunk.attempts} times and never finished (its worker was lost).",
        finished_at=timezone.now(),
    )


def chunk_leases_sweep(*, dispatch: Callable[[int, int], object]) -> int:
    """Queue again (``dispatch(run_id, number)`` after commit) every chunk whose lease expired and that nobody
    holds; fail the runs of chunks out of attempts and the runs that stalled. Returns the chunks queued."""
    full_runs_release_stalled()
    now = timezone.now()
    with transaction.atomic():
        expired = list(_unheld().filter(leased_until__lt=now).order_by("run_id", "number"))
        again = [chunk for chunk in expired if chunk.attempts < MAX_ATTEMPTS]
        for chunk in expired:
            if chunk.attempts >= MAX_ATTEMPTS:
                _fail_for_attempts(chunk)
        failed_runs = {chunk.run_id for chunk in expired if chunk.attempts >= MAX_ATTEMPTS}
        again = [chunk for chunk in again if chunk.run_id not in failed_runs]
        MatchRunChunk.objects.filter(pk__in=[chunk.pk for chunk in again]).update(leased_until=lease_expiry(now))
        pairs = [(chunk.run_id, chunk.number) for chunk in again]

        def send() -> None:
            for run_id, number in pairs:
                dispatch(run_id, number)

        if pairs:
            logger.warning("re-queueing %s full-run chunk(s) whose lease expired: %s", len(pairs), pairs)
            transaction.on_commit(send)
    return len(pairs)


def full_runs_release_stalled(*, now: datetime | None = None) -> int:
    """Fail every running full run that made no progress for ``STALLED_AFTER`` while no worker holds any of its
    chunks: its lock on new full runs is released (the next run matches its demands). Returns the runs failed."""
    now = now or timezone.now()
    released = 0
    for run in MatchRun.objects.filter(kind=MatchRun.Kind.FULL, status=MatchRun.Status.RUNNING):
        with transaction.atomic():
            progress = MatchRunChunk.objects.filter(run=run).aggregate(
                started=Max("claimed_at"), finished=Max("done_at")
            )
            latest = max(t for t in (run.created_at, progress["started"], progress["finished"]) if t is not None)
            if latest >= now - STALLED_AFTER:
                continue
            undone = MatchRunChunk.objects.filter(run=run, done_at__isnull=True).count()
            if len(_unheld(run.pk)) < undone:
                continue  # a worker is matching one of its chunks right now: slow, not stalled
            released += MatchRun.objects.filter(pk=run.pk, status=MatchRun.Status.RUNNING).update(
                status=MatchRun.Status.FAILED,
                error=f"Abandoned: no chunk started or finished since {latest:%Y-%m-%d %H:%M:%S %Z}.",
                finished_at=now,
            )
    return released
