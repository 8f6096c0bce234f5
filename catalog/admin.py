"""Admin for the classification table and the dictionary; products are changed through services elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from catalog.models import Category, Evaluation, Parameter, Product, ProductDocument, Specification
from catalog.services.products import product_changes_record
from catalog.tasks import refresh_domestic

logger = logging.getLogger(__name__)


def _queue_refresh_domestic(category_id: int) -> None:
    try:
        refresh_domestic.delay(category_id)
    except Exception:  # a broker outage must not fail the saved change; `manage.py refresh_domestic` catches up
        logger.exception("catalog: could not queue refresh_domestic for category %s", category_id)


class ParameterInline(admin.TabularInline):
    model = Parameter
    extra = 0
    fields = ["key", "name_zh", "name_en", "unit", "value_type", "better", "min_value", "max_value", "sort_order"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "depth", "cpv_code", "hs_code", "domestic_threshold"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = ["path", "depth"]
    inlines = [ParameterInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New categories need a path; catalog.services.category_create derives it.
        return False

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "domestic_threshold" in form.changed_data:
            # Products of the subtree may change sides; re-derive them once the new threshold is committed.
            category_id = obj.pk
            transaction.on_commit(lambda: _queue_refresh_domestic(category_id))


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    list_display = ["key", "category", "name_zh", "unit", "value_type", "better"]
    list_filter = ["value_type", "better"]
    search_fields = ["key", "name_zh", "name_en", "category__code"]
    list_select_related = ["category"]


class SpecificationInline(admin.TabularInline):
    model = Specification
    extra = 0
    readonly_fields = ["parameter", "value", "value_min", "value_max", "value_text", "value_bool"]
    fields = [*readonly_fields, "entered_value", "entered_unit"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["model_number", "name_zh", "manufacturer", "category", "status", "is_domestic", "price_min"]
    list_filter = ["status", "is_domestic"]
    search_fields = ["model_number", "name_zh", "name_en", "manufacturer__name_zh"]
    list_select_related = ["manufacturer", "category"]
    raw_id_fields = ["manufacturer", "category", "created_by"]
    readonly_fields = ["is_domestic", "status", "published_at", "withdrawn_at", "evaluation_count", "evaluation_score"]
    inlines = [SpecificationInline]

    # Products change through catalog.services (dashboard, API, import) so derived fields, the search index and
    # matching stay in step; the admin only looks, and deletes with the index told.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        product_changes_record(products=[obj])
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        product_changes_record(products=queryset.select_related("category"))
        super().delete_queryset(request, queryset)


@admin.register(ProductDocument)
class ProductDocumentAdmin(admin.ModelAdmin):
    list_display = ["product", "kind", "title", "content_type", "size", "created_at"]
    raw_id_fields = ["product", "uploaded_by"]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["title", "product", "kind", "organization", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["product", "author", "organization"]
