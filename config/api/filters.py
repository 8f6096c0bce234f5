"""Query-parameter filtering for every API list: a value that does not fit its filter is a 400, never ignored.

django-filter and DRF read some bad values as "no filter" (``is_verified=-1``) and drop unknown ordering fields
(``ordering=nonsense``); a client then gets an unfiltered list and cannot tell. These backends, set as the
defaults in ``REST_FRAMEWORK``, answer 400 with the parameter and the reason instead, so every list inherits it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django_filters import filters as django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request

# The yes/no spellings accepted (any case); anything else is a 400, never "not filtered".
BOOLEAN_VALUES = frozenset({"true", "false", "1", "0"})


def require_boolean(request: Request, name: str) -> bool | None:
    """A yes/no query parameter read strictly: absent or empty is None, anything but true/false/1/0 is a 400."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    value = raw.lower()
    if value not in BOOLEAN_VALUES:
        raise ValidationError({name: [_("Must be true or false.")]})
    return value in ("true", "1")


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    """A whole number, such as a row's id: typed ``integer`` in the schema; ``2.5`` or ``abc`` is a 400."""

    field_class = forms.IntegerField


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, plus yes/no filters that refuse what they cannot read.

    django-filter's two yes/no widgets read different spellings (one takes ``1``, the other ``2`` for yes) and
    both read anything else as "not filtered"; here true/false/1/0 in any case mean yes and no everywhere, and any
    other value is a 400.
    """

    def get_filterset_kwargs(self, request: Request, queryset: QuerySet[Any], view: Any) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            kwargs["data"] = strict_data(request, filterset_class)
        return kwargs


def strict_data(request: Request, filterset_class: type[Any]) -> QueryDict:
    """The query parameters for a filter set, yes/no values checked and spelled as every widget reads them."""
    data = request.query_params.copy()
    errors: dict[str, list[str]] = {}
    for name, declared in filterset_class.base_filters.items():
        if isinstance(declared, django_filters.BooleanFilter):
            try:
                value = require_boolean(request, name)
            except ValidationError as exc:
                errors.update(exc.detail)  # type: ignore[arg-type]
                continue
            if value is not None:
                data[name] = "true" if value else "false"
    if errors:
        raise ValidationError(errors)
    return data


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` with the view's fields only; an unknown field is a 400 that lists the allowed ones."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",")]
            valid = self.remove_invalid_fields(queryset, fields, view, request)
            if len(valid) != len(fields):
                allowed = sorted(item[0] for item in self.get_valid_fields(queryset, view, {"request": request}))
                raise ValidationError(
                    {
                        self.ordering_param: [
                            _("Unknown ordering field. Allowed: %(fields)s (prefix - for descending).")
                            % {"fields": ", ".join(allowed) or "-"}
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)
