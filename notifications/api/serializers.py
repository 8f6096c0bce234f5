from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.models import Notification
from notifications.selectors import notification_text


class NotificationSerializer(serializers.ModelSerializer):
    """A notification rendered in the request's language."""

    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField(help_text=_("The page the news is about, absolute."))

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "count", "is_read", "html_url", "created_at", "updated_at"]
        read_only_fields = fields
        extra_kwargs = {"count": {"help_text": _("Pieces of news folded into this notification.")}}

    def get_title(self, obj: Notification) -> str:
        return notification_text(obj)[0]

    def get_body(self, obj: Notification) -> str:
        return notification_text(obj)[1]

    @extend_schema_field(serializers.URLField(allow_blank=True))
    def get_html_url(self, obj: Notification) -> str:
        request = self.context.get("request")
        if not obj.url:
            return ""
        return request.build_absolute_uri(obj.url) if request is not None else obj.url


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("Notifications marked read now."))
