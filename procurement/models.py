from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import Organization, Province
from catalog.models import Category, Parameter, Product
from config.files import UnguessableUploadTo


class Demand(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        AWARDED = "awarded", _("Awarded")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    class Funding(models.TextChoices):
        FISCAL = "fiscal", _("Fiscal funds")
        OTHER = "other", _("Other funds")

    class SharedCheck(models.TextChoices):
        PENDING = "pending", _("Not answered")
        STILL_NEEDED = "still_needed", _("Checked: a new purchase is still needed")
        NONE_FOUND = "none_found", _("Checked: no shared instrument fits")
        WITHDRAWN = "withdrawn", _("Checked: a shared instrument will be used instead")

    institution = models.ForeignKey(
        Organization,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="demands",
        limit_choices_to={"kind": Organization.Kind.INSTITUTION},
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        related_name="demands",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="demands")
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    budget = models.DecimalField(_("budget (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True)
    deadline = models.DateField(_("deadline"))
    delivery_province = models.ForeignKey(
        Province, verbose_name=_("delivery province"), on_delete=models.PROTECT, related_name="demands"
    )
    funding = models.CharField(_("funding"), max_length=8, choices=Funding.choices, default=Funding.FISCAL)
    # Sealed (the default for fiscal funds, set by demand_create): until the deadline has passed the buyer sees how
    # many quotes arrived, not what they say; then they open together (quotes_opened_at).
    is_sealed = models.BooleanField(_("sealed quotes"), default=False)
    quotes_opened_at = models.DateTimeField(_("quotes opened at"), null=True, blank=True)
    accepts_imported = models.BooleanField(_("an imported product would be accepted"), default=False)
    import_reason = models.TextField(_("why an imported product would be accepted"), blank=True)
    # Requirements the matcher reads as text (no dictionary parameter fits them).
    free_text_requirements = models.TextField(_("other requirements"), blank=True)
    # Shown to members of verified manufacturers only.
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The duplicate-purchase check (查重): answered before the demand may open.
    shared_check = models.CharField(
        _("shared-instrument check"), max_length=16, choices=SharedCheck.choices, default=SharedCheck.PENDING
    )
    shared_check_reason = models.TextField(_("why a new purchase is needed"), blank=True)
    shared_check_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    # Incremented each time the requirements change after opening; each revision is kept in DemandRevision.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    awarded_at = models.DateTimeField(_("awarded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-created_at", "id"]
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gt=0),
                name="procurement_demand_budget_positive",
                violation_error_message=_("The budget must be positive."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "category"]),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["institution", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_fiscal(self) -> bool:
        return self.funding == self.Funding.FISCAL

    @property
    def quotes_are_open(self) -> bool:
        """Whether the buyer may read the quotes' content (always, unless sealed and not yet opened)."""
        return not self.is_sealed or self.quotes_opened_at is not None

    @property
    def version(self) -> int:
        """The requirements' version as people count it: the original ones are version 1 (``revision`` 0)."""
        return self.revision + 1


class Requirement(models.Model):
    """A required specification of a demand, stored canonically like product specifications."""

    class Operator(models.TextChoices):
        GTE = ">=", _("at least")
        LTE = "<=", _("at most")
        EQ = "=", _("equal to")
        COVERS = "covers", _("covers the range")
        IN = "in", _("one of")

    demand = models.ForeignKey(Demand, verbose_name=_("demand"), on_delete=models.CASCADE, related_name="requirements")
    parameter = models.ForeignKey(
        Parameter, verbose_name=_("parameter"), on_delete=models.PROTECT, related_name="requirements"
    )
    operator = models.CharField(_("operator"), max_length=8, choices=Operator.choices)
    value = models.FloatField(_("value"), null=True, blank=True)
    value_min = models.FloatField(_("minimum"), null=True, blank=True)
    value_max = models.FloatField(_("maximum"), null=True, blank=True)
    # For `in` (a set of choices), `=` on a choice, or a yes/no parameter (["true"] / ["false"]).
    value_choices = models.JSONField(_("choices"), default=list, blank=True)
    entered_value = models.CharField(_("value as entered"), max_length=100, blank=True)
    unit = models.CharField(_("unit as entered"), max_length=32, blank=True)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    weight = models.FloatField(_("weight"), default=1.0, validators=[MinValueValidator(0)])
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        constraints = [
            models.UniqueConstraint(fields=["demand", "parameter"], name="procurement_requirement_unique"),
            models.CheckConstraint(
                condition=Q(value_min__isnull=True) | Q(value_max__isnull=True) | Q(value_min__lte=F("value_max")),
                name="procurement_requirement_range_order",
                violation_error_message=_("The minimum of a range cannot exceed its maximum."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parameter.key} {self.operator} {self.entered_value} {self.unit}".strip()


class DemandRevision(models.Model):
    """A snapshot of a demand's requirements each time they change after opening (kept, never edited)."""

    demand = models.ForeignKey(Demand, verbose_name=_("demand"), on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    snapshot = models.JSONField(_("snapshot"))
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["demand", "number"]
        verbose_name = _("demand revision")
        verbose_name_plural = _("demand revisions")
        constraints = [
            models.UniqueConstraint(fields=["demand", "number"], name="procurement_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} r{self.number}"

    @property
    def version(self) -> int:
        """The version these requirements were, counted from 1 (the original ones)."""
        return self.number + 1


class SharedInstrument(models.Model):
    """An instrument an institution already owns and shares; checked before a new demand opens."""

    institution = models.ForeignKey(
        Organization,
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="shared_instruments",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="shared_instruments"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shared_instruments",
    )
    name = models.CharField(_("name"), max_length=200)
    model_name = models.CharField(_("model"), max_length=200, blank=True)
    manufacturer_name = models.CharField(_("manufacturer"), max_length=200, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="shared_instruments"
    )
    booking_contact = models.CharField(_("booking contact"), max_length=200, blank=True)
    booking_url = models.URLField(_("booking link"), blank=True)
    is_open_to_external = models.BooleanField(_("open to outside users"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["category", "province", "id"]
        verbose_name = _("shared instrument")
        verbose_name_plural = _("shared instruments")
        indexes = [models.Index(fields=["category", "province"])]

    def __str__(self) -> str:
        return self.name


class Quote(models.Model):
    """A manufacturer's offer on an open demand; seen by its author and the buyer only (after opening, if sealed)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    # A draft and a submitted quote are live: one of them per manufacturer, product and demand.
    LIVE_STATUSES = (Status.DRAFT, Status.SUBMITTED)

    demand = models.ForeignKey(Demand, verbose_name=_("demand"), on_delete=models.CASCADE, related_name="quotes")
    manufacturer = models.ForeignKey(
        Organization, verbose_name=_("manufacturer"), on_delete=models.PROTECT, related_name="quotes"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="quotes")
    # A draft may leave the price for later; a submitted quote always has one (quote_submit checks).
    unit_price = models.DecimalField(_("unit price (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    # unit price x quantity, kept by the quote services so lists sort and compare on one column.
    total = models.DecimalField(_("total (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True)
    # Allowed, but the buyer sees it marked.
    exceeds_budget = models.BooleanField(_("above the budget"), default=False)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), null=True, blank=True)
    warranty_months = models.PositiveIntegerField(_("warranty (months)"), null=True, blank=True)
    service_provinces = models.ManyToManyField(
        Province, verbose_name=_("service network (provinces)"), blank=True, related_name="+"
    )
    service_response_hours = models.PositiveIntegerField(_("service response time (hours)"), null=True, blank=True)
    # What the manufacturer declares for this offer; whether it is a 本国产品 is derived from the product.
    declared_origin = CountryField(_("declared country of origin"), blank=True)
    component_cost_share = models.DecimalField(
        _("declared China-made component cost share"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("From 0 to 1."),
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="quotes",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["unit_price", "id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "manufacturer", "product"],
                condition=Q(status__in=["draft", "submitted"]),
                name="procurement_quote_one_live_per_product",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gt=0) | (Q(unit_price__isnull=True) & Q(status="draft")),
                name="procurement_quote_price_positive",
            ),
            models.CheckConstraint(
                condition=Q(component_cost_share__isnull=True)
                | (Q(component_cost_share__gte=0) & Q(component_cost_share__lte=1)),
                name="procurement_quote_cost_share_ratio",
            ),
        ]
        indexes = [models.Index(fields=["demand", "status"])]

    def __str__(self) -> str:
        return f"{self.manufacturer} → {self.demand}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class QuoteDocument(models.Model):
    """A PDF attached to a quote (data sheet, certificate, service commitment); as private as the quote."""

    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=UnguessableUploadTo("quotes"))
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("quote document")
        verbose_name_plural = _("quote documents")

    def __str__(self) -> str:
        return self.title or self.file.name


class Award(models.Model):
    """The buyer's choice for a demand: a quoted product, or an imported product with its justification."""

    demand = models.OneToOneField(Demand, verbose_name=_("demand"), on_delete=models.CASCADE, related_name="award")
    quote = models.ForeignKey(
        Quote, verbose_name=_("quote"), on_delete=models.PROTECT, null=True, blank=True, related_name="awards"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="awards",
    )
    is_imported = models.BooleanField(_("imported product"), default=False)
    # The buyer's reason; required (20 characters or more) when the award is flagged below.
    note = models.TextField(_("reason"), blank=True)
    # The comparison the award was made on, frozen (procurement.comparison's JSON form).
    comparison = models.JSONField(_("comparison"), default=dict, blank=True)
    unit_price = models.DecimalField(_("unit price (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True)
    total = models.DecimalField(_("total (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True)
    evaluated_price = models.DecimalField(
        _("evaluated price (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    # An imported product although a domestic quote or a domestic match met every mandatory requirement.
    imported_despite_domestic = models.BooleanField(
        _("imported although a domestic product met the requirements"), default=False
    )
    # The domestic products that did: [{"product": id, "source": "quote" | "match"}].
    domestic_alternatives = models.JSONField(_("domestic products that met the requirements"), default=list)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("awarded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("awarded at"), auto_now_add=True)
    # The buyer confirms the contract was signed (the OCDS contract release).
    confirmed_at = models.DateTimeField(_("contract confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contract confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        indexes = [models.Index(fields=["imported_despite_domestic", "created_at"])]

    def __str__(self) -> str:
        return f"{self.demand}: {self.product}"


class ImportJustification(models.Model):
    """The evidence required before fiscal funds buy an imported product."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    demand = models.OneToOneField(
        Demand, verbose_name=_("demand"), on_delete=models.CASCADE, related_name="import_justification"
    )
    imported_product = models.ForeignKey(
        Product,
        verbose_name=_("imported product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("why no domestic product will do"))
    domestic_products_considered = models.ManyToManyField(
        Product, verbose_name=_("domestic products considered"), blank=True, related_name="+"
    )
    document = models.FileField(_("evidence document"), upload_to=UnguessableUploadTo("justifications"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # The evidence dossier as last built from what the platform holds (procurement.dossier's JSON form).
    dossier = models.JSONField(_("dossier"), default=dict, blank=True)
    dossier_built_at = models.DateTimeField(_("dossier built at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import justification")
        verbose_name_plural = _("import justifications")

    def __str__(self) -> str:
        return f"{self.demand}"


class ExpertReview(models.Model):
    """One expert of a justification's panel (assigned by staff) and the opinion the expert signs on the platform."""

    class Role(models.TextChoices):
        LEGAL = "legal", _("Legal expert")
        PRODUCT = "product", _("Product expert")

    class Decision(models.TextChoices):
        APPROVE = "approve", _("The import is justified")
        REJECT = "reject", _("The import is not justified")

    justification = models.ForeignKey(
        ImportJustification,
        verbose_name=_("import justification"),
        on_delete=models.CASCADE,
        related_name="expert_reviews",
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="expert_reviews"
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        ordering = ["justification", "role", "id"]
        verbose_name = _("expert review")
        verbose_name_plural = _("expert reviews")
        constraints = [
            models.UniqueConstraint(fields=["justification", "expert"], name="procurement_expert_review_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.justification_id}: {self.expert}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None
