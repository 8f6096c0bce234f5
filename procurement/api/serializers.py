"""API serializers: explicit input and output shapes. Input serializers only parse; services decide."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization, Province
from catalog.models import Category, Product
from config.api.links import absolute_link
from config.exceptions import ApplicationError
from procurement.models import (
    Demand,
    DemandRevision,
    ExpertReview,
    ImportJustification,
    Quote,
    QuoteDocument,
    Requirement,
    SharedInstrument,
)
from procurement.policies import DemandAccess
from procurement.requirement_rules import MAX_WEIGHT, RequirementInput
from procurement.services import requirements_validate

# --- requirements -------------------------------------------------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}],
        "nullable": True,
        "description": "A number (with `unit`) for number parameters, a choice for `=` on a choice parameter, "
        "true/false for a yes/no parameter.",
    }
)
class ScalarField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> Any:
        if data is not None and not isinstance(data, (int, float, str, bool)):
            raise serializers.ValidationError(_("Give a number, a string or true/false."))
        return data


class RequirementInSerializer(serializers.Serializer):
    parameter = serializers.CharField(max_length=64, help_text="The parameter's key in the category's dictionary.")
    operator = serializers.ChoiceField(
        choices=Requirement.Operator.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Left out: from the parameter's better direction (lower: `<=`, higher: `>=`, a range: `covers`, "
        "a choice: `in`).",
    )
    value = ScalarField(required=False, allow_null=True)
    value_min = serializers.FloatField(required=False, allow_null=True, help_text="Lower end for `covers`.")
    value_max = serializers.FloatField(required=False, allow_null=True, help_text="Upper end for `covers`.")
    choices = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, help_text="Values for `in`."
    )
    unit = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    is_mandatory = serializers.BooleanField(required=False, default=True)
    weight = serializers.FloatField(required=False, default=1.0, min_value=0, max_value=MAX_WEIGHT)

    def to_input(self, data: dict[str, Any]) -> RequirementInput:
        return requirement_input(data)


def requirement_input(data: dict[str, Any]) -> RequirementInput:
    return RequirementInput(
        parameter_key=data["parameter"],
        operator=data.get("operator") or "",
        value=data.get("value"),
        value_min=data.get("value_min"),
        value_max=data.get("value_max"),
        choices=list(data.get("choices") or []),
        unit=data.get("unit") or "",
        is_mandatory=data.get("is_mandatory", True),
        weight=data.get("weight", 1.0),
    )


class RequirementOutSerializer(serializers.ModelSerializer):
    parameter = serializers.CharField(source="parameter.key")
    parameter_name = serializers.CharField(source="parameter.name")
    value_type = serializers.CharField(source="parameter.value_type")
    canonical_unit = serializers.CharField(source="parameter.unit")
    choices = serializers.ListField(source="value_choices", child=serializers.CharField())

    class Meta:
        model = Requirement
        fields = [
            "parameter",
            "parameter_name",
            "value_type",
            "operator",
            "value",
            "value_min",
            "value_max",
            "choices",
            "canonical_unit",
            "entered_value",
            "unit",
            "is_mandatory",
            "weight",
        ]
        extra_kwargs = {
            "value": {"help_text": "In the canonical unit."},
            "value_min": {"help_text": "In the canonical unit."},
            "value_max": {"help_text": "In the canonical unit."},
            "unit": {"help_text": "The unit the requirement was entered in."},
        }


def validate_requirement_rows(category: Category, rows: list[dict[str, Any]]) -> list[RequirementInput]:
    """Check rows against the dictionary now, so errors come back nested per row like any field error."""
    inputs = [requirement_input(row) for row in rows]
    try:
        requirements_validate(category=category, items=inputs)
    except ApplicationError as exc:
        if "requirements" in exc.extra:
            # Keyed by row index, the shape DRF gives nested list errors, so every requirement error reads alike.
            by_row = {str(i): errors for i, errors in enumerate(exc.extra["requirements"]) if errors}
            raise serializers.ValidationError({"requirements": by_row}) from None
        raise serializers.ValidationError({"requirements": [exc.message]}) from None
    return inputs


# --- demands ------------------------------------------------------------------------------------------------------


class DemandOutSerializer(serializers.ModelSerializer):
    category_code = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    institution_name = serializers.CharField(source="institution.name")
    delivery_province = serializers.CharField(source="delivery_province_id")
    requirements = RequirementOutSerializer(many=True, read_only=True)
    contact_name = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()
    contact_email = serializers.SerializerMethodField()
    quote_count = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField(help_text="The demand's page.")

    class Meta:
        model = Demand
        fields = [
            "id",
            "html_url",
            "title",
            "description",
            "status",
            "institution",
            "institution_name",
            "category",
            "category_code",
            "category_name",
            "quantity",
            "budget",
            "deadline",
            "delivery_province",
            "funding",
            "is_sealed",
            "quotes_opened_at",
            "quote_count",
            "accepts_imported",
            "import_reason",
            "free_text_requirements",
            "requirements",
            "contact_name",
            "contact_phone",
            "contact_email",
            "shared_check",
            "shared_check_reason",
            "shared_check_at",
            "revision",
            "opened_at",
            "awarded_at",
            "closed_at",
            "cancelled_at",
            "expired_at",
            "created_at",
            "updated_at",
        ]

    def _contact(self, demand: Demand, name: str) -> str | None:
        access: DemandAccess | None = self.context.get("access")
        if access is None or not access.can_see_contact(demand):
            return None
        return str(getattr(demand, name))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_name(self, demand: Demand) -> str | None:
        """Null unless you belong to a verified manufacturer or to the demand's institution."""
        return self._contact(demand, "contact_name")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_phone(self, demand: Demand) -> str | None:
        return self._contact(demand, "contact_phone")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_email(self, demand: Demand) -> str | None:
        return self._contact(demand, "contact_email")

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_quote_count(self, demand: Demand) -> int | None:
        """How many quotes were submitted (the one figure a sealed demand shows): its institution only, else null."""
        access: DemandAccess | None = self.context.get("access")
        if access is None or not access.can_edit(demand):
            return None
        count = getattr(demand, "submitted_quote_count", None)
        return count if count is not None else demand.quotes.filter(status=Quote.Status.SUBMITTED).count()

    @extend_schema_field(serializers.URLField())
    def get_html_url(self, demand: Demand) -> str:
        return absolute_link(self.context, "procurement:demand-detail", demand.pk)


class DemandFieldsSerializer(serializers.Serializer):
    """The fields a person sets on a demand (shared by create and update)."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    quantity = serializers.IntegerField(required=False, default=1)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True, default=None)
    deadline = serializers.DateField()
    delivery_province = serializers.SlugRelatedField(slug_field="code", queryset=Province.objects.all())
    funding = serializers.ChoiceField(choices=Demand.Funding.choices, required=False, default=Demand.Funding.FISCAL)
    is_sealed = serializers.BooleanField(
        required=False,
        help_text="Quotes stay sealed until the deadline has passed. Left out on creation: sealed for fiscal funds.",
    )
    accepts_imported = serializers.BooleanField(required=False, default=False)
    import_reason = serializers.CharField(required=False, allow_blank=True, default="")
    free_text_requirements = serializers.CharField(required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    requirements = RequirementInSerializer(many=True, required=False)


class DemandCreateSerializer(DemandFieldsSerializer):
    institution = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=Organization.Kind.INSTITUTION),
        required=False,
        help_text="Needed only when you belong to more than one institution.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["requirement_inputs"] = validate_requirement_rows(attrs["category"], attrs.pop("requirements", []))
        return attrs


class DemandUpdateSerializer(DemandFieldsSerializer):
    """A partial update: `requirements` merge by parameter. On an open demand they make a new revision."""

    revision_reason = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        demand: Demand = self.context["demand"]
        if "requirements" in attrs:
            category = attrs.get("category", demand.category)
            attrs["requirement_inputs"] = validate_requirement_rows(category, attrs.pop("requirements"))
        return attrs


class DemandReplaceSerializer(DemandUpdateSerializer):
    """PUT: the demand as a whole; its requirements are replaced by the list given (PATCH merges them)."""

    requirements = RequirementInSerializer(
        many=True, help_text="Every requirement of the demand; the ones left out are removed."
    )


class DemandReviseSerializer(serializers.Serializer):
    requirements = RequirementInSerializer(many=True)
    free_text_requirements = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        demand: Demand = self.context["demand"]
        attrs["requirement_inputs"] = validate_requirement_rows(demand.category, attrs.pop("requirements"))
        return attrs


class SharedCheckSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(
        choices=[
            Demand.SharedCheck.STILL_NEEDED,
            Demand.SharedCheck.NONE_FOUND,
            Demand.SharedCheck.WITHDRAWN,
        ],
        help_text="`withdrawn` cancels the demand: a shared instrument will be used.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DemandFilterSerializer(serializers.Serializer):
    """Query parameters of the demand list (as on the pages)."""

    q = serializers.CharField(required=False, help_text="Keywords (open demands only).")
    category = serializers.IntegerField(required=False, help_text="Category id; its subtree is included.")
    province = serializers.CharField(required=False, help_text="Delivery province code (GB/T 2260).")
    budget_min = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, min_value=0)
    budget_max = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, min_value=0)
    deadline_after = serializers.DateField(required=False)
    deadline_before = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=Demand.Status.choices, required=False)
    institution = serializers.IntegerField(required=False)
    mine = serializers.BooleanField(required=False, help_text="Only my institutions' demands (drafts included).")


class DemandRevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DemandRevision
        fields = ["number", "snapshot", "reason", "created_at"]


# --- shared instruments -----------------------------------------------------------------------------------------


class SharedInstrumentOutSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name")
    category_code = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    province = serializers.CharField(source="province_id")

    class Meta:
        model = SharedInstrument
        fields = [
            "id",
            "institution",
            "institution_name",
            "category",
            "category_code",
            "category_name",
            "product",
            "name",
            "model_name",
            "manufacturer_name",
            "location",
            "province",
            "booking_contact",
            "booking_url",
            "is_open_to_external",
            "created_at",
            "updated_at",
        ]


class SharedInstrumentInSerializer(serializers.Serializer):
    institution = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=Organization.Kind.INSTITUTION), required=False
    )
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.filter(status=Product.Status.PUBLISHED), required=False, allow_null=True
    )
    name = serializers.CharField(max_length=200)
    model_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    manufacturer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    province = serializers.SlugRelatedField(slug_field="code", queryset=Province.objects.all())
    booking_contact = serializers.CharField(max_length=200, required=False, allow_blank=True)
    booking_url = serializers.URLField(required=False, allow_blank=True)
    is_open_to_external = serializers.BooleanField(required=False)


class SharedInstrumentImportSerializer(serializers.Serializer):
    institution = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=Organization.Kind.INSTITUTION), required=False
    )
    file = serializers.FileField(help_text="CSV or XLSX: name, category (code), province (code or name), ...")


# --- quotes -------------------------------------------------------------------------------------------------------


class QuoteDocumentSerializer(serializers.ModelSerializer):
    url = serializers.FileField(source="file", use_url=True)

    class Meta:
        model = QuoteDocument
        fields = ["id", "title", "size", "url", "created_at"]


class QuoteOutSerializer(serializers.ModelSerializer):
    manufacturer_name = serializers.CharField(source="manufacturer.name")
    product_name = serializers.CharField(source="product.name")
    product_model = serializers.CharField(source="product.model_number")
    service_provinces = serializers.SlugRelatedField[Province](slug_field="code", many=True, read_only=True)
    declared_origin = serializers.CharField(source="declared_origin.code")
    documents = QuoteDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "demand",
            "manufacturer",
            "manufacturer_name",
            "product",
            "product_name",
            "product_model",
            "unit_price",
            "quantity",
            "total",
            "exceeds_budget",
            "lead_time_days",
            "warranty_months",
            "service_provinces",
            "service_response_hours",
            "declared_origin",
            "component_cost_share",
            "documents",
            "message",
            "status",
            "submitted_at",
            "created_at",
            "updated_at",
        ]


class QuoteTermsSerializer(serializers.Serializer):
    """A quote's terms. Only the shapes are checked here; the quote service decides (and reports every field)."""

    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    quantity = serializers.IntegerField(required=False, allow_null=True, help_text="Default: the demand's quantity.")
    lead_time_days = serializers.IntegerField(required=False, allow_null=True)
    warranty_months = serializers.IntegerField(required=False, allow_null=True)
    service_provinces = serializers.SlugRelatedField(
        slug_field="code", queryset=Province.objects.all(), many=True, required=False
    )
    service_response_hours = serializers.IntegerField(required=False, allow_null=True)
    declared_origin = serializers.CharField(
        max_length=2, required=False, allow_blank=True, help_text="ISO 3166-1 code; default: the product's."
    )
    component_cost_share = serializers.DecimalField(
        max_digits=6,
        decimal_places=3,
        required=False,
        allow_null=True,
        help_text="China-made share of the component cost, 0 to 1; default: the product's.",
    )
    message = serializers.CharField(required=False, allow_blank=True, default="")
    documents = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="PDF files (multipart)."
    )
    draft = serializers.BooleanField(
        required=False, default=False, help_text="Keep the quote as a draft, seen by your manufacturer only."
    )


class QuoteInSerializer(QuoteTermsSerializer):
    demand = serializers.IntegerField()
    product = serializers.IntegerField()


class QuoteUpdateSerializer(QuoteTermsSerializer):
    """A draft's terms replaced; ``draft: false`` sends it."""

    product = serializers.IntegerField(required=False, help_text="Default: the draft's product.")


class AwardInSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The reason for the award; required (20 characters or more) to award an imported product while "
        "a domestic quote or match met every mandatory requirement (the award is then flagged).",
    )


# --- import justifications ---------------------------------------------------------------------------------------


class ImportJustificationOutSerializer(serializers.ModelSerializer):
    imported_product_name = serializers.SerializerMethodField()
    demand_title = serializers.CharField(source="demand.title")

    class Meta:
        model = ImportJustification
        fields = [
            "id",
            "demand",
            "demand_title",
            "imported_product",
            "imported_product_name",
            "reason",
            "domestic_products_considered",
            "document",
            "status",
            "created_at",
            "reviewed_at",
        ]

    def get_imported_product_name(self, justification: ImportJustification) -> str:
        return str(justification.imported_product or "")


class ImportJustificationInSerializer(serializers.Serializer):
    imported_product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.select_related("category", "manufacturer")
    )
    reason = serializers.CharField()
    domestic_products_considered = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.select_related("category"), many=True, required=False
    )
    document = serializers.FileField(required=False, help_text="PDF evidence, up to 10 MB.")


class ExpertReviewSerializer(serializers.ModelSerializer):
    expert_email = serializers.EmailField(source="expert.email")

    class Meta:
        model = ExpertReview
        fields = ["id", "justification", "expert", "expert_email", "role", "decision", "opinion", "signed_at"]


class ExpertPanelSerializer(serializers.Serializer):
    legal_experts = serializers.ListField(child=serializers.CharField(max_length=254), help_text="Emails.")
    product_experts = serializers.ListField(
        child=serializers.CharField(max_length=254), required=False, default=list, help_text="Emails."
    )


class ExpertOpinionSerializer(serializers.Serializer):
    decision = serializers.CharField(help_text="`approve` (the import is justified) or `reject`.")
    opinion = serializers.CharField(help_text="20 characters or more.")
