"""Administration views for support staff. Lifecycle changes belong to the services and pages, so the status
fields are read-only here."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from procurement.models import Award, Demand, DemandRevision, ImportJustification, Quote, Requirement, SharedInstrument


class RequirementInline(admin.TabularInline):
    model = Requirement
    extra = 0
    raw_id_fields = ("parameter",)
    fields = (
        "parameter",
        "operator",
        "value",
        "value_min",
        "value_max",
        "value_choices",
        "entered_value",
        "unit",
        "is_mandatory",
        "weight",
    )
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class RevisionInline(admin.TabularInline):
    model = DemandRevision
    extra = 0
    fields = ("number", "reason", "created_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    list_display = ("title", "institution", "category", "status", "budget", "deadline", "revision", "opened_at")
    list_filter = ("status", "funding", "shared_check", "accepts_imported")
    search_fields = ("title", "description", "institution__name_zh", "institution__name_en")
    list_select_related = ("institution", "category")
    raw_id_fields = ("institution", "posted_by", "category")
    readonly_fields = (
        "status",
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
    )
    inlines = (RequirementInline, RevisionInline)


@admin.register(SharedInstrument)
class SharedInstrumentAdmin(admin.ModelAdmin):
    list_display = ("name", "institution", "category", "province", "is_open_to_external")
    list_filter = ("is_open_to_external", "province")
    search_fields = ("name", "model_name", "manufacturer_name", "institution__name_zh")
    list_select_related = ("institution", "category", "province")
    raw_id_fields = ("institution", "category", "product")


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    """Who quoted what on which demand, and its state: never the terms. Quotes stay between the manufacturer and
    the buyer, support staff included, and a sealed quote is the maker's alone until its demand's deadline."""

    list_display = ("demand", "manufacturer", "product", "status", "submitted_at")
    list_filter = ("status",)
    list_select_related = ("demand", "manufacturer", "product")
    fields = ("demand", "manufacturer", "product", "status", "submitted_by", "submitted_at", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ("demand", "product", "is_imported", "awarded_by", "created_at")
    list_select_related = ("demand", "product", "awarded_by")
    raw_id_fields = ("demand", "quote", "product", "awarded_by")


@admin.register(ImportJustification)
class ImportJustificationAdmin(admin.ModelAdmin):
    list_display = ("demand", "imported_product", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("demand", "imported_product", "submitted_by", "reviewed_by")
    filter_horizontal = ("domestic_products_considered",)
