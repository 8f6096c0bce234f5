"""Admin for the classification table and the dictionary; products are changed through services elsewhere."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from catalog.models import (
    Category,
    DomesticProductRule,
    Evaluation,
    Parameter,
    Product,
    ProductDocument,
    Specification,
)
from catalog.selectors import category_is_within
from catalog.services import (
    CATEGORY_EDITABLE_FIELDS,
    category_move,
    category_update,
    domestic_rule_create,
    domestic_rule_delete,
    domestic_rule_update,
    products_delete,
)
from catalog.services.domestic_rules import DOMESTIC_RULE_FIELDS


class ParameterInline(admin.TabularInline):
    model = Parameter
    extra = 0
    fields = ["key", "name_zh", "name_en", "unit", "value_type", "better", "min_value", "max_value", "sort_order"]


class CategoryAdminForm(forms.ModelForm):
    """The editable fields of a category, and where to move it; code, parent and path are never edited directly."""

    move_under = forms.ModelChoiceField(
        queryset=Category.objects.order_by("path"),
        required=False,
        label=_("Move under"),
        help_text=_("Another category to move this one (with its whole subtree) under."),
    )
    move_to_top = forms.BooleanField(required=False, label=_("Move to the top level"))

    class Meta:
        model = Category
        fields = list(CATEGORY_EDITABLE_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = data.get("move_under")
        if target is not None and data.get("move_to_top"):
            raise forms.ValidationError(_("Choose a new parent or the top level, not both."))
        if target is not None and self.instance.pk and category_is_within(target, self.instance):
            self.add_error("move_under", _("A category cannot be moved under itself."))
        return data


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ["code", "name_zh", "name_en", "depth", "cpv_code", "hs_code"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = ["code", "parent", "path", "depth"]
    fields = ["code", "parent", "path", "depth", *CATEGORY_EDITABLE_FIELDS, "move_under", "move_to_top"]
    inlines = [ParameterInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New categories need a path; catalog.services.category_create derives it.
        return False

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        # Through the category services, so paths, the search index, the domestic flags and the matching pools
        # follow; the form's own save would write the row alone.
        category = category_update(category=obj, **{name: form.cleaned_data[name] for name in CATEGORY_EDITABLE_FIELDS})
        target = form.cleaned_data.get("move_under")
        if target is not None or form.cleaned_data.get("move_to_top"):
            category = category_move(category=category, parent=target)
        obj.refresh_from_db()


@admin.register(DomesticProductRule)
class DomesticProductRuleAdmin(admin.ModelAdmin):
    """Rule versions, written through catalog.services so the products' flags are re-derived after."""

    list_display = ["__str__", "category", "effective_from", "component_cost_ratio", "transition_end"]
    list_select_related = ["category"]
    fields = list(DOMESTIC_RULE_FIELDS)
    autocomplete_fields = ["category"]

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: DomesticProductRule, form: Any, change: bool) -> None:
        values = {name: form.cleaned_data[name] for name in DOMESTIC_RULE_FIELDS if name in form.cleaned_data}
        if change:
            saved = domestic_rule_update(rule=obj, user=request.user, **values)  # type: ignore[arg-type]
        else:
            saved = domestic_rule_create(user=request.user, **values)  # type: ignore[arg-type]
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: DomesticProductRule) -> None:
        domestic_rule_delete(rule=obj, user=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DomesticProductRule]) -> None:
        for rule in queryset:
            domestic_rule_delete(rule=rule, user=request.user)  # type: ignore[arg-type]


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
    # matching stay in step; the admin only looks, and deletes through catalog.services.products_delete.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        products_delete(product_ids=[obj.pk], user=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        products_delete(product_ids=list(queryset.values_list("pk", flat=True)), user=request.user)  # type: ignore[arg-type]


@admin.register(ProductDocument)
class ProductDocumentAdmin(admin.ModelAdmin):
    list_display = ["product", "kind", "title", "content_type", "size", "created_at"]
    raw_id_fields = ["product", "uploaded_by"]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["title", "product", "kind", "organization", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["product", "author", "organization"]
