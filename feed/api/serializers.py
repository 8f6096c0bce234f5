from __future__ import annotations

from rest_framework import serializers

from feed.models import FeedEntry
from feed.selectors import MAX_LIMIT


class FeedQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, allow_blank=True, help_text="The next_cursor of the last page.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=100)


class FeedEventSerializer(serializers.Serializer):
    """Documents the shape of ``feed.events.event_payload`` (the feed builds the dicts itself, for speed)."""

    id = serializers.IntegerField(help_text="The entry's place in the feed; increases in commit order.")
    kind = serializers.ChoiceField(choices=FeedEntry.Kind.choices)
    entity = serializers.ChoiceField(choices=["product", "demand", "report"])
    object_id = serializers.IntegerField()
    time = serializers.DateTimeField(help_text="When the change was made.")
    url = serializers.URLField(help_text="The resource in the API.")
    html_url = serializers.URLField(help_text="The resource's page.")


class FeedPageSerializer(serializers.Serializer):
    results = FeedEventSerializer(many=True)
    next_cursor = serializers.CharField(help_text="Pass as ?cursor= for the entries after this page.")
    next = serializers.URLField(help_text="The URL of the next page.")
    has_more = serializers.BooleanField(help_text="Whether more entries were waiting when this page was read.")
