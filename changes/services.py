"""Recording changes: other apps call ``change_record`` inside the transaction that makes the change.

The outbox rows commit with the change or not at all; every consumer that wants the change is kicked once after
commit, and the periodic sweep (``changes.sweep``) takes whatever a lost kick or a broker outage left, so nothing
depends on the broker being up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.utils import timezone

from changes import tasks
from changes.models import Change, ChangeDelivery
from changes.registry import consumers
from config.bulk import copy_insert
from config.queue import enqueue_on_commit


def change_record(
    *,
    entity: str,
    ids: Iterable[int],
    fields: Sequence[str] = (),
    category_paths: Mapping[int, str] | None = None,
) -> int:
    """Record that rows of ``entity`` changed (``fields`` says what, empty for anything); returns changes written.

    ``category_paths`` gives each row's category path where the entity has one (products, demands).
    """
    object_ids = list(dict.fromkeys(int(i) for i in ids))
    wanting = [c for c in consumers() if c.wants(entity, fields)]
    if not object_ids or not wanting:
        return 0
    paths = category_paths or {}
    now = timezone.now()
    field_list = list(fields)
    # COPY on PostgreSQL: a bulk import records ten thousand changes and twice as many deliveries at once.
    change_ids = copy_insert(
        Change,
        ["entity", "object_id", "fields", "category_path", "created_at"],
        [(entity, i, field_list, paths.get(i, ""), now) for i in object_ids],
        returning=["id"],
    )
    copy_insert(
        ChangeDelivery,
        ["change_id", "consumer", "attempts", "last_error"],
        [(change_id, c.name, 0, "") for (change_id,) in change_ids for c in wanting],
    )
    for c in wanting:
        # One kick per consumer and transaction: it takes every pending change.
        enqueue_on_commit(tasks.consume, c.name, once=True)
    return len(change_ids)
