"""Query-parameter filters for products and parameters; the rules themselves live in catalog.selectors."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product
from catalog.selectors import ProductFilters, product_filter
from config.api.filters import IntegerFilter


class ProductFilterSet(django_filters.FilterSet):
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), method="noop", help_text=_("Category id; includes its subcategories.")
    )
    category_code = django_filters.CharFilter(method="noop", help_text=_("Category code; includes subcategories."))
    is_domestic = django_filters.BooleanFilter(method="noop")
    province = django_filters.CharFilter(method="noop", help_text=_("GB/T 2260 code of a province served."))
    manufacturer = IntegerFilter(method="noop", help_text=_("Manufacturer id."))
    price_min = django_filters.NumberFilter(method="noop", help_text=_("Price range overlaps from this (CNY)."))
    price_max = django_filters.NumberFilter(method="noop", help_text=_("Price range overlaps up to this (CNY)."))
    status = django_filters.ChoiceFilter(choices=Product.Status.choices, method="noop")

    class Meta:
        model = Product
        fields: list[str] = []

    def noop(self, queryset: QuerySet[Product], name: str, value: Any) -> QuerySet[Product]:
        return queryset

    def product_filters(self) -> ProductFilters:
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        category = data.get("category")
        if category is None and data.get("category_code"):
            category = Category.objects.filter(code=data["category_code"]).first()
            if category is None:
                category = Category(path="-nonexistent-")
        return ProductFilters(
            category=category,
            is_domestic=data.get("is_domestic"),
            province=data.get("province") or None,
            manufacturer=int(data["manufacturer"]) if data.get("manufacturer") else None,
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            status=data.get("status") or None,
        )

    def filter_queryset(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        return product_filter(queryset, self.product_filters())


class CategoryFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(help_text=_("Exact category code."))
    code_prefix = django_filters.CharFilter(
        field_name="code", lookup_expr="startswith", help_text=_("Codes that start with this (a class and below).")
    )
    q = django_filters.CharFilter(method="filter_q", help_text=_("Chinese or English name contains (any case)."))
    parent = IntegerFilter(field_name="parent_id", help_text=_("Id of the parent category (its direct children)."))
    depth = IntegerFilter(field_name="depth", help_text=_("Level in the tree; top level is 0."))

    class Meta:
        model = Category
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Category], name: str, value: str) -> QuerySet[Category]:
        return queryset.filter(Q(name_zh__icontains=value) | Q(name_en__icontains=value))


class ParameterFilterSet(django_filters.FilterSet):
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), method="noop", help_text=_("Category id; includes inherited parameters.")
    )
    category_code = django_filters.CharFilter(method="noop", help_text=_("Category code; includes inherited ones."))

    def noop(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset
