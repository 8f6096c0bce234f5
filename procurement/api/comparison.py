"""The comparison of quotes and the award notices in the API: the JSON forms and their schema."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import translation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization
from catalog.models import Product
from config.api.links import absolute_link
from procurement.comparison import derivation
from procurement.models import Award, Demand
from procurement.selectors import award_column, award_notice_alternatives


class QuoteComparisonCellSerializer(serializers.Serializer):
    requirement = serializers.IntegerField()
    status = serializers.CharField(help_text="`pass`, `fail` or `unknown` (the product does not state it).")
    actual = serializers.CharField(help_text="What the product states, in the requirement's unit.")
    gap = serializers.FloatField(allow_null=True, help_text="How far short (fail), in the requirement's unit.")
    margin = serializers.FloatField(allow_null=True)


class QuoteComparisonColumnSerializer(serializers.Serializer):
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
    cells = QuoteComparisonCellSerializer(many=True)


class QuoteComparisonRequirementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    operator = serializers.CharField()
    entered = serializers.CharField()
    unit = serializers.CharField()
    is_mandatory = serializers.BooleanField()


class QuoteComparisonSerializer(serializers.Serializer):
    demand = serializers.IntegerField()
    built_at = serializers.DateTimeField()
    rule_date = serializers.DateField(help_text="The date whose domestic-product rule applies (the demand opened).")
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    quantity = serializers.IntegerField()
    requirements = QuoteComparisonRequirementSerializer(many=True)
    quotes = QuoteComparisonColumnSerializer(many=True)
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


# --- award notices ------------------------------------------------------------------------------------------


class NoticeMakerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "name_zh", "name_en"]
        read_only_fields = fields


class NoticeProductSerializer(serializers.ModelSerializer):
    """A published catalog product a notice names: what anyone may read in the catalog, nothing of a quote."""

    name = serializers.CharField(read_only=True)
    manufacturer = NoticeMakerSerializer(read_only=True)
    html_url = serializers.SerializerMethodField(help_text="The product's catalog page, absolute.")

    class Meta:
        model = Product
        fields = ["id", "name", "name_zh", "name_en", "model_number", "manufacturer", "html_url"]
        read_only_fields = fields

    def get_html_url(self, product: Product) -> str:
        return absolute_link(self.context, "catalog:product-detail", product.pk)


class AwardNoticeListSerializer(serializers.ListSerializer):
    """Loads the products every notice of the page names, in one query, before the notices are written."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        awards = list(data.all() if hasattr(data, "all") else data)
        self.context["_alternatives"] = award_notice_alternatives(awards)
        return super().to_representation(awards)


class AwardNoticeSerializer(serializers.ModelSerializer):
    """An award notice, in both languages: who bought what from whom, at what price, domestic or not, and why."""

    demand_title = serializers.CharField(source="demand.title")
    buyer = serializers.IntegerField(source="demand.institution_id")
    buyer_name_zh = serializers.CharField(source="demand.institution.name_zh")
    buyer_name_en = serializers.SerializerMethodField()
    category = serializers.CharField(source="demand.category.code")
    category_name_zh = serializers.CharField(source="demand.category.name_zh")
    category_name_en = serializers.SerializerMethodField()
    supplier = serializers.SerializerMethodField()
    supplier_name_zh = serializers.SerializerMethodField()
    supplier_name_en = serializers.SerializerMethodField()
    product_name_zh = serializers.SerializerMethodField()
    product_name_en = serializers.SerializerMethodField()
    product_model = serializers.SerializerMethodField()
    quantity = serializers.SerializerMethodField()
    is_domestic = serializers.SerializerMethodField()
    domestic_message_zh = serializers.SerializerMethodField()
    domestic_message_en = serializers.SerializerMethodField()
    preference_percent = serializers.SerializerMethodField()
    derivation_zh = serializers.SerializerMethodField()
    derivation_en = serializers.SerializerMethodField()
    quotes_compared = serializers.SerializerMethodField()
    domestic_alternatives = serializers.SerializerMethodField(
        help_text=(
            "The published domestic catalog products that met every mandatory requirement of the demand "
            "(an imported award then says why in `reason`); never another bidder's quote."
        )
    )
    reason = serializers.CharField(source="note")
    awarded_at = serializers.DateTimeField(source="created_at")
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Award
        list_serializer_class = AwardNoticeListSerializer
        fields = [
            "id",
            "demand",
            "demand_title",
            "buyer",
            "buyer_name_zh",
            "buyer_name_en",
            "category",
            "category_name_zh",
            "category_name_en",
            "quote",
            "product",
            "product_name_zh",
            "product_name_en",
            "product_model",
            "supplier",
            "supplier_name_zh",
            "supplier_name_en",
            "unit_price",
            "quantity",
            "total",
            "is_imported",
            "is_domestic",
            "domestic_message_zh",
            "domestic_message_en",
            "preference_percent",
            "evaluated_price",
            "derivation_zh",
            "derivation_en",
            "quotes_compared",
            "imported_despite_domestic",
            "domestic_alternatives",
            "reason",
            "awarded_at",
            "confirmed_at",
            "html_url",
        ]

    def _column(self, award: Award) -> dict[str, Any] | None:
        cache = self.context.setdefault("_columns", {})
        if award.pk not in cache:
            cache[award.pk] = award_column(award)
        column: dict[str, Any] | None = cache[award.pk]
        return column

    def get_buyer_name_en(self, award: Award) -> str:
        return award.demand.institution.name_en or award.demand.institution.name_zh

    def get_category_name_en(self, award: Award) -> str:
        return award.demand.category.name_en or award.demand.category.name_zh

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_supplier(self, award: Award) -> int | None:
        return award.product.manufacturer_id if award.product else None

    def get_supplier_name_zh(self, award: Award) -> str:
        return award.product.manufacturer.name_zh if award.product else ""

    def get_supplier_name_en(self, award: Award) -> str:
        if award.product is None:
            return ""
        return award.product.manufacturer.name_en or award.product.manufacturer.name_zh

    def get_product_name_zh(self, award: Award) -> str:
        return award.product.name_zh if award.product else ""

    def get_product_name_en(self, award: Award) -> str:
        return (award.product.name_en or award.product.name_zh) if award.product else ""

    def get_product_model(self, award: Award) -> str:
        return award.product.model_number if award.product else ""

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_quantity(self, award: Award) -> int | None:
        column = self._column(award)
        return column["quantity"] if column else None

    def get_is_domestic(self, award: Award) -> bool:
        return not award.is_imported

    def get_domestic_message_zh(self, award: Award) -> str:
        column = self._column(award)
        return str(column["domestic_message_zh"]) if column else ""

    def get_domestic_message_en(self, award: Award) -> str:
        column = self._column(award)
        return str(column["domestic_message_en"]) if column else ""

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_preference_percent(self, award: Award) -> str | None:
        column = self._column(award)
        return str(column["preference_percent"]) if column else None

    def _derivation(self, award: Award, language: str) -> str:
        column = self._column(award)
        if column is None:
            return ""
        with translation.override(language):
            return derivation(column)

    def get_derivation_zh(self, award: Award) -> str:
        return self._derivation(award, "zh-hans")

    def get_derivation_en(self, award: Award) -> str:
        return self._derivation(award, "en")

    @extend_schema_field(NoticeProductSerializer(many=True))
    def get_domestic_alternatives(self, award: Award) -> list[dict[str, Any]]:
        loaded = self.context.get("_alternatives")
        if loaded is None or award.pk not in loaded:
            loaded = award_notice_alternatives([award])
        return list(NoticeProductSerializer(loaded[award.pk], many=True, context=self.context).data)

    def get_quotes_compared(self, award: Award) -> int:
        return len((award.comparison or {}).get("quotes", []))

    def get_html_url(self, award: Award) -> str:
        return reverse("procurement:award-detail", args=[award.pk])
