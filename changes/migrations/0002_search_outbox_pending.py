# The search outbox becomes one consumer of the change outbox: rows it had not indexed yet are carried over as
# pending changes for search, so nothing recorded before the upgrade is lost.

from django.db import migrations

ENTITIES = {"products": "product", "demands": "demand"}


def carry_over(apps, schema_editor):
    SearchOutbox = apps.get_model("search", "SearchOutbox")
    Change = apps.get_model("changes", "Change")
    ChangeDelivery = apps.get_model("changes", "ChangeDelivery")
    pending = SearchOutbox.objects.filter(indexed_at__isnull=True).order_by("id")
    rows = list(dict.fromkeys((ENTITIES[kind], object_id) for kind, object_id in pending.values_list("kind", "object_id")))
    for start in range(0, len(rows), 5000):
        changes = Change.objects.bulk_create(
            [Change(entity=entity, object_id=object_id, fields=[]) for entity, object_id in rows[start : start + 5000]]
        )
        ChangeDelivery.objects.bulk_create([ChangeDelivery(change_id=c.pk, consumer="search") for c in changes])


class Migration(migrations.Migration):

    dependencies = [
        ("changes", "0001_initial"),
        ("search", "0002_search_entry_vector_gin"),
    ]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
