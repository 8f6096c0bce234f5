from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alerts.models import Delivery, Follow, SavedSearch, SearchKind
from alerts.services import saved_search_url


class SavedSearchSerializer(serializers.ModelSerializer):
    q = serializers.CharField(source="text", read_only=True)
    html_url = serializers.SerializerMethodField(help_text=_("The search page showing this search's results."))

    class Meta:
        model = SavedSearch
        fields = ["id", "name", "kind", "q", "filters", "delivery", "html_url", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_html_url(self, obj: SavedSearch) -> str:
        request = self.context.get("request")
        url = saved_search_url(obj)
        return request.build_absolute_uri(url) if request is not None else url


class SavedSearchWriteSerializer(serializers.Serializer):
    """The search's parameters are those of ``/api/v1/search/``: ``kind``, ``q`` and ``filters`` by their names."""

    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    kind = serializers.ChoiceField(choices=SearchKind.choices, required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    filters = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text=_("category, province, price_min, ... as in search.")
    )
    delivery = serializers.ChoiceField(choices=Delivery.choices, required=False)

    def params(self) -> dict[str, Any] | None:
        data = self.validated_data
        if not {"kind", "q", "filters"} & set(data):
            return None
        params: dict[str, Any] = {"kind": data.get("kind", "products"), "q": data.get("q", "")}
        for name, value in (data.get("filters") or {}).items():
            params[name] = ("true" if value else "false") if isinstance(value, bool) else value
        return params


class FollowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Follow
        fields = ["id", "target", "category", "organization", "product", "delivery", "created_at"]
        read_only_fields = ["id", "target", "created_at"]
        extra_kwargs = {
            "category": {"required": False},
            "organization": {"required": False},
            "product": {"required": False},
        }


class FollowUpdateSerializer(serializers.Serializer):
    delivery = serializers.ChoiceField(choices=Delivery.choices)
