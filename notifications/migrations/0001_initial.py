# The Notification model moves here from matching. Its table already exists (matching_notification): this
# migration only takes the model into this app's state; 0002 renames the table and extends it, keeping every row.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("matching", "0002_matchrun_match_report"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=32, verbose_name="kind")),
                        ("title", models.CharField(max_length=300, verbose_name="title")),
                        ("body", models.TextField(blank=True, verbose_name="body")),
                        ("url", models.CharField(blank=True, max_length=500, verbose_name="link")),
                        ("dedupe_key", models.CharField(max_length=200, verbose_name="deduplication key")),
                        ("is_read", models.BooleanField(default=False, verbose_name="read")),
                        ("emailed_at", models.DateTimeField(blank=True, null=True, verbose_name="emailed at")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "matching_notification",
                        "indexes": [
                            models.Index(fields=["user", "is_read", "-created_at"], name="matching_no_user_id_4a04c3_idx")
                        ],
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "dedupe_key"), name="matching_notification_dedupe")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
