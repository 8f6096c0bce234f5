from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "kind", "count", "is_read", "emailed_at", "email_attempts", "updated_at"]
    list_filter = ["kind", "is_read"]
    search_fields = ["title", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["params", "dedupe_key", "group_key", "emailed_at", "email_attempts", "email_error"]
