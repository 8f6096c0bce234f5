from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PRODUCTS = "products", _("Products")
    DEMANDS = "demands", _("Demands")


class SearchEntry(models.Model):
    """The database backend's index: one row per searchable product or demand.

    Kept by the indexing path, never by the owning apps. ``terms_*`` hold the tokenizer's output by weight
    (title, classification, body) and serve SQLite directly; on PostgreSQL ``vector`` is built from them and
    GIN-indexed (migration 0002). Filter and facet columns are copied so a search never joins other tables.
    Rows are kept narrow (display text is read from the source rows for the one page shown) because a broad
    query visits every matching row.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField(_("object id"))
    model_key = models.CharField(_("model key"), max_length=100, blank=True)
    terms_title = models.TextField(blank=True)
    terms_meta = models.TextField(blank=True)
    terms_body = models.TextField(blank=True)
    vector = SearchVectorField(null=True, blank=True)
    category_id = models.BigIntegerField(_("category"), null=True, blank=True)
    category_path = models.CharField(_("category path"), max_length=128, blank=True)
    manufacturer_id = models.BigIntegerField(_("manufacturer"), null=True, blank=True)
    is_domestic = models.BooleanField(_("domestic"), null=True, blank=True)
    # Bit i set when the row serves (products) or delivers to (demands) search.documents.PROVINCE_CODES[i]:
    # filtering and counting all provinces then reads one integer per row.
    province_mask = models.BigIntegerField(_("provinces"), default=0)
    price_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    deadline = models.DateField(null=True, blank=True)
    sort_date = models.DateTimeField(null=True, blank=True)
    indexed_at = models.DateTimeField(_("indexed at"), auto_now=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique"),
        ]
        indexes = [
            models.Index(fields=["kind", "model_key"], name="search_entry_model"),
            models.Index(fields=["kind", "category_path"], name="search_entry_category"),
            models.Index(fields=["kind", "-sort_date", "object_id"], name="search_entry_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
