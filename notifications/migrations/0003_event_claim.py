# News a person heard is claimed by the notify() call that tells it (a token), no longer linked to its notification.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_grouping_email_state_events'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='notificationevent',
            name='notification',
        ),
        migrations.AddField(
            model_name='notificationevent',
            name='claim',
            field=models.UUIDField(blank=True, db_index=True, null=True, verbose_name='claim'),
        ),
    ]
