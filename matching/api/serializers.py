"""Matching API serializers: explicit per direction."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.links import absolute_link
from matching.models import Match, MatchReport, MatchRun
from matching.selectors import expand_results, requirement_info


class MatchRunSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = MatchRun
        fields = [
            "id",
            "kind",
            "trigger",
            "status",
            "demand",
            "product",
            "chunks_total",
            "chunks_done",
            "demands_count",
            "pairs_count",
            "pairs_checked",
            "matches_count",
            "near_misses_count",
            "notifications_count",
            "load_seconds",
            "score_seconds",
            "write_seconds",
            "error",
            "created_at",
            "finished_at",
            "duration_seconds",
        ]
        read_only_fields = fields


class MatchRunStartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[MatchRun.Kind.FULL, MatchRun.Kind.DEMAND])
    demand = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["kind"] == MatchRun.Kind.DEMAND and not attrs.get("demand"):
            raise serializers.ValidationError({"demand": [_("Choose the demand to match.")]})
        return attrs


class RequirementResultSerializer(serializers.Serializer):
    """How the product did on one requirement. ``actual``, ``actual_max``, ``margin`` and ``gap`` are in ``unit``
    (the requirement's unit as entered, else the dictionary's); ``gap_canonical`` in ``canonical_unit``."""

    requirement = serializers.IntegerField()
    parameter = serializers.CharField(source="key", help_text=gettext_lazy("The parameter's key."))
    parameter_name = serializers.CharField(source="name")
    operator = serializers.CharField()
    is_mandatory = serializers.BooleanField(source="mandatory")
    status = serializers.ChoiceField(choices=["pass", "fail", "unknown"])
    unit = serializers.CharField()
    canonical_unit = serializers.CharField()
    required_value = serializers.CharField(
        source="required", help_text=gettext_lazy("The requirement's value as entered.")
    )
    actual = serializers.JSONField(allow_null=True)
    actual_max = serializers.FloatField(allow_null=True)
    margin = serializers.FloatField(allow_null=True)
    gap = serializers.FloatField(allow_null=True)
    gap_canonical = serializers.FloatField(allow_null=True)


class MatchSerializer(serializers.ModelSerializer):
    demand_title = serializers.CharField(source="demand.title", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    product_model = serializers.CharField(source="product.model_number", read_only=True)
    manufacturer = serializers.IntegerField(source="product.manufacturer_id", read_only=True)
    manufacturer_name = serializers.CharField(source="product.manufacturer.name", read_only=True)
    components = serializers.DictField(child=serializers.FloatField())
    results = serializers.SerializerMethodField()
    strongest_component = serializers.CharField(read_only=True)

    class Meta:
        model = Match
        fields = [
            "id",
            "demand",
            "demand_title",
            "product",
            "product_name",
            "product_model",
            "manufacturer",
            "manufacturer_name",
            "is_near_miss",
            "rank",
            "score",
            "components",
            "strongest_component",
            "results",
            "failed_count",
            "matched_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RequirementResultSerializer(many=True))
    def get_results(self, obj: Match) -> Any:
        info = self.context.get("requirements")
        if info is None:
            info = requirement_info(demand_ids=[obj.demand_id])
        return RequirementResultSerializer(expand_results(obj.results, info), many=True).data


class MatchReportListSerializer(serializers.ModelSerializer):
    html_url = serializers.SerializerMethodField(help_text=gettext_lazy("The report's page."))
    csv_url = serializers.SerializerMethodField(help_text=gettext_lazy("The report as CSV."))
    json_url = serializers.SerializerMethodField(help_text=gettext_lazy("The report as a JSON download."))

    class Meta:
        model = MatchReport
        fields = [
            "id",
            "title",
            "period_start",
            "period_end",
            "status",
            "supersedes",
            "demands_count",
            "matched_demands_count",
            "note",
            "created_at",
            "published_at",
            "html_url",
            "csv_url",
            "json_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_html_url(self, obj: MatchReport) -> str:
        return absolute_link(self.context, "matching:report-detail", obj.pk)

    @extend_schema_field(serializers.URLField())
    def get_csv_url(self, obj: MatchReport) -> str:
        return absolute_link(self.context, "matching:report-csv", obj.pk)

    @extend_schema_field(serializers.URLField())
    def get_json_url(self, obj: MatchReport) -> str:
        return absolute_link(self.context, "matching:report-json", obj.pk)


class MatchReportSerializer(MatchReportListSerializer):
    content = serializers.JSONField(source="snapshot", read_only=True)
    superseded_by = serializers.SerializerMethodField()

    class Meta(MatchReportListSerializer.Meta):
        fields = [*MatchReportListSerializer.Meta.fields, "superseded_by", "content"]
        read_only_fields = fields

    def get_superseded_by(self, obj: MatchReport) -> list[int]:
        return [r.pk for r in obj.superseded_by.all() if r.is_published]


class MatchReportCreateSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    supersedes = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TopGapSerializer(serializers.Serializer):
    category = serializers.CharField()
    category_name = serializers.CharField()
    parameter = serializers.CharField()
    parameter_name = serializers.CharField()
    unmet_demands = serializers.IntegerField()


class ImportsDespiteDomesticSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="The demand category's code.")
    category_name = serializers.CharField()
    awards = serializers.IntegerField()
    imported = serializers.IntegerField()
    imported_despite_domestic = serializers.IntegerField(
        help_text="Imported although a domestic quote or match met every mandatory requirement."
    )


class StatsSerializer(serializers.Serializer):
    demands_open = serializers.IntegerField()
    demands_matched = serializers.IntegerField()
    match_coverage = serializers.FloatField()
    products_domestic = serializers.IntegerField()
    products_imported = serializers.IntegerField()
    matches = serializers.IntegerField()
    reports_published = serializers.IntegerField()
    top_gaps = TopGapSerializer(many=True)
    imports_despite_domestic = ImportsDespiteDomesticSerializer(many=True)
