"""An institution's procurement plan: one uploaded file, checked line by line before lines become demands."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProcurementPlan(models.Model):
    institution = models.ForeignKey(
        "accounts.Organization", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="plans"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True
    )
    category = models.ForeignKey("catalog.Category", verbose_name=_("category"), on_delete=models.PROTECT)
    filename = models.CharField(_("file"), max_length=200)
    lines_total = models.PositiveIntegerField(_("lines"), default=0)
    lines_valid = models.PositiveIntegerField(_("valid lines"), default=0)
    check_seconds = models.FloatField(_("check time (s)"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("procurement plan")
        verbose_name_plural = _("procurement plans")

    def __str__(self) -> str:
        return self.filename


class PlanLine(models.Model):
    """One line of a plan: what it asks for, the errors of its cells, or what the catalog offers for it now."""

    plan = models.ForeignKey(ProcurementPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="lines")
    row = models.PositiveIntegerField(_("row"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)
    budget = models.DecimalField(_("budget (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    delivery_province = models.ForeignKey(
        "accounts.Province", verbose_name=_("delivery province"), on_delete=models.PROTECT, null=True, blank=True
    )
    # The requirements as written (procurement's RequirementInput fields), posted with the line.
    requirements = models.JSONField(_("requirements"), default=list, blank=True)
    # [{"column": ..., "reason": ...}]; empty for a valid line.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    matches_count = models.PositiveIntegerField(_("domestic products meeting it"), null=True, blank=True)
    best_product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("best product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    best_score = models.FloatField(_("best score"), null=True, blank=True)
    near_miss_product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("closest near miss"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The near miss's failed requirements: [{"key", "required", "actual", "gap", "unit"}].
    near_miss_gaps = models.JSONField(_("gaps"), default=list, blank=True)
    demand = models.ForeignKey(
        "procurement.Demand",
        verbose_name=_("demand"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["plan", "row"]
        verbose_name = _("plan line")
        verbose_name_plural = _("plan lines")
        constraints = [models.UniqueConstraint(fields=["plan", "row"], name="plans_line_row_once")]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.row}"

    @property
    def is_valid(self) -> bool:
        return not self.errors
