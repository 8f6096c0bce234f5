"""What search needs from accounts: the provinces and manufacturer names for facets (``AccountsConfig.ready``)."""

from __future__ import annotations

from django.utils import translation

from accounts.models import Organization
from accounts.regions import PROVINCES
from search.registry import register_facet_labels, register_provinces


def _manufacturer_labels(values: list[str]) -> dict[str, str]:
    ids = [int(v) for v in values if v.isascii() and v.isdigit()]
    english = translation.get_language() == "en"
    return {
        str(o.pk): (o.name_en or o.name_zh) if english else o.name_zh
        for o in Organization.objects.filter(pk__in=ids).only("id", "name_zh", "name_en")
    }


def _province_labels(values: list[str]) -> dict[str, str]:
    # GB/T 2260 names are fixed data: no query needed.
    english = translation.get_language() == "en"
    return {code: name_en if english else name_zh for code, name_zh, name_en in PROVINCES}


def register() -> None:
    register_provinces(PROVINCES)
    register_facet_labels("manufacturer", _manufacturer_labels)
    register_facet_labels("province", _province_labels)
