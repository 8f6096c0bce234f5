from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization
from feed.events import event_payload
from feed.models import FeedEntry, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from feed.selectors import MAX_LIMIT


class FeedQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, allow_blank=True, help_text="The next_cursor of the last page.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=100)


class FeedEventSerializer(serializers.Serializer):
    """Documents the shape of ``feed.events.event_payload`` (the feed builds the dicts itself, for speed)."""

    id = serializers.IntegerField(help_text="The entry's place in the feed; increases in commit order.")
    kind = serializers.ChoiceField(choices=FeedEntry.Kind.choices)
    entity = serializers.ChoiceField(choices=["product", "demand", "report", "award"])
    object_id = serializers.IntegerField()
    time = serializers.DateTimeField(help_text="When the change was made.")
    url = serializers.URLField(help_text="The resource in the API.")
    html_url = serializers.URLField(help_text="The resource's page.")


class FeedPageSerializer(serializers.Serializer):
    results = FeedEventSerializer(many=True)
    next_cursor = serializers.CharField(help_text="Pass as ?cursor= for the entries after this page.")
    next = serializers.URLField(help_text="The URL of the next page.")
    has_more = serializers.BooleanField(help_text="Whether more entries were waiting when this page was read.")


# --- webhooks -----------------------------------------------------------------------------------------------------


class WebhookInSerializer(serializers.Serializer):
    """Parses an endpoint's fields; the webhook service checks them (URL and its addresses, kinds, secret)."""

    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), help_text="An organization you administer (on create only)."
    )
    url = serializers.CharField(max_length=500)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=FeedEntry.Kind.choices), allow_empty=False)
    secret = serializers.CharField(
        required=False, allow_blank=True, max_length=128, help_text="Left out on create: the platform makes one."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    is_active = serializers.BooleanField(required=False, help_text="Switch a disabled endpoint on again.")


class WebhookUpdateSerializer(WebhookInSerializer):
    organization = None  # type: ignore[assignment]

    class Meta:
        fields = ["url", "kinds", "secret", "description", "is_active"]


class WebhookSerializer(serializers.ModelSerializer):
    deliveries_url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "organization",
            "url",
            "kinds",
            "secret",
            "description",
            "is_active",
            "failing_since",
            "disabled_at",
            "created_at",
            "deliveries_url",
            "html_url",
        ]
        read_only_fields = fields

    def get_deliveries_url(self, endpoint: WebhookEndpoint) -> str:
        return self.context["request"].build_absolute_uri(reverse("api:webhook-deliveries", kwargs={"pk": endpoint.pk}))

    def get_html_url(self, endpoint: WebhookEndpoint) -> str:
        return self.context["request"].build_absolute_uri(reverse("feed:webhook-detail", kwargs={"pk": endpoint.pk}))


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "duration_ms", "status_code", "error"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event = serializers.SerializerMethodField()
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "status", "attempts", "next_attempt_at", "delivered_at", "attempt_log"]
        read_only_fields = fields

    @extend_schema_field(FeedEventSerializer)
    def get_event(self, delivery: WebhookDelivery) -> dict[str, Any]:
        return event_payload(delivery.entry, base_url=settings.SITE_URL.rstrip("/"))
