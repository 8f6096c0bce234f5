from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError


class PlainJSONField(models.JSONField):
    """JSON kept as the text written: PostgreSQL ``json``, not ``jsonb``; JSONField's own column elsewhere.

    For a column written far more than it is queried into: COPY hands ``json`` its text as it is, where ``jsonb``
    parses every value into its binary form (a full run's matches spent a third of their write there). ``json``
    has no equality, containment or key index: compare through ``::jsonb`` where a change must be told.
    """

    def db_type(self, connection: Any) -> str | None:
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # The PostgreSQL driver decodes ``json`` itself (Django has it leave only ``jsonb`` as text).
        if connection.vendor == "postgresql" or not isinstance(value, str):
            return value
        return super().from_db_value(value, expression, connection)


class MatchRun(models.Model):
    """One execution of the matching engine: a full run over all open demands, one demand or product, or the
    demands that a batch of changes in one category subtree affects."""

    class Kind(models.TextChoices):
        FULL = "full", _("Full run")
        DEMAND = "demand", _("One demand")
        PRODUCT = "product", _("One product")
        # The demands a batch of changes in one category subtree affects (a bulk import: one run, not one per row).
        CATEGORY = "category", _("Changes in a category")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Nightly schedule")
        COMMAND = "command", _("Command line")
        STAFF = "staff", _("Administrator")
        DEMAND_CHANGED = "demand_changed", _("Demand opened or revised")
        PRODUCT_CHANGED = "product_changed", _("Product published or changed")
        DEMO = "demo", _("Demo data")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    demand = models.ForeignKey(
        "procurement.Demand",
        verbose_name=_("demand"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="match_runs",
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="match_runs",
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    demands_count = models.PositiveIntegerField(_("demands matched"), default=0)
    pairs_count = models.PositiveBigIntegerField(_("pairs scored"), default=0)
    # Of those, the pairs whose requirements were checked; binary search on sorted columns pruned the rest.
    pairs_checked = models.PositiveBigIntegerField(_("pairs checked"), default=0)
    matches_count = models.PositiveIntegerField(_("matches"), default=0)
    near_misses_count = models.PositiveIntegerField(_("near misses"), default=0)
    notifications_count = models.PositiveIntegerField(_("notifications sent"), default=0)
    load_seconds = models.FloatField(_("reading (s)"), default=0)
    score_seconds = models.FloatField(_("scoring (s)"), default=0)
    write_seconds = models.FloatField(_("writing (s)"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")
        constraints = [
            # The database itself refuses a second full run while one is running.
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind="full", status="running"),
                name="matching_one_running_full_run",
            ),
        ]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.created_at).total_seconds()


class MatchRunChunk(models.Model):
    """A slice of a full run's demands (one category); marked done in the transaction that writes its matches,
    leased to a worker with an expiry so that a lost worker's chunk is queued again within minutes."""

    run = models.ForeignKey(MatchRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField(_("number"))
    category = models.ForeignKey(
        "catalog.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    demand_ids = models.JSONField(_("demands"), default=list)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    # The lease (matching/leases.py): until when the chunk counts as taken care of (queued, or started by a
    # worker); after that, unless a worker is matching it right now, the periodic sweep queues it again.
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    # Times a worker started the chunk: one that never finishes (it kills its worker) fails the run.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("last started at"), null=True, blank=True)

    class Meta:
        ordering = ["run", "number"]
        verbose_name = _("match run chunk")
        verbose_name_plural = _("match run chunks")
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="matching_chunk_unique")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.number}"


class Match(models.Model):
    """The current pairing of an open demand with a domestic product: a match, or a near miss with its gaps."""

    # A pair keeps its row (and id) while it stays a match or near miss: runs update changed rows in place, insert
    # new pairs and delete the pairs that left, in bulk. The table carries only what its reads need: the pair
    # constraint and a product index. The links are kept by the ORM (on_delete cascades), not by
    # database foreign keys, whose per-row checks and key-share locks on products dominated a full run's writes.
    demand = models.ForeignKey(
        "procurement.Demand",
        verbose_name=_("demand"),
        on_delete=models.CASCADE,
        related_name="matches",
        db_index=False,
        db_constraint=False,
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="matches",
        db_index=False,
        db_constraint=False,
    )
    run = models.ForeignKey(
        MatchRun,
        verbose_name=_("run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    is_near_miss = models.BooleanField(_("near miss"), default=False)
    rank = models.PositiveIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    # {"preferred": 0.8, "price": 1.0, ...}: each named component in [0, 1].
    components = PlainJSONField(_("score components"), default=dict)
    # One entry per requirement: status, margin or gap in the requirement's unit.
    results = PlainJSONField(_("requirement results"), default=list)
    # The component that contributed most to the score (weight x value), as ranking computed it.
    strongest_component = models.CharField(_("strongest component"), max_length=16, blank=True)
    failed_count = models.PositiveSmallIntegerField(_("failed mandatory requirements"), default=0)
    # When the pair first became a match (empty for a near miss that never was one); kept across re-runs, so
    # "new matches since" means new pairs, not rewritten rows.
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    # When a run last changed this row's rank, score, components or results (a re-run that changes nothing
    # leaves the row, its id and this stamp alone).
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # A hash of what a run compares (rank, score, components, results, ...): a re-run that computes the same
    # digest leaves the row unwritten without sending it to the database.
    digest = models.BigIntegerField(_("digest"), null=True, blank=True)

    class Meta:
        ordering = ["demand", "is_near_miss", "rank"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["demand", "product"], name="matching_match_pair_unique"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="matching_match_score_range"),
        ]
        indexes = [models.Index(fields=["product", "is_near_miss"])]

    def __str__(self) -> str:
        return f"{self.demand_id} ↔ {self.product_id} #{self.rank}"


class PoolProduct(models.Model):
    """A product as candidate pools read it, kept ready with the product: its text cut into tokens, the provinces
    it serves and its specifications as stored (canonical), so a pool is one query over these rows and the
    product's own, with nothing to tokenize or join per specification.

    Refreshed in batches by the matching consumer of the change outbox (``matching.pools.pool_products_refresh``);
    a product without a row (a catalog loaded in bulk), or whose row is older than its last change, gets one the
    first time a pool reads it.
    """

    product = models.OneToOneField(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="pool_row",
        db_constraint=False,
    )
    # Laid out by ``matching.vector.prepare_product`` so a pool's rows stack with one join per column: the text's
    # token hashes, the specifications (parameter, value, minimum, maximum, yes/no as numbers) with their choices,
    # and the codes of the provinces served.
    tokens = models.BinaryField(_("tokens"), default=b"")
    specifications = models.BinaryField(_("specifications"), default=b"")
    choices = models.TextField(_("choices"), blank=True)
    provinces = models.BinaryField(_("provinces served"), default=b"")
    # The product's ``updated_at`` the row was prepared from: a row that no longer fits is prepared again.
    product_updated_at = models.DateTimeField(_("product updated at"), null=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("pool product")
        verbose_name_plural = _("pool products")

    def __str__(self) -> str:
        return str(self.product_id)


class PoolStack(models.Model):
    """A category's own candidates (its published domestic products, not its subtree's) with their pool rows
    stacked in id order, so a pool with nothing cached reads one row per category of its subtree instead of joining
    and concatenating the row of every product.

    Stacked again whenever pool rows of the category are refreshed (``matching.pools.pool_products_refresh``). It is
    never trusted alone: a pool takes a product's stacked data only while the product is a candidate and its
    ``updated_at`` is the one the data was prepared from, and reads any other product from its own row.
    """

    category = models.OneToOneField(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        db_constraint=False,
    )
    # Laid out as PostgreSQL's own binary forms, concatenated product by product: ids (int8), the products'
    # updated_at each row was prepared from (timestamptz), and per column the rows' lengths (int4) and bytes.
    product_ids = models.BinaryField(_("product ids"), default=b"")
    product_updated_at = models.BinaryField(_("products updated at"), default=b"")
    token_lengths = models.BinaryField(_("token lengths"), default=b"")
    tokens = models.BinaryField(_("tokens"), default=b"")
    specification_lengths = models.BinaryField(_("specification lengths"), default=b"")
    specifications = models.BinaryField(_("specifications"), default=b"")
    # The rows' choices joined, the inside of one JSON array (one string per specification).
    choices = models.TextField(_("choices"), blank=True)
    province_lengths = models.BinaryField(_("province lengths"), default=b"")
    provinces = models.BinaryField(_("provinces served"), default=b"")
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("pool stack")
        verbose_name_plural = _("pool stacks")

    def __str__(self) -> str:
        return str(self.category_id)


class DemandMatchSummary(models.Model):
    """Per open demand: how many matches it has and, per mandatory requirement, how close domestic products get.

    Written with the demand's matches; the gap map of the reports is built from these rows.
    """

    demand = models.OneToOneField(
        "procurement.Demand", verbose_name=_("demand"), on_delete=models.CASCADE, related_name="match_summary"
    )
    run = models.ForeignKey(
        MatchRun, verbose_name=_("run"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    candidates_count = models.PositiveIntegerField(_("candidates"), default=0)
    matches_count = models.PositiveIntegerField(_("matches"), default=0)
    near_misses_count = models.PositiveIntegerField(_("near misses"), default=0)
    best_score = models.FloatField(_("best score"), null=True, blank=True)
    # [{"requirement", "parameter", "met": bool, "stated": int, "best_gap": canonical float or null}]
    requirement_gaps = models.JSONField(_("requirement gaps"), default=list)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("demand match summary")
        verbose_name_plural = _("demand match summaries")

    def __str__(self) -> str:
        return f"{self.demand_id}: {self.matches_count}"


class MatchReportQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        if self.filter(status=MatchReport.Status.PUBLISHED).exists():
            raise ApplicationError(str(_("A published match report cannot be changed.")))
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=MatchReport.Status.PUBLISHED).exists():
            raise ApplicationError(str(_("A published match report cannot be deleted.")))
        return super().delete()


# A report's title says the period it covers; marked here, translated when it is generated and when it is read.
REPORT_TITLE = gettext_noop("Match report %(start)s to %(end)s")
CORRECTION_TITLE = gettext_noop("Correction of the match report %(start)s to %(end)s")


class MatchReport(models.Model):
    """A periodic publication of matches and gaps. Once published it is permanent; corrections supersede it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("supersedes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    note = models.TextField(_("note"), blank=True)
    # Everything the report shows, frozen when generated: later matching runs never change a report.
    snapshot = models.JSONField(_("content"), default=dict)
    demands_count = models.PositiveIntegerField(_("demands covered"), default=0)
    matched_demands_count = models.PositiveIntegerField(_("demands with a domestic match"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("generated at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = MatchReportQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("match report")
        verbose_name_plural = _("match reports")
        constraints = [
            models.CheckConstraint(condition=Q(period_start__lte=F("period_end")), name="matching_report_period_order"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="matching_report_published_at"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The last line of defence for permanence: whatever path writes, a published row never changes.
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.PUBLISHED:
                raise ApplicationError(str(_("A published match report cannot be changed.")))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.is_published:
            raise ApplicationError(str(_("A published match report cannot be deleted.")))
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def _generated_title(self) -> str:
        template = CORRECTION_TITLE if self.supersedes_id else REPORT_TITLE
        return gettext(template) % {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()}

    @property
    def display_title(self) -> str:
        """The title in the reader's language; a title someone wrote by hand is shown as written."""
        with translation.override("zh-hans"):
            generated_zh = self._generated_title()
        return self._generated_title() if self.title == generated_zh else self.title


class MatchReportEntry(models.Model):
    """A demand-product pair a report published (frozen); makes the pair's match public."""

    report = models.ForeignKey(MatchReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="entries")
    demand = models.ForeignKey(
        "procurement.Demand", verbose_name=_("demand"), on_delete=models.PROTECT, related_name="report_entries"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="report_entries"
    )
    rank = models.PositiveIntegerField(_("rank"))
    score = models.FloatField(_("score"))

    class Meta:
        ordering = ["report", "demand", "rank"]
        verbose_name = _("report entry")
        verbose_name_plural = _("report entries")
        constraints = [
            models.UniqueConstraint(fields=["report", "demand", "product"], name="matching_report_entry_unique"),
        ]
        indexes = [models.Index(fields=["demand", "product"])]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.demand_id} ↔ {self.product_id}"
