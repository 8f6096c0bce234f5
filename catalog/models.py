from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import Organization, Province
from config.files import UnguessableUploadTo


class BilingualNameMixin:
    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        if translation.get_language() == "en" and self.name_en:
            return self.name_en
        return self.name_zh


class Category(BilingualNameMixin, models.Model):
    """A node of the classification table. ``path`` is the chain of codes from the root, for subtree queries."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=128, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    cpv_code = models.CharField(_("CPV code"), max_length=16, blank=True)
    hs_code = models.CharField(_("HS code"), max_length=16, blank=True)
    # Overrides settings.DOMESTIC_CONTENT_THRESHOLD for products of this category when set.
    domestic_threshold = models.DecimalField(
        _("domestic-content threshold"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Parameter(BilingualNameMixin, models.Model):
    """An entry of a category's specification dictionary; subcategories inherit their ancestors' entries."""

    class ValueType(models.TextChoices):
        NUMBER = "number", _("Number")
        RANGE = "range", _("Range")
        CHOICE = "choice", _("Choice")
        BOOLEAN = "boolean", _("Yes/no")

    class Better(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")
        WIDER = "wider", _("Wider range is better")
        NONE = "none", _("No direction")

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="parameters"
    )
    key = models.SlugField(_("key"), max_length=64)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    unit = models.CharField(_("canonical unit"), max_length=32, blank=True)
    value_type = models.CharField(_("value type"), max_length=8, choices=ValueType.choices)
    better = models.CharField(_("better direction"), max_length=8, choices=Better.choices, default=Better.NONE)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    # Values outside [min_value, max_value] (canonical unit) are rejected as not sane.
    min_value = models.FloatField(_("smallest sane value"), null=True, blank=True)
    max_value = models.FloatField(_("largest sane value"), null=True, blank=True)
    help_text_zh = models.CharField(_("Chinese help text"), max_length=255, blank=True)
    help_text_en = models.CharField(_("English help text"), max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["category__path", "sort_order", "key"]
        verbose_name = _("parameter")
        verbose_name_plural = _("parameters")
        constraints = [models.UniqueConstraint(fields=["category", "key"], name="catalog_parameter_key_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name


class Product(BilingualNameMixin, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    manufacturer = models.ForeignKey(
        Organization,
        verbose_name=_("manufacturer"),
        on_delete=models.PROTECT,
        related_name="products",
        limit_choices_to={"kind": Organization.Kind.MANUFACTURER},
    )
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    model_number = models.CharField(_("model number"), max_length=100)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    description_zh = models.TextField(_("Chinese description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    country_of_origin = CountryField(_("country where made"), default="CN")
    domestic_content = models.DecimalField(
        _("domestic-content ratio"),
        max_digits=4,
        decimal_places=3,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Share of the product's value made in China, from 0 to 1."),
    )
    # [{"name": "...", "origin": "CN"}]: the parts buyers ask about (detectors, pumps, sources).
    key_components = models.JSONField(_("key components"), default=list, blank=True)
    # Derived by catalog.services from country_of_origin, domestic_content and the category threshold.
    is_domestic = models.BooleanField(_("domestic"), default=False, editable=False)
    price_min = models.DecimalField(_("lowest price (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(_("highest price (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), null=True, blank=True)
    warranty_months = models.PositiveIntegerField(_("warranty (months)"), null=True, blank=True)
    provinces_served = models.ManyToManyField(
        Province, verbose_name=_("provinces served"), blank=True, related_name="products_served"
    )
    certifications = models.JSONField(_("certifications"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # Aggregates of the product's evaluations, kept by catalog.services so lists and matching read one row.
    evaluation_count = models.PositiveIntegerField(_("evaluations"), default=0, editable=False)
    evaluation_score = models.FloatField(_("evaluation score"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-published_at", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "model_number"], name="catalog_product_model_unique"),
            models.CheckConstraint(
                condition=Q(price_min__isnull=True) | Q(price_max__isnull=True) | Q(price_min__lte=F("price_max")),
                name="catalog_product_price_range",
                violation_error_message=_("The lowest price cannot exceed the highest price."),
            ),
            models.CheckConstraint(
                condition=Q(domestic_content__gte=0) & Q(domestic_content__lte=1),
                name="catalog_product_domestic_content_ratio",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "is_domestic", "category"]),
            models.Index(fields=["category", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.model_number}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Specification(models.Model):
    """One stated value of a product, stored in the parameter's canonical unit.

    Which value columns are used depends on the parameter's value type: ``value`` for numbers, ``value_min`` and
    ``value_max`` for ranges, ``value_text`` for choices, ``value_bool`` for yes/no. ``entered_value`` and
    ``entered_unit`` keep what the manufacturer wrote.
    """

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="specifications"
    )
    parameter = models.ForeignKey(
        Parameter, verbose_name=_("parameter"), on_delete=models.PROTECT, related_name="specifications"
    )
    value = models.FloatField(_("value"), null=True, blank=True)
    value_min = models.FloatField(_("minimum"), null=True, blank=True)
    value_max = models.FloatField(_("maximum"), null=True, blank=True)
    value_text = models.CharField(_("choice"), max_length=100, blank=True)
    value_bool = models.BooleanField(_("yes/no"), null=True, blank=True)
    entered_value = models.CharField(_("value as entered"), max_length=100, blank=True)
    entered_unit = models.CharField(_("unit as entered"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("specification")
        verbose_name_plural = _("specifications")
        constraints = [
            models.UniqueConstraint(fields=["product", "parameter"], name="catalog_specification_unique"),
            models.CheckConstraint(
                condition=Q(value_min__isnull=True) | Q(value_max__isnull=True) | Q(value_min__lte=F("value_max")),
                name="catalog_specification_range_order",
                violation_error_message=_("The minimum of a range cannot exceed its maximum."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parameter.key}={self.entered_value} {self.entered_unit}".strip()


class ProductDocument(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        BROCHURE = "brochure", _("Brochure")
        MANUAL = "manual", _("Manual")
        TEST_REPORT = "test_report", _("Test report")
        CERTIFICATE = "certificate", _("Certificate")

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=UnguessableUploadTo("products"))
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("product document")
        verbose_name_plural = _("product documents")

    def __str__(self) -> str:
        return self.title or self.file.name


class Evaluation(models.Model):
    class Kind(models.TextChoices):
        THIRD_PARTY = "third_party", _("Third-party test report")
        PILOT = "pilot", _("Pilot use")
        REVIEW = "review", _("User review")

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="evaluations"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("evaluating organization"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    document = models.FileField(_("report document"), upload_to=UnguessableUploadTo("evaluations"), blank=True)
    accuracy = models.PositiveSmallIntegerField(_("accuracy"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    stability = models.PositiveSmallIntegerField(
        _("stability"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    reliability = models.PositiveSmallIntegerField(
        _("reliability"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    service = models.PositiveSmallIntegerField(_("service"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            # One review per person and product; test reports and pilots may be many.
            models.UniqueConstraint(
                fields=["product", "author"], condition=Q(kind="review"), name="catalog_evaluation_one_review"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def overall(self) -> float:
        return (self.accuracy + self.stability + self.reliability + self.service) / 4
