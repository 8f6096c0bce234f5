"""Serializers for the catalog API; input and output are separate where they differ."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization, Province
from catalog import domestic
from catalog.models import (
    Category,
    DomesticProductRule,
    Evaluation,
    Parameter,
    Product,
    ProductDocument,
    Specification,
)
from config.api.links import absolute_link


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    parent = serializers.PrimaryKeyRelatedField[Category](read_only=True, allow_null=True)  # type: ignore[assignment]

    class Meta:
        model = Category
        fields = [
            "id",
            "code",
            "parent",
            "path",
            "depth",
            "name",
            "name_zh",
            "name_en",
            "cpv_code",
            "hs_code",
        ]
        read_only_fields = fields


class CategoryPageSerializer(serializers.Serializer):
    """One page of the flat classification table (the schema of `GET /categories/` without `tree`)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CategorySerializer(many=True)


class CategoryTreeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="category.pk")
    code = serializers.CharField(source="category.code")
    name = serializers.CharField(source="category.name")
    name_zh = serializers.CharField(source="category.name_zh")
    name_en = serializers.CharField(source="category.name_en")
    path = serializers.CharField(source="category.path")
    children = serializers.SerializerMethodField()

    @extend_schema_field({"type": "array", "items": {"$ref": "#/components/schemas/CategoryTree"}})
    def get_children(self, node: Any) -> list[dict[str, Any]]:
        return CategoryTreeSerializer(node.children, many=True).data  # type: ignore[return-value]


class ParameterSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    category: serializers.PrimaryKeyRelatedField[Category] = serializers.PrimaryKeyRelatedField(read_only=True)
    category_code = serializers.CharField(source="category.code", read_only=True)
    canonical_unit = serializers.CharField(source="unit", read_only=True, help_text=_("The dictionary's unit."))
    value_min = serializers.FloatField(
        source="min_value", read_only=True, allow_null=True, help_text=_("Smallest sane value (canonical unit).")
    )
    value_max = serializers.FloatField(
        source="max_value", read_only=True, allow_null=True, help_text=_("Largest sane value (canonical unit).")
    )

    class Meta:
        model = Parameter
        fields = [
            "id",
            "category",
            "category_code",
            "key",
            "name",
            "name_zh",
            "name_en",
            "canonical_unit",
            "value_type",
            "better",
            "choices",
            "value_min",
            "value_max",
        ]
        read_only_fields = fields


class SpecificationSerializer(serializers.ModelSerializer):
    """A stated value: ``value``/``value_min``/``value_max`` in the dictionary's ``canonical_unit``, and what the
    manufacturer wrote (``entered_value`` in ``unit``)."""

    parameter = serializers.CharField(source="parameter.key", read_only=True, help_text=_("The parameter's key."))
    parameter_name = serializers.CharField(source="parameter.name", read_only=True)
    value_type = serializers.CharField(source="parameter.value_type", read_only=True)
    canonical_unit = serializers.CharField(
        source="parameter.unit", read_only=True, help_text=_("The dictionary's unit of value, value_min, value_max.")
    )
    choice = serializers.CharField(source="value_text", read_only=True)
    bool = serializers.BooleanField(source="value_bool", read_only=True, allow_null=True)
    unit = serializers.CharField(source="entered_unit", read_only=True, help_text=_("The unit as entered."))

    class Meta:
        model = Specification
        fields = [
            "parameter",
            "parameter_name",
            "value_type",
            "value",
            "value_min",
            "value_max",
            "canonical_unit",
            "choice",
            "bool",
            "entered_value",
            "unit",
        ]
        read_only_fields = fields


class SpecificationInputSerializer(serializers.Serializer):
    parameter = serializers.CharField(help_text=_("The parameter's key in the category's dictionary."))
    value = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text=_("A number, or text with a unit ('40 MPa', '190-900 nm'); for yes/no and choices also accepted."),
    )
    value_min = serializers.FloatField(required=False, allow_null=True, help_text=_("Lower end of a range."))
    value_max = serializers.FloatField(required=False, allow_null=True, help_text=_("Upper end of a range."))
    choice = serializers.CharField(required=False, allow_blank=True)
    bool = serializers.BooleanField(required=False, allow_null=True, default=None)
    unit = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Unit of value, value_min and value_max.")
    )


class KeyComponentSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    origin = serializers.CharField(max_length=2, allow_blank=True, help_text=_("ISO 3166-1 alpha-2."))


class DomesticStatusSerializer(serializers.Serializer):
    """What the domestic-product rule in force says of a product, and why."""

    is_domestic = serializers.BooleanField()
    reason_code = serializers.ChoiceField(choices=[(code, code) for code in domestic.REASON_CODES])
    message = serializers.CharField(help_text=_("Why, in the language of the request."))
    preference_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    on = serializers.DateField()
    rule_effective_from = serializers.DateField(allow_null=True)


class DomesticProductRuleSerializer(serializers.ModelSerializer):
    category = serializers.SerializerMethodField()

    class Meta:
        model = DomesticProductRule
        fields = [
            "id",
            "category",
            "effective_from",
            "component_cost_ratio",
            "key_components",
            "key_processes",
            "transition_end",
            "price_preference_percent",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Category code; null: national default."))
    def get_category(self, obj: DomesticProductRule) -> str | None:
        return obj.category.code if obj.category is not None else None


class DomesticStatusQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False)


class DomesticProductRuleWriteSerializer(serializers.Serializer):
    """Input for a rule version; the rules themselves are checked by catalog.services."""

    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Category code; empty for the national default."),
    )
    effective_from = serializers.DateField()
    component_cost_ratio = serializers.DecimalField(
        max_digits=4, decimal_places=3, min_value=0, max_value=1, allow_null=True, required=False
    )
    key_components = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    key_processes = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    transition_end = serializers.DateField(allow_null=True, required=False)
    price_preference_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    source = serializers.CharField(max_length=300, allow_blank=True, required=False)  # type: ignore[assignment]


class ManufacturerBriefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "name_zh", "name_en", "country", "is_verified"]
        read_only_fields = fields


class CategoryBriefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name", "name_zh", "name_en"]
        read_only_fields = fields


class ProductDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductDocument
        fields = ["id", "kind", "title", "file", "content_type", "size", "created_at"]
        read_only_fields = fields


class ProductListSerializer(serializers.ModelSerializer):
    """A product in a list: everything but its specifications and documents (GET /products/{id}/ has them)."""

    name = serializers.CharField(read_only=True)
    manufacturer = ManufacturerBriefSerializer(read_only=True)
    category = CategoryBriefSerializer(read_only=True)
    country_of_origin = serializers.CharField(source="country_of_origin.code", read_only=True)
    provinces_served = serializers.SerializerMethodField()
    key_components = KeyComponentSerializer(many=True, read_only=True)
    key_processes = KeyComponentSerializer(many=True, read_only=True)
    domestic_status = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "manufacturer",
            "name",
            "name_zh",
            "name_en",
            "model_number",
            "category",
            "description_zh",
            "description_en",
            "country_of_origin",
            "domestic_content",
            "is_domestic",
            "domestic_status",
            "key_components",
            "key_processes",
            "price_min",
            "price_max",
            "lead_time_days",
            "warranty_months",
            "provinces_served",
            "certifications",
            "status",
            "published_at",
            "withdrawn_at",
            "evaluation_count",
            "evaluation_score",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(DomesticStatusSerializer)
    def get_domestic_status(self, obj: Product) -> dict[str, Any]:
        # The rules are read once per response, whatever the number of products.
        if "domestic_rules" not in self.context:
            self.context["domestic_rules"] = domestic.RuleBook.load()
        rules = self.context["domestic_rules"]
        return DomesticStatusSerializer(domestic.status_on(obj, rules=rules).as_dict()).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_provinces_served(self, obj: Product) -> list[str]:
        return [province.code for province in obj.provinces_served.all()]


class ProductSerializer(ProductListSerializer):
    """One product with its specifications and documents."""

    specifications = SpecificationSerializer(many=True, read_only=True)
    documents = ProductDocumentSerializer(many=True, read_only=True)

    class Meta(ProductListSerializer.Meta):
        fields = [*ProductListSerializer.Meta.fields[:-2], "specifications", "documents", "created_at", "updated_at"]
        read_only_fields = fields


class ProductWriteSerializer(serializers.Serializer):
    """Input for creating or changing a product; business rules are checked by catalog.services."""

    manufacturer = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=Organization.Kind.MANUFACTURER),
        help_text=_("Your manufacturer organization (fixed after creation)."),
    )
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    model_number = serializers.CharField(max_length=100)
    name_zh = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description_zh = serializers.CharField(required=False, allow_blank=True)
    description_en = serializers.CharField(required=False, allow_blank=True)
    country_of_origin = serializers.CharField(max_length=2, required=False, help_text=_("ISO 3166-1 alpha-2."))
    domestic_content = serializers.DecimalField(
        max_digits=4, decimal_places=3, min_value=0, max_value=1, required=False
    )
    key_components = KeyComponentSerializer(many=True, required=False)
    key_processes = KeyComponentSerializer(
        many=True, required=False, help_text=_("Key processes, each with the country where it is done.")
    )
    price_min = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True)
    price_max = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True)
    lead_time_days = serializers.IntegerField(min_value=0, max_value=3650, required=False, allow_null=True)
    warranty_months = serializers.IntegerField(min_value=0, max_value=600, required=False, allow_null=True)
    provinces_served = serializers.ListField(
        child=serializers.CharField(max_length=6), required=False, help_text=_("GB/T 2260 codes.")
    )
    certifications = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    specifications = SpecificationInputSerializer(
        many=True,
        required=False,
        help_text=_(
            "On create, the product's specifications. On PATCH, merged: each one sent adds or changes the value "
            "of its parameter and the others stay."
        ),
    )

    def validate_country_of_origin(self, value: str) -> str:
        from django_countries import countries

        code = value.upper()
        if code not in dict(countries):
            raise serializers.ValidationError(_("Not an ISO 3166-1 country code."))
        return code

    def validate_provinces_served(self, value: list[str]) -> list[str]:
        known = set(Province.objects.filter(code__in=value).values_list("code", flat=True))
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(_("Unknown province code: %(code)s") % {"code": ", ".join(unknown)})
        return value


class ProductReplaceSerializer(ProductWriteSerializer):
    """PUT: the product as a whole; its specifications are replaced by the list given (PATCH merges them)."""

    specifications = SpecificationInputSerializer(
        many=True, help_text=_("Every specification of the product; the ones left out are removed.")
    )


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    manufacturer = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=Organization.Kind.MANUFACTURER)
    )
    atomic = serializers.BooleanField(default=True)
    publish = serializers.BooleanField(default=False)


class ImportTemplateParamsSerializer(serializers.Serializer):
    """Query parameters of the empty import template."""

    category = serializers.IntegerField(min_value=1)
    file_format = serializers.ChoiceField(choices=["xlsx", "csv"], default="xlsx")


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(
        choices=ProductDocument.Kind.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Left out: `image` for a picture, `brochure` for a PDF.",
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DocumentReplaceSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The new file; the document keeps its kind and title.")


class EvaluationSerializer(serializers.ModelSerializer):
    organization = ManufacturerBriefSerializer(read_only=True)
    author = serializers.CharField(source="author.get_full_name", read_only=True)
    overall = serializers.FloatField(read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "product",
            "kind",
            "author",
            "organization",
            "title",
            "summary",
            "document",
            "accuracy",
            "stability",
            "reliability",
            "service",
            "overall",
            "created_at",
        ]
        read_only_fields = fields


class EvaluationCreateSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(status=Product.Status.PUBLISHED))
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    kind = serializers.ChoiceField(choices=Evaluation.Kind.choices)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    document = serializers.FileField(required=False, allow_null=True, default=None)
    accuracy = serializers.IntegerField(min_value=1, max_value=5)
    stability = serializers.IntegerField(min_value=1, max_value=5)
    reliability = serializers.IntegerField(min_value=1, max_value=5)
    service = serializers.IntegerField(min_value=1, max_value=5)


# --- Side-by-side comparison ---------------------------------------------------------------------------------


class ComparedProductSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    manufacturer = ManufacturerBriefSerializer(read_only=True)
    category = CategoryBriefSerializer(read_only=True)
    html_url = serializers.SerializerMethodField(help_text=_("The product's page, absolute."))

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "name_zh",
            "name_en",
            "model_number",
            "manufacturer",
            "category",
            "is_domestic",
            "html_url",
        ]
        read_only_fields = fields

    def get_html_url(self, obj: Product) -> str:
        return absolute_link(self.context, "catalog:product-detail", obj.pk)


class ComparedValueSerializer(serializers.Serializer):
    product = serializers.IntegerField(source="product_id")
    value = serializers.JSONField(allow_null=True, help_text=_("Canonical value: number, choice, yes/no or list."))
    value_min = serializers.FloatField(allow_null=True)
    value_max = serializers.FloatField(allow_null=True)
    display = serializers.CharField(help_text=_("The value as the page shows it, in the reader's language."))
    is_best = serializers.BooleanField(help_text=_("Whether this is the best value of the row."))


class ComparisonRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    canonical_unit = serializers.CharField()
    better = serializers.CharField()
    values = ComparedValueSerializer(many=True)


class ReferenceOutcomeSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    compared = serializers.IntegerField(help_text=_("Specifications of the imported product that could be compared."))
    met = serializers.IntegerField(help_text=_("How many of them this product meets or beats."))
    is_alternative = serializers.BooleanField()


class ComparisonSerializer(serializers.Serializer):
    products = ComparedProductSerializer(many=True)
    specifications = ComparisonRowSerializer(many=True)
    facts = ComparisonRowSerializer(many=True, help_text=_("Price, lead time, warranty, provinces, evaluations."))
    reference = serializers.SerializerMethodField(help_text=_("The imported product compared with the others."))
    reference_outcomes = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_reference(self, obj: Any) -> int | None:
        return obj.reference.pk if obj.reference is not None else None

    @extend_schema_field(ReferenceOutcomeSerializer(many=True))
    def get_reference_outcomes(self, obj: Any) -> list[dict[str, Any]]:
        return [
            {"product": pk, "compared": o.compared, "met": o.met, "is_alternative": o.is_alternative}
            for pk, o in (obj.reference_outcomes or {}).items()
        ]

    def get_html_url(self, obj: Any) -> str:
        path = reverse("catalog:product-compare") + "?ids=" + ",".join(str(p.pk) for p in obj.products)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ComparisonParamsSerializer(serializers.Serializer):
    ids = serializers.CharField(help_text=_("2 to 6 product ids, comma-separated, in column order."))
