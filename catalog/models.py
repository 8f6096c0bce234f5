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
    # The China-produced share of the component cost, as the domestic-product rule measures it.
    domestic_content = models.DecimalField(
        _("China-produced component cost share"),
        max_digits=4,
        decimal_places=3,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Share of the component cost produced in China, from 0 to 1."),
    )
    # [{"name": "...", "origin": "CN"}]: the parts buyers ask about (detectors, pumps, sources), where each is made.
    key_components = models.JSONField(_("key components"), default=list, blank=True)
    # [{"name": "...", "origin": "CN"}]: the key processes (assembly, calibration), where each is done.
    key_processes = models.JSONField(_("key processes"), default=list, blank=True)
    # Derived from the domestic-product rule in force today (catalog.domestic); other dates ask the rule itself.
    is_domestic = models.BooleanField(_("domestic product"), default=False, editable=False)
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
            # The matching candidates of a category (published, domestic) with their last change: a warm pool
            # checks it is current (count and latest updated_at of its subtree) from this index alone, without
            # visiting the rows (33 ms to 4.3 ms on a category of 63,000 products).
            models.Index(
                fields=["category", "updated_at"],
                include=["id"],
                condition=Q(status="published", is_domestic=True),
                name="catalog_product_candidates",
            ),
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


class DomesticProductRule(models.Model):
    """One dated version of the domestic-product (本国产品) standard for a category's subtree, or the national
    default when ``category`` is empty.

    A product counts as domestic when it is produced in China and, where the rule sets them, its China-produced
    component cost share reaches ``component_cost_ratio`` and the named key components and processes are in China.
    Until ``transition_end`` those requirements are announced but not yet binding. The rule in force on a date is
    the latest one in effect of the nearest category up the tree (catalog.domestic); ownership, brand
    registration and investor nationality are not part of it.
    """

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="domestic_rules",
        help_text=_("Empty for the national default."),
    )
    effective_from = models.DateField(_("effective from"))
    component_cost_ratio = models.DecimalField(
        _("required China-produced component cost share"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("From 0 to 1; empty while no ratio is set for the category."),
    )
    # Names of key components that must be made in China, and of key processes that must be done in China.
    key_components = models.JSONField(_("key components required in China"), default=list, blank=True)
    key_processes = models.JSONField(_("key processes required in China"), default=list, blank=True)
    transition_end = models.DateField(
        _("end of transition"),
        null=True,
        blank=True,
        help_text=_("Until this date the ratio, key components and key processes are not yet required."),
    )
    price_preference_percent = models.DecimalField(
        _("price-evaluation preference (%)"),
        max_digits=5,
        decimal_places=2,
        default=20,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["category__path", "effective_from", "id"]
        verbose_name = _("domestic-product rule")
        verbose_name_plural = _("domestic-product rules")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "effective_from"],
                condition=Q(category__isnull=False),
                name="catalog_domestic_rule_one_per_date",
                violation_error_message=_("This category already has a rule taking effect on that date."),
            ),
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(category__isnull=True),
                name="catalog_domestic_rule_one_national_per_date",
                violation_error_message=_("The national default already has a rule taking effect on that date."),
            ),
            models.CheckConstraint(
                condition=Q(component_cost_ratio__isnull=True)
                | (Q(component_cost_ratio__gte=0) & Q(component_cost_ratio__lte=1)),
                name="catalog_domestic_rule_ratio",
            ),
            models.CheckConstraint(
                condition=Q(transition_end__isnull=True) | Q(transition_end__gt=F("effective_from")),
                name="catalog_domestic_rule_transition_after_start",
                violation_error_message=_("The transition must end after the rule takes effect."),
            ),
        ]

    def __str__(self) -> str:
        scope = self.category.code if self.category is not None else _("national default")
        return f"{scope} {self.effective_from}"
