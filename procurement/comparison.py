"""The comparison of a demand's quotes: requirements down the side, quotes across, ranked by evaluated price.

A comparison is built as plain JSON values (``comparison_build``) so that an award can freeze the one it was made
on and the page, the API and the exports read a frozen comparison and a live one the same way. Each quoted product
is assessed by the matching engine (``procurement.assessment``): per requirement pass, fail with the gap, or not
stated, and its match score. Whether it is a 本国产品 comes from the domestic-product rule in force on the demand's
date, with the rule's price preference: the evaluated price is the quoted total x (1 - preference) for a 本国产品
and the quoted total otherwise.

Ranking: quotes meeting every mandatory requirement first, by evaluated price, then match score (higher first),
then quote id; then the quotes that fail (or do not state) a mandatory requirement, marked, by how many they miss,
then evaluated price.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.domestic import KEY_COMPONENT_NOT_IN_CHINA, KEY_PROCESS_NOT_IN_CHINA, RATIO_NOT_MET
from catalog.values import display_unit, format_entered, format_number
from config.formatting import amount_cny
from procurement.assessment import FAIL, PASS, UNKNOWN, ProductAssessment, assessor
from procurement.domestic import RuleBook, procurement_date, quote_domestic_status
from procurement.models import Demand, Quote, Requirement

T = TypeVar("T")
SNAPSHOT_VERSION = 1
CENT = Decimal("0.01")
# The quotes a comparison weighs: sent and not withdrawn (after an award, the accepted and declined ones).
COMPARED_STATUSES = (Quote.Status.SUBMITTED, Quote.Status.ACCEPTED, Quote.Status.DECLINED)


def evaluated_price(total: Decimal, *, is_domestic: bool, preference_percent: Decimal) -> Decimal:
    """The price the comparison ranks by: a 本国产品's total reduced by the rule's preference."""
    if not is_domestic or not preference_percent:
        return total.quantize(CENT, rounding=ROUND_HALF_UP)
    factor = (Decimal(100) - Decimal(preference_percent)) / Decimal(100)
    return (total * factor).quantize(CENT, rounding=ROUND_HALF_UP)


def rank_key(column: dict[str, Any]) -> tuple[Any, ...]:
    evaluated = Decimal(column["evaluated_price"])
    score = column["match_score"] if column["match_score"] is not None else -1.0
    if column["meets_mandatory"]:
        return (0, 0, evaluated, -score, column["quote"])
    missed = len(column["failed"]) + len(column["unknown"])
    return (1, missed, evaluated, -score, column["quote"])


def rank_columns(columns: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The columns in rank order, each with its ``rank`` (1 = best)."""
    ranked = sorted(columns, key=rank_key)
    return [{**column, "rank": i} for i, column in enumerate(ranked, start=1)]


def _requirement_row(requirement: Requirement) -> dict[str, Any]:
    parameter = requirement.parameter
    return {
        "id": requirement.pk,
        "key": parameter.key,
        "name_zh": parameter.name_zh,
        "name_en": parameter.name_en or parameter.name_zh,
        "operator": requirement.operator,
        "value_type": parameter.value_type,
        "entered": requirement.entered_value,
        "unit": requirement.unit or parameter.unit,
        "is_mandatory": requirement.is_mandatory,
    }


def _both_languages(fn: Callable[[], T]) -> tuple[T, T]:
    with translation.override("zh-hans"):
        zh = fn()
    with translation.override("en"):
        en = fn()
    return zh, en


def _column(
    quote: Quote,
    requirements: Sequence[Requirement],
    assessment: ProductAssessment | None,
    on: datetime.date,
    rules: RuleBook,
) -> dict[str, Any]:
    product = quote.product
    status_zh, status_en = _both_languages(lambda: quote_domestic_status(quote, on, rules=rules))
    checks = {check.requirement_id: check for check in (assessment.checks if assessment else ())}
    cells = []
    failed: list[int] = []
    unknown: list[int] = []
    for requirement in requirements:
        check = checks.get(requirement.pk)
        status = check.status if check else UNKNOWN
        cells.append(
            {
                "requirement": requirement.pk,
                "status": status,
                "actual": check.actual if check else "",
                "gap": check.gap if check else None,
                "margin": check.margin if check else None,
            }
        )
        if requirement.is_mandatory and status == FAIL:
            failed.append(requirement.pk)
        elif requirement.is_mandatory and status != PASS:
            unknown.append(requirement.pk)
    total = quote.total if quote.total is not None else Decimal(0)
    preference = status_en.preference_percent if status_en.is_domestic else Decimal(0)
    evaluated = evaluated_price(total, is_domestic=status_en.is_domestic, preference_percent=preference)
    return {
        "quote": quote.pk,
        "status": quote.status,
        "manufacturer": quote.manufacturer_id,
        "manufacturer_zh": quote.manufacturer.name_zh,
        "manufacturer_en": quote.manufacturer.name_en or quote.manufacturer.name_zh,
        "product": product.pk,
        "product_zh": product.name_zh,
        "product_en": product.name_en or product.name_zh,
        "model": product.model_number,
        "unit_price": str(quote.unit_price),
        "quantity": quote.quantity,
        "total": str(total),
        "exceeds_budget": quote.exceeds_budget,
        "lead_time_days": quote.lead_time_days,
        "warranty_months": quote.warranty_months,
        "service_provinces": sorted(p.code for p in quote.service_provinces.all()),
        "service_response_hours": quote.service_response_hours,
        "declared_origin": quote.declared_origin.code or "",
        "component_cost_share": None if quote.component_cost_share is None else str(quote.component_cost_share),
        "evaluation_count": product.evaluation_count,
        "evaluation_score": product.evaluation_score,
        "match_score": None if assessment is None else round(assessment.score, 4),
        "is_domestic": status_en.is_domestic,
        "domestic_reason": status_en.reason_code,
        "domestic_message_zh": status_zh.message,
        "domestic_message_en": status_en.message,
        "preference_percent": format(Decimal(preference).normalize(), "f"),
        "evaluated_price": str(evaluated),
        "meets_mandatory": not failed and not unknown,
        "failed": failed,
        "unknown": unknown,
        "cells": cells,
    }


def comparison_build(*, demand: Demand) -> dict[str, Any]:
    """The comparison of the demand's sent quotes as it stands now (JSON values; see the module docstring)."""
    requirements = list(demand.requirements.select_related("parameter").order_by("sort_order", "id"))
    quotes = list(
        Quote.objects.filter(demand=demand, status__in=COMPARED_STATUSES)
        .select_related("manufacturer", "product", "product__category")
        .prefetch_related("service_provinces")
        .order_by("id")
    )
    assessments = assessor().assess(demand, [q.product_id for q in quotes])
    on = procurement_date(demand)
    rules = RuleBook.load()
    columns = [_column(q, requirements, assessments.get(q.product_id), on, rules) for q in quotes]
    return {
        "version": SNAPSHOT_VERSION,
        "demand": demand.pk,
        "built_at": timezone.now().isoformat(),
        "rule_date": on.isoformat(),
        "budget": None if demand.budget is None else str(demand.budget),
        "quantity": demand.quantity,
        "requirements": [_requirement_row(r) for r in requirements],
        "quotes": rank_columns(columns),
    }


def domestic_alternatives(demand: Demand, comparison: dict[str, Any]) -> list[dict[str, Any]]:
    """Domestic products that met every mandatory requirement: quoted ones (from the comparison) and matched ones."""
    found: dict[int, dict[str, Any]] = {}
    for column in comparison.get("quotes", []):
        if column["is_domestic"] and column["meets_mandatory"]:
            found.setdefault(column["product"], {"product": column["product"], "source": "quote"})
    for product_id in assessor().domestic_matches(demand):
        found.setdefault(product_id, {"product": product_id, "source": "match"})
    return [found[key] for key in sorted(found)]


# --- Reading a comparison in the reader's language -------------------------------------------------------------


def _name(item: dict[str, Any], stem: str) -> str:
    english = translation.get_language() == "en"
    return str(item.get(f"{stem}_en") if english else item.get(f"{stem}_zh") or "")


def requirement_label(row: dict[str, Any]) -> str:
    operator = Requirement.Operator(row["operator"]).label
    unit = display_unit(row["unit"]) if row.get("unit") and row.get("value_type") in ("number", "range") else ""
    return " ".join(
        part for part in (_name(row, "name"), str(operator), format_entered(row.get("entered") or ""), unit) if part
    )


def quote_label(column: dict[str, Any]) -> str:
    return f"{_name(column, 'manufacturer')} · {_name(column, 'product')} {column['model']}"


def domestic_message(column: dict[str, Any]) -> str:
    return _name(column, "domestic_message")


# Reasons that leave a product made in China outside the rule: neither domestic nor imported.
_MADE_IN_CHINA_REASONS = frozenset({RATIO_NOT_MET, KEY_COMPONENT_NOT_IN_CHINA, KEY_PROCESS_NOT_IN_CHINA})


def is_made_in_china(column: dict[str, Any]) -> bool:
    """Whether a column that is not a 本国产品 is made in China all the same (a ratio or key part missed)."""
    return not column["is_domestic"] and column.get("domestic_reason") in _MADE_IN_CHINA_REASONS


def _number(value: float | None) -> str:
    return "" if value is None else format_number(value)


def cell_text(cell: dict[str, Any], unit: str) -> str:
    """A requirement cell in words: passed, failed with the gap, or not stated."""
    shown_unit = f" {display_unit(unit)}" if unit else ""
    if cell["status"] == PASS:
        return _("pass: %(actual)s") % {"actual": f"{cell['actual']}{shown_unit}".strip()}
    if cell["status"] == FAIL:
        if cell.get("gap") is not None:
            return _("fail: %(actual)s, short by %(gap)s") % {
                "actual": f"{cell['actual']}{shown_unit}".strip(),
                "gap": f"{_number(cell['gap'])}{shown_unit}",
            }
        return _("fail: %(actual)s") % {"actual": cell["actual"] or "—"}
    return _("not stated")


def _cny(value: str | Decimal) -> str:
    return amount_cny(value, exact=True)


def derivation(column: dict[str, Any]) -> str:
    """How the evaluated price follows from the quote, in words and figures."""
    total = _cny(column["total"])
    if column["is_domestic"] and Decimal(column["preference_percent"]):
        return _(
            "%(total)s x (1 - %(percent)s%%) = %(evaluated)s: a domestic product under the rule in force on "
            "%(date)s gets a %(percent)s%% price-evaluation preference."
        ) % {
            "total": total,
            "percent": f"{Decimal(column['preference_percent']):g}",
            "evaluated": _cny(column["evaluated_price"]),
            "date": column.get("rule_date", ""),
        }
    return _("%(total)s, unchanged: not a domestic product, so no preference.") % {"total": total}


def comparison_table(snapshot: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The comparison as a header and rows of text, in the reader's language (the XLSX and PDF exports)."""
    columns = [{**c, "rule_date": snapshot.get("rule_date", "")} for c in snapshot["quotes"]]
    header = [_("Requirement"), *[f"#{c['rank']} {quote_label(c)}" for c in columns]]
    rows: list[list[str]] = []
    for index, requirement in enumerate(snapshot["requirements"]):
        kind = _("mandatory") if requirement["is_mandatory"] else _("preferred")
        rows.append(
            [
                f"{requirement_label(requirement)} ({kind})",
                *[cell_text(c["cells"][index], requirement.get("unit", "")) for c in columns],
            ]
        )

    def yes_no(value: bool) -> str:
        return _("yes") if value else _("no")

    def optional(value: Any) -> str:
        return "—" if value is None or value == "" else str(value)

    rows += [
        [_("Meets every mandatory requirement"), *[yes_no(c["meets_mandatory"]) for c in columns]],
        [_("Match score"), *[optional(c["match_score"]) for c in columns]],
        [_("Unit price"), *[_cny(c["unit_price"]) for c in columns]],
        [_("Quantity"), *[str(c["quantity"]) for c in columns]],
        [_("Total"), *[_cny(c["total"]) for c in columns]],
        [_("Above the budget"), *[yes_no(c["exceeds_budget"]) for c in columns]],
        [_("Lead time (days)"), *[optional(c["lead_time_days"]) for c in columns]],
        [_("Warranty (months)"), *[optional(c["warranty_months"]) for c in columns]],
        [_("Service network (provinces)"), *[", ".join(c["service_provinces"]) or "—" for c in columns]],
        [_("Service response time (hours)"), *[optional(c["service_response_hours"]) for c in columns]],
        [
            _("Evaluations"),
            *[
                f"{c['evaluation_count']} ({c['evaluation_score']:.2f})" if c["evaluation_score"] is not None else "0"
                for c in columns
            ],
        ],
        [_("Domestic product (本国产品)"), *[f"{yes_no(c['is_domestic'])}: {domestic_message(c)}" for c in columns]],
        [_("Evaluated price"), *[_cny(c["evaluated_price"]) for c in columns]],
        [_("How the evaluated price is derived"), *[derivation(c) for c in columns]],
        [_("Rank"), *[str(c["rank"]) for c in columns]],
    ]
    return header, rows
