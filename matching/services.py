"""Matching services for pages, the API and the command line: the runs of ``matching.runs``, and starting a full
run whose chunks go to Celery workers.

Re-matching after a product or demand changes is not called from here: catalog and procurement record their
changes in the change outbox, and ``matching.rematch`` consumes them in batches.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User
from config.exceptions import ApplicationError
from matching import policies, tasks
from matching.models import MatchRun
from matching.runs import (
    FullRunPlan,
    match_run_demand,
    match_run_demands,
    match_run_execute_chunk,
    match_run_full_inline,
    match_run_product,
    match_run_prune,
)
from matching.runs import match_run_start_full as _start_full

__all__ = [
    "FullRunPlan",
    "match_run_demand",
    "match_run_demands",
    "match_run_execute_chunk",
    "match_run_full_inline",
    "match_run_product",
    "match_run_prune",
    "match_run_start",
    "match_run_start_full",
]


def match_run_start_full(
    *, trigger: str = MatchRun.Trigger.STAFF, started_by: User | None = None, dispatch: bool = True
) -> FullRunPlan:
    """Start a full run; with ``dispatch`` its chunks are queued for workers after commit, else the caller runs
    them (``match_run_execute_chunk``)."""
    return _start_full(trigger=trigger, started_by=started_by, dispatch=tasks.send_chunk if dispatch else None)


def match_run_start(
    *, kind: str, demand_id: int | None = None, started_by: User | None = None, trigger: str = MatchRun.Trigger.STAFF
) -> MatchRun:
    """What an administrator starts from the pages or the API: a full run (dispatched to workers) or one demand.

    ``started_by`` None is the platform itself; a person must be allowed to start runs.
    """
    if started_by is not None and not policies.can_start_match_run(started_by):
        raise PermissionDenied(_("Only platform administrators start matching runs."))
    if kind == MatchRun.Kind.FULL:
        return match_run_start_full(trigger=trigger, started_by=started_by).run
    if kind == MatchRun.Kind.DEMAND:
        if demand_id is None:
            raise ApplicationError(_("Choose the demand to match."), field="demand")
        return match_run_demand(demand_id=demand_id, trigger=trigger, started_by=started_by)
    raise ApplicationError(_("Start a full run or a demand run."), field="kind")
