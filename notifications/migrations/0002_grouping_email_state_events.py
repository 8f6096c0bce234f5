# The moved table becomes notifications_notification and learns grouping, read-time rendering (params) and the
# email state; every existing row is kept, with its stored text (params stay empty: it renders as it was stored)
# and its deduplication key recorded as news its reader has heard.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def keep_history(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    NotificationEvent = apps.get_model("notifications", "NotificationEvent")
    Notification.objects.update(updated_at=F("created_at"))
    batch = []
    for pk, user_id, key in Notification.objects.values_list("pk", "user_id", "dedupe_key").iterator(chunk_size=5000):
        batch.append(NotificationEvent(user_id=user_id, key=key, notification_id=pk))
        if len(batch) >= 5000:
            NotificationEvent.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    NotificationEvent.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='NotificationEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=200, verbose_name='key')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
            ],
            options={
                'verbose_name': 'notification event',
                'verbose_name_plural': 'notification events',
            },
        ),
        migrations.AlterModelOptions(
            name='notification',
            options={'ordering': ['-updated_at', '-id'], 'verbose_name': 'notification', 'verbose_name_plural': 'notifications'},
        ),
        migrations.RemoveConstraint(
            model_name='notification',
            name='matching_notification_dedupe',
        ),
        migrations.RemoveIndex(
            model_name='notification',
            name='matching_no_user_id_4a04c3_idx',
        ),
        migrations.AddField(
            model_name='notification',
            name='count',
            field=models.PositiveIntegerField(default=1, verbose_name='items'),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_attempts',
            field=models.PositiveIntegerField(default=0, verbose_name='email attempts'),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_error',
            field=models.TextField(blank=True, verbose_name='last email error'),
        ),
        migrations.AddField(
            model_name='notification',
            name='group_key',
            field=models.CharField(blank=True, max_length=200, verbose_name='group'),
        ),
        migrations.AddField(
            model_name='notification',
            name='params',
            field=models.JSONField(blank=True, null=True, verbose_name='parameters'),
        ),
        migrations.AddField(
            model_name='notification',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated at'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['user', 'is_read', '-updated_at'], name='notifications_user_unread'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('group_key', ''), _negated=True), fields=['user', 'group_key'], name='notifications_group'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.UniqueConstraint(fields=('user', 'dedupe_key'), name='notifications_notification_dedupe'),
        ),
        migrations.AlterModelTable(
            name='notification',
            table=None,
        ),
        migrations.AddField(
            model_name='notificationevent',
            name='notification',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='notifications.notification', verbose_name='notification'),
        ),
        migrations.AddField(
            model_name='notificationevent',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AddConstraint(
            model_name='notificationevent',
            constraint=models.UniqueConstraint(fields=('user', 'key'), name='notifications_event_unique'),
        ),
        migrations.RunPython(keep_history, migrations.RunPython.noop),
    ]
