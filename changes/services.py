"""Recording changes: other apps call ``change_record`` inside the transaction that makes the change.

The outbox rows commit with the change or not at all; every consumer that wants the change is kicked once after
commit, and the periodic sweep (``changes.sweep``) takes whatever a lost kick or a broker outage left, so nothing
depends on the broker being up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from changes import tasks
from changes.models import Change, ChangeDelivery
from changes.registry import consumers
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
    changes = Change.objects.bulk_create(
        [Change(entity=entity, object_id=i, fields=list(fields), category_path=paths.get(i, "")) for i in object_ids],
        batch_size=2000,
    )
    ChangeDelivery.objects.bulk_create(
        [ChangeDelivery(change_id=change.pk, consumer=c.name) for change in changes for c in wanting],
        batch_size=5000,
    )
    for c in wanting:
        # One kick per consumer and transaction: it takes every pending change.
        enqueue_on_commit(tasks.consume, c.name, once=True)
    return len(changes)
