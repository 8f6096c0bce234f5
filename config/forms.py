"""Form pieces every app's pages share."""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"


class IsoDateInput(forms.DateInput):
    """A browser date picker. ``<input type=date>`` takes only YYYY-MM-DD: a value in the active locale's format
    (2027/03/01 in Chinese) comes up empty, and a required date would have to be typed again."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)


class MarksInvalidFields:
    """A form mixin: a field with an error gets ``is-invalid`` and ``aria-invalid``, so the error reads beside it.

    ``add_error`` is where Django's own validation and the services' errors (shown through it) both pass.
    """

    fields: dict[str, forms.Field]

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        names = [field] if field else []
        if isinstance(error, dict):
            names = list(error)
        elif hasattr(error, "error_dict"):
            names = list(error.error_dict)
        for name in names:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                classes = attrs.get("class", "").split()
                if "is-invalid" not in classes:
                    attrs["class"] = " ".join([*classes, "is-invalid"])
                attrs["aria-invalid"] = "true"
