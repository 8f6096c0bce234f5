"""The comparison of quotes and the award notices in the API: the JSON forms and their schema."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from procurement.comparison import derivation
from procurement.models import Demand


class ComparisonCellSerializer(serializers.Serializer):
    requirement = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["pass", "fail", "unknown"])
    actual = serializers.CharField(help_text="What the product states, in the requirement's unit.")
    gap = serializers.FloatField(allow_null=True, help_text="How far short (fail), in the requirement's unit.")
    margin = serializers.FloatField(allow_null=True)


class ComparisonQuoteSerializer(serializers.Serializer):
    quote = serializers.IntegerField()
    rank = serializers.IntegerField()
    status = serializers.CharField()
    manufacturer = serializers.IntegerField()
    manufacturer_zh = serializers.CharField()
    manufacturer_en = serializers.CharField()
    product = serializers.IntegerField()
    product_zh = serializers.CharField()
    product_en = serializers.CharField()
    model = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    quantity = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    exceeds_budget = serializers.BooleanField()
    lead_time_days = serializers.IntegerField(allow_null=True)
    warranty_months = serializers.IntegerField(allow_null=True)
    service_provinces = serializers.ListField(child=serializers.CharField())
    service_response_hours = serializers.IntegerField(allow_null=True)
    declared_origin = serializers.CharField()
    component_cost_share = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True)
    evaluation_count = serializers.IntegerField()
    evaluation_score = serializers.FloatField(allow_null=True)
    match_score = serializers.FloatField(allow_null=True)
    is_domestic = serializers.BooleanField(help_text="A 本国产品 under the rule in force on `rule_date`.")
    domestic_reason = serializers.CharField()
    domestic_message_zh = serializers.CharField()
    domestic_message_en = serializers.CharField()
    preference_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    evaluated_price = serializers.DecimalField(max_digits=16, decimal_places=2)
    derivation = serializers.CharField(help_text="How the evaluated price follows, in the requester's language.")
    meets_mandatory = serializers.BooleanField()
    failed = serializers.ListField(child=serializers.IntegerField(), help_text="Mandatory requirements failed.")
    unknown = serializers.ListField(child=serializers.IntegerField(), help_text="Mandatory requirements not stated.")
    cells = ComparisonCellSerializer(many=True)


class ComparisonRequirementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    operator = serializers.CharField()
    entered = serializers.CharField()
    unit = serializers.CharField()
    is_mandatory = serializers.BooleanField()


class ComparisonSerializer(serializers.Serializer):
    demand = serializers.IntegerField()
    built_at = serializers.DateTimeField()
    rule_date = serializers.DateField(help_text="The date whose domestic-product rule applies (the demand opened).")
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    quantity = serializers.IntegerField()
    requirements = ComparisonRequirementSerializer(many=True)
    quotes = ComparisonQuoteSerializer(many=True)
    html_url = serializers.CharField()
    xlsx_url = serializers.CharField()
    pdf_url = serializers.CharField()


def comparison_payload(demand: Demand, snapshot: dict[str, Any]) -> dict[str, Any]:
    """A comparison snapshot with its links and each evaluated price's derivation in the reader's language."""
    api = reverse("api:demand-detail", args=[demand.pk])
    quotes = [
        {**column, "derivation": derivation({**column, "rule_date": snapshot.get("rule_date", "")})}
        for column in snapshot["quotes"]
    ]
    return {
        **snapshot,
        "quotes": quotes,
        "html_url": reverse("procurement:demand-comparison", args=[demand.pk]),
        "xlsx_url": f"{api}comparison/xlsx/",
        "pdf_url": f"{api}comparison/pdf/",
    }
