"""Celery entry points: thin wrappers over the matching services, idempotent so acks_late is safe."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from config.exceptions import ApplicationError
from config.queue import enqueue
from matching import leases, reports, runs
from matching.models import MatchRun

logger = logging.getLogger(__name__)

# Only a lost database connection is worth retrying; any other error is a bug the run records.
RETRY_ON = (OperationalError,)


@shared_task(name="matching.full_run", acks_late=True)
def full_run() -> int | None:
    """Nightly: start a full run and fan its chunks out to workers. Skipped while another full run is running."""
    runs.match_run_prune()
    try:
        plan = runs.match_run_start_full(trigger=MatchRun.Trigger.SCHEDULE, dispatch=send_chunk)
    except ApplicationError as exc:
        logger.warning("matching.full_run skipped: %s", exc.message)
        return None
    return plan.run.pk


@shared_task(name="matching.match_chunk", acks_late=True, autoretry_for=RETRY_ON, retry_backoff=True, max_retries=5)
def match_chunk(run_id: int, number: int) -> int:
    """One chunk of a full run; a redelivered chunk finds itself done and changes nothing."""
    outcome = runs.match_run_execute_chunk(run_id=run_id, number=number)
    return 0 if outcome is None else outcome.demands


@shared_task(name="matching.sweep_chunk_leases", acks_late=True, autoretry_for=RETRY_ON, retry_backoff=True)
def sweep_chunk_leases() -> int:
    """Every minute: queue again the full-run chunks whose lease expired with no worker on them (a lost worker)."""
    return leases.chunk_leases_sweep(dispatch=send_chunk)


def send_chunk(run_id: int, number: int) -> None:
    """Queue one chunk of a full run; one that cannot be queued stays leased and the lease sweep queues it again."""
    enqueue(match_chunk, run_id, number)


@shared_task(
    name="matching.draft_weekly_report", acks_late=True, autoretry_for=RETRY_ON, retry_backoff=True, max_retries=5
)
def draft_weekly_report() -> int:
    """Monday morning: a draft report of the past week for an administrator to review (one per week)."""
    return reports.report_draft_weekly().pk
