"""Moving Notification out of matching keeps every row: migrate back to before the move, write rows, migrate on."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("matching", "0002_matchrun_match_report"), ("notifications", None)]


@pytest.mark.django_db
def test_moving_the_notification_model_keeps_every_row():
    # PostgreSQL runs DDL in transactions: the test's rollback restores the schema it migrates back and forth.
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    # given: the schema before the move, with a notification stored by matching
    executor.migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user (password, is_superuser, first_name, last_name, email, full_name, phone,"
            " is_staff, is_active, date_joined, preferred_language, email_notifications)"
            " VALUES ('', false, '', '', 'kept@example.org', 'Kept', '', false, true, now(), 'en', true) RETURNING id"
        )
        user_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO matching_notification (user_id, kind, title, body, url, dedupe_key, is_read, created_at)"
            " VALUES (%s, 'new_match', 'Old title', 'Old body', '/demands/1/', 'match:1:2:demand', false, now())",
            [user_id],
        )
        # Foreign keys are checked at commit; the table cannot be altered while such checks are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # when: every migration runs
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    # then: the row is in the notifications table, shows its stored text, and its news counts as heard
    with connection.cursor() as cursor:
        cursor.execute("SELECT title, body, url, params, count, is_read FROM notifications_notification")
        assert cursor.fetchall() == [("Old title", "Old body", "/demands/1/", None, 1, False)]
        cursor.execute("SELECT key FROM notifications_notificationevent")
        assert cursor.fetchall() == [("match:1:2:demand",)]
        cursor.execute("SELECT to_regclass('matching_notification')")
        assert cursor.fetchone() == (None,)
