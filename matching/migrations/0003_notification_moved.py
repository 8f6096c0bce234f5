# Notification now belongs to the notifications app (its 0001 takes over the table, which stays as it is).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("matching", "0002_matchrun_match_report"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
