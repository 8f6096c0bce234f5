from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from search.documents import KINDS
from search.params import MAX_PAGE_SIZE, filter_errors

_BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]


class SearchParamsSerializer(serializers.Serializer):
    """Query-string parameters of /api/v1/search/."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    kind = serializers.ChoiceField(choices=KINDS, default="products")
    category = serializers.IntegerField(required=False, min_value=1, help_text=_("Category id; includes its subtree."))
    is_domestic = serializers.ChoiceField(choices=_BOOLEAN_CHOICES, required=False, help_text=_("Products only."))
    province = serializers.RegexField(
        r"^\d{6}$", required=False, help_text=_("GB/T 2260 code: served (products) or delivery (demands) province.")
    )
    manufacturer = serializers.IntegerField(required=False, min_value=1, help_text=_("Products only."))
    price_min = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    price_max = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    budget_min = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    budget_max = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    deadline_after = serializers.DateField(required=False)
    deadline_before = serializers.DateField(required=False)
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=20)
    sort = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20,
        help_text=_(
            "Empty: domestic products first, then relevance, then newest. Products: newest, price, -price. "
            "Demands: newest, deadline, -budget."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "is_domestic" in attrs:
            attrs["is_domestic"] = attrs["is_domestic"] == "true"
        errors = filter_errors(attrs)
        if errors:
            raise serializers.ValidationError({name: [message] for name, message in errors.items()})
        return attrs


class _CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class _OrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class _ProvinceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class ProductHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    model_number = serializers.CharField()
    category = _CategorySerializer()
    manufacturer = _OrganizationSerializer()
    is_domestic = serializers.BooleanField()
    price_min = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    price_max = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)


class DemandHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    category = _CategorySerializer()
    institution = _OrganizationSerializer()
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    deadline = serializers.DateField()
    delivery_province = _ProvinceSerializer()
    opened_at = serializers.DateTimeField(allow_null=True)


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class SearchResponseSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    q = serializers.CharField()
    count = serializers.IntegerField(help_text=_("Total number of matches."))
    count_is_exact = serializers.BooleanField(
        help_text=_("False when the query matched so much that count and facet counts are estimates.")
    )
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = serializers.ListField(
        child=serializers.DictField(), help_text=_("Product or demand rows, in relevance order.")
    )
    facets = serializers.DictField(
        child=FacetValueSerializer(many=True), help_text=_("Facet name to values with counts, most frequent first.")
    )
    highlights = serializers.DictField(
        child=serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        help_text=_("Row id to field name to fragments, matches wrapped in <mark>."),
    )
    backend = serializers.CharField(help_text=_("The backend that answered: database or elasticsearch."))
    degraded = serializers.BooleanField(
        help_text=_("True when Elasticsearch is configured but failed, and the database answered instead.")
    )
