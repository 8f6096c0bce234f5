"""Standing interest of a person: saved searches and follows, each with how the person wants to hear of news."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TsQueryField(models.TextField):
    """A PostgreSQL ``tsquery`` column (parsed once when saved, not at every evaluation); text elsewhere."""

    def db_type(self, connection: Any) -> str:
        return "tsquery" if connection.vendor == "postgresql" else "text"


class Delivery(models.TextChoices):
    IN_APP = "in_app", _("In the app only")
    IMMEDIATE = "immediate", _("Email at once")
    DAILY = "daily", _("Daily digest email")


class SearchKind(models.TextChoices):
    PRODUCTS = "products", _("Products")
    DEMANDS = "demands", _("Demands")


class SavedSearch(models.Model):
    """A product or demand search (text and filters, the search page's parameters) a person wants to hear about.

    The columns below ``filters`` are the search compiled for percolation by the database backend (the same
    tsquery the database search runs, and the range filters), kept by ``alerts.services`` whenever it is saved.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("search in"), max_length=16, choices=SearchKind.choices)
    text = models.CharField(_("search text"), max_length=200, blank=True)
    # The search parameters other than the text, by their API names (category, province, price_min, ...).
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    delivery = models.CharField(_("how to hear"), max_length=16, choices=Delivery.choices, default=Delivery.IN_APP)
    # --- compiled (alerts.percolate) ---
    tsquery = TsQueryField(null=True, blank=True, editable=False)
    category_path = models.CharField(max_length=128, blank=True, editable=False)
    price_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, editable=False)
    price_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, editable=False)
    budget_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, editable=False)
    budget_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, editable=False)
    deadline_after = models.DateField(null=True, blank=True, editable=False)
    deadline_before = models.DateField(null=True, blank=True, editable=False)
    # True when the search can match nothing (text without a searchable word): never evaluated.
    matches_nothing = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        indexes = [models.Index(fields=["kind"], condition=Q(matches_nothing=False), name="alerts_saved_live")]

    def __str__(self) -> str:
        return self.name


class Follow(models.Model):
    """A person follows a category (its new open demands), an organization (its new products or open demands)
    or a product (its changes)."""

    class Target(models.TextChoices):
        CATEGORY = "category", _("Category")
        ORGANIZATION = "organization", _("Organization")
        PRODUCT = "product", _("Product")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="follows"
    )
    target = models.CharField(_("follows"), max_length=16, choices=Target.choices)
    category = models.ForeignKey(
        "catalog.Category", verbose_name=_("category"), on_delete=models.CASCADE, null=True, blank=True
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, null=True, blank=True
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.CASCADE, null=True, blank=True
    )
    delivery = models.CharField(_("how to hear"), max_length=16, choices=Delivery.choices, default=Delivery.IN_APP)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(target="category", category__isnull=False, organization__isnull=True, product__isnull=True)
                    | Q(target="organization", organization__isnull=False, category__isnull=True, product__isnull=True)
                    | Q(target="product", product__isnull=False, category__isnull=True, organization__isnull=True)
                ),
                name="alerts_follow_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "category"], condition=Q(category__isnull=False), name="alerts_follow_category_once"
            ),
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=Q(organization__isnull=False),
                name="alerts_follow_organization_once",
            ),
            models.UniqueConstraint(
                fields=["user", "product"], condition=Q(product__isnull=False), name="alerts_follow_product_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.target}"

    @property
    def followed(self) -> Any:
        return self.category or self.organization or self.product
