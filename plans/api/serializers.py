from __future__ import annotations

from rest_framework import serializers

from accounts.models import Organization
from catalog.models import Category
from plans.models import PlanLine, ProcurementPlan


class PlanUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    institution = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.filter(kind="institution"))
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())


class _ProductRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    model_number = serializers.CharField()


class PlanLineSerializer(serializers.ModelSerializer):
    valid = serializers.BooleanField(source="is_valid", read_only=True)
    delivery_province = serializers.CharField(source="delivery_province_id", allow_null=True)
    best_product = _ProductRefSerializer(allow_null=True)
    near_miss_product = _ProductRefSerializer(allow_null=True)

    class Meta:
        model = PlanLine
        fields = [
            "row",
            "valid",
            "errors",
            "title",
            "quantity",
            "budget",
            "deadline",
            "delivery_province",
            "requirements",
            "matches_count",
            "best_product",
            "best_score",
            "near_miss_product",
            "near_miss_gaps",
            "demand",
        ]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    lines = serializers.SerializerMethodField()

    class Meta:
        model = ProcurementPlan
        fields = [
            "id",
            "institution",
            "category",
            "filename",
            "lines_total",
            "lines_valid",
            "check_seconds",
            "created_at",
            "lines",
        ]
        read_only_fields = fields

    def get_lines(self, obj: ProcurementPlan) -> list[dict]:
        lines = self.context.get("lines")
        if lines is None:
            return []
        return PlanLineSerializer(lines, many=True).data  # type: ignore[return-value]


class PlanPostSerializer(serializers.Serializer):
    rows = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=2000)


class PlanPostedSerializer(serializers.Serializer):
    demands = serializers.ListField(child=serializers.IntegerField())
