"""Queueing Celery tasks after a commit without letting a broker outage fail the committed write."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: Any, *args: Any) -> bool:
    """Send ``task`` now; False (logged) when the broker cannot take it: every caller has a periodic sweep behind it.

    ``retry=False``: with the broker down, publishing fails at once instead of blocking the request on reconnects.
    """
    try:
        task.apply_async(args=args, retry=False)
    except Exception:  # a broker outage has many exception types; the work stays recorded for the sweep
        if task.app.conf.task_always_eager:
            # Inline (embedded) mode: the task itself failed; its work stays pending for the sweep too.
            logger.exception("%s%r failed inline; the periodic sweep will retry it", task.name, args)
        else:
            logger.warning("could not queue %s%r; the periodic sweep will do it", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: Any, *args: Any, once: bool = False) -> None:
    """Queue ``task`` after the current transaction commits (at once outside a transaction).

    ``once`` queues it a single time per transaction for the same arguments: a kick that takes all pending work.
    """
    key = (task.name, repr(args))
    connection = transaction.get_connection()
    if once and connection.in_atomic_block:
        for _savepoints, func, _robust in connection.run_on_commit:
            if key in getattr(func, "queue_keys", ()):
                return

    def send() -> None:
        enqueue(task, *args)

    send.queue_keys = {key}  # type: ignore[attr-defined]
    transaction.on_commit(send)
