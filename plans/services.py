"""Procurement plans: a template per category, checking an uploaded plan line by line, posting lines as drafts.

A plan is a CSV or XLSX file read by the one import framework (``catalog.tabular``): one line per instrument with
its title, quantity, budget, deadline, delivery province and description, then one column per parameter of the
category's dictionary (``key [unit]``) whose cell is a mandatory requirement (``≥ 40``, ``190-900 nm``,
``DAD|UV`` for choices, ``yes``). Cells are validated by the rules demands use (``procurement``), and each valid
line is scored against the category's candidate pool by the matching engine (``matching.pools.warm_pool`` and
the pool's ``shortlist``), loaded once for the whole plan: how many published domestic products meet every
mandatory requirement now, the best, and the closest near miss with its gaps. Nothing is posted until the
institution chooses lines (``plan_post``), which become draft demands in one transaction.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, Province, User
from catalog import values
from catalog.importing.rows import parse_header
from catalog.models import Category, Parameter
from catalog.selectors import category_dictionary
from catalog.tabular import check_columns, csv_bytes, data_rows, read_table, xlsx_bytes
from config.exceptions import ApplicationError
from matching import scoring as s
from matching.engine import weights
from matching.pools import warm_pool
from plans import policies
from plans.models import PlanLine, ProcurementPlan
from procurement.models import Demand
from procurement.policies import can_post_demand
from procurement.requirement_rules import RequirementInput, default_operator, requirement_clean
from procurement.services.demands import DemandDraft, demand_drafts_create, demand_field_errors

MAX_LINES = 2000
MAX_BYTES = 10 * 1024 * 1024
LINE_COLUMNS = ("title", "quantity", "budget", "deadline", "delivery_province", "description")
REQUIRED_COLUMNS = ("title", "deadline", "delivery_province")
_OPERATORS = (("≥", ">="), (">=", ">="), ("≤", "<="), ("<=", "<="), ("=", "="))


# --- Template ---------------------------------------------------------------------------------------------------


def plan_template_columns(category: Category) -> list[str]:
    parameters = sorted(category_dictionary(category).values(), key=lambda p: p.key)
    return [*LINE_COLUMNS, *(f"{p.key} [{p.unit}]" if p.unit else p.key for p in parameters)]


def plan_template(*, category: Category, fmt: str) -> bytes:
    """An empty plan for the category: the header row, and one example line naming what each column takes."""
    header = plan_template_columns(category)
    if fmt == "xlsx":
        return xlsx_bytes([(category.code, [header])])
    return csv_bytes([header])


# --- Reading one line -------------------------------------------------------------------------------------------


def _requirement_input(parameter: Parameter, text: str) -> RequirementInput:
    """A cell as a mandatory requirement: an optional leading operator, then the value(s) the parameter takes."""
    operator = ""
    for prefix, op in _OPERATORS:
        if text.startswith(prefix):
            operator, text = op, text[len(prefix) :].strip()
            break
    operator = operator or default_operator(parameter)
    if parameter.value_type == values.CHOICE:
        choices = [c.strip() for c in text.replace("、", "|").replace(",", "|").split("|") if c.strip()]
        return RequirementInput(
            parameter_key=parameter.key, operator="in" if len(choices) > 1 else operator, choices=choices, value=text
        )
    if parameter.value_type == values.BOOLEAN:
        return RequirementInput(parameter_key=parameter.key, operator="=", value=text)
    try:
        parsed = values.parse_cell(text)
    except values.InvalidValue as exc:
        raise ApplicationError(exc.reason, field="value") from None
    if parameter.value_type == values.RANGE:
        low = parsed.low if parsed.low is not None else parsed.number
        high = parsed.high if parsed.high is not None else parsed.number
        return RequirementInput(
            parameter_key=parameter.key, operator="covers", value_min=low, value_max=high, unit=parsed.unit
        )
    return RequirementInput(parameter_key=parameter.key, operator=operator, value=parsed.number, unit=parsed.unit)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "").replace("¥", "").replace("￥", "").strip())
    except InvalidOperation:
        raise ApplicationError(_("Enter the budget as a number."), field="budget") from None


def _line(
    number: int,
    texts: Sequence[str],
    columns: list[tuple[str, str]],
    dictionary: dict[str, Parameter],
    provinces: dict[str, Province],
    today: datetime.date,
) -> tuple[PlanLine, list[tuple[Parameter, Any]]]:
    line = PlanLine(row=number)
    errors: list[dict[str, str]] = []
    cleaned: list[tuple[Parameter, Any]] = []
    inputs: list[RequirementInput] = []
    for (name, unit), text in zip(columns, texts, strict=False):
        if not name or not text:
            continue
        column = f"{name} [{unit}]" if unit else name
        try:
            if name == "title":
                line.title = text[:200]
            elif name == "description":
                line.description = text
            elif name == "quantity":
                if not text.isdigit():
                    raise ApplicationError(_("Enter a whole number."))
                line.quantity = int(text)
            elif name == "budget":
                line.budget = _decimal(text)
            elif name == "deadline":
                try:
                    line.deadline = datetime.date.fromisoformat(text[:10])
                except ValueError:
                    raise ApplicationError(_("Enter the date as YYYY-MM-DD.")) from None
            elif name == "delivery_province":
                found = provinces.get(text) or next(
                    (p for p in provinces.values() if text in (p.name_zh, p.name_en)), None
                )
                if found is None:
                    raise ApplicationError(_("There is no such province."))
                line.delivery_province = found
            else:
                parameter = dictionary[name]
                written = _requirement_input(parameter, f"{text} {unit}" if unit and text[-1:].isdigit() else text)
                cleaned.append((parameter, requirement_clean(parameter, written)))
                inputs.append(written)
        except ApplicationError as exc:
            errors.append({"column": column, "reason": exc.message})
    line.quantity = line.quantity or 1
    # The demand's own rules, as a draft demand would be checked.
    probe = Demand(title=line.title, quantity=line.quantity, budget=line.budget)
    probe.deadline = line.deadline  # type: ignore[assignment]  # None is reported as a missing deadline
    for field, messages in demand_field_errors(probe, today=today).items():
        if field in LINE_COLUMNS:
            errors += [{"column": field, "reason": str(m)} for m in messages]
    if line.delivery_province is None and not any(e["column"] == "delivery_province" for e in errors):
        errors.append({"column": "delivery_province", "reason": _("Choose the delivery province.")})
    if not cleaned and not errors:
        errors.append({"column": "", "reason": _("State at least one requirement in a parameter column.")})
    line.errors = errors
    line.requirements = [asdict(i) | {"choices": list(i.choices)} for i in inputs] if not errors else []
    return line, cleaned if not errors else []


# --- Scoring valid lines ------------------------------------------------------------------------------------------


def _facts(index: int, line: PlanLine, cleaned: list[tuple[Parameter, Any]], today: datetime.date) -> s.DemandFacts:
    requirements = []
    for number, (parameter, clean) in enumerate(cleaned):
        low, high = parameter.min_value, parameter.max_value
        requirements.append(
            s.RequirementSpec(
                requirement_id=number,
                parameter_id=parameter.pk,
                key=parameter.key,
                operator=clean.operator,
                value_type=parameter.value_type,
                value=clean.value,
                value_min=clean.value_min,
                value_max=clean.value_max,
                choices=tuple(str(c) for c in clean.value_choices),
                canonical_unit=parameter.unit or "",
                unit=clean.unit or "",
                is_mandatory=True,
                weight=clean.weight,
                parameter_span=(high - low) if low is not None and high is not None and high > low else None,
                entered=clean.entered_value,
            )
        )
    assert line.deadline is not None
    return s.DemandFacts(
        demand_id=-index,
        requirements=tuple(requirements),
        budget_per_unit=None if line.budget is None else float(line.budget) / max(line.quantity or 1, 1),
        province=line.delivery_province.pk if line.delivery_province else "",
        days_to_deadline=(line.deadline - today).days,
        tokens=s.demand_tokens(f"{line.title} {line.description}"),
    )


def _gaps(pair: s.PairScore) -> list[dict[str, Any]]:
    return [
        {"key": r.key, "required": r.required, "actual": r.actual, "gap": r.gap, "unit": r.unit}
        for r in pair.results
        if r.is_mandatory and r.status == "fail"
    ]


# --- The services ------------------------------------------------------------------------------------------------


@transaction.atomic
def plan_check(
    *, user: User, institution: Organization, category: Category, filename: str, data: bytes
) -> ProcurementPlan:
    """Read and check a plan; store it with one line per row (valid, or its errors per cell) and, for each valid
    line, what the catalog offers now. Nothing is posted."""
    if institution.kind != Organization.Kind.INSTITUTION or not can_post_demand(user, institution):
        raise PermissionDenied(_("Only members of the institution check its procurement plans."))
    started = time.perf_counter()
    table = read_table(filename=filename, data=data, max_bytes=MAX_BYTES, max_rows=MAX_LINES)
    columns = parse_header(table.header)
    dictionary = category_dictionary(category)
    names = [name for name, _unit in columns]
    check_columns(names, required=REQUIRED_COLUMNS)
    unknown = [name for name in names if name and name not in LINE_COLUMNS and name not in dictionary]
    if unknown:
        raise ApplicationError(
            _("These columns are neither plan fields nor parameters of %(category)s: %(names)s")
            % {"category": category, "names": ", ".join(unknown)},
            field="file",
        )
    provinces = Province.objects.in_bulk()
    today = timezone.localdate()
    lines: list[PlanLine] = []
    facts: list[tuple[PlanLine, s.DemandFacts]] = []
    for number, _cells, texts in data_rows(table.body):
        line, cleaned = _line(number, texts, columns, dictionary, provinces, today)
        lines.append(line)
        if cleaned:
            facts.append((line, _facts(len(facts) + 1, line, cleaned, today)))
    if facts:
        pool = warm_pool(category_id=category.pk)
        w = weights()
        for line, demand_facts in facts:
            shortlist = pool.shortlist(demand_facts, weights=w, top_n=1, near_miss_n=1)
            line.matches_count = shortlist.matches_total
            if shortlist.matches:
                line.best_product_id, line.best_score = shortlist.matches[0].product_id, shortlist.matches[0].score
            if shortlist.near_misses:
                line.near_miss_product_id = shortlist.near_misses[0].product_id
                line.near_miss_gaps = _gaps(shortlist.near_misses[0])
    plan = ProcurementPlan.objects.create(
        institution=institution,
        uploaded_by=user,
        category=category,
        filename=(filename or "")[:200],
        lines_total=len(lines),
        lines_valid=sum(1 for line in lines if not line.errors),
    )
    for line in lines:
        line.plan = plan
    PlanLine.objects.bulk_create(lines, batch_size=1000)
    plan.check_seconds = time.perf_counter() - started
    plan.save(update_fields=["check_seconds"])
    return plan


@transaction.atomic
def plan_post(*, user: User, plan: ProcurementPlan, rows: Sequence[int]) -> list[Demand]:
    """Post the chosen valid lines as draft demands, in one step: all of them or none. Each still needs its
    shared-instrument check before it opens."""
    if not policies.can_use_plan(user, plan):
        raise PermissionDenied(_("Only members of the institution post its plan's lines."))
    wanted = sorted({int(r) for r in rows})
    if not wanted:
        raise ApplicationError(_("Choose the lines to post."), field="rows")
    lines = {
        line.row: line
        for line in plan.lines.select_for_update(of=("self",))
        .select_related("delivery_province")
        .filter(row__in=wanted)
    }
    errors = {}
    for row in wanted:
        line = lines.get(row)
        if line is None:
            errors[str(row)] = [_("There is no such line.")]
        elif line.errors:
            errors[str(row)] = [_("This line has errors; correct the file and check it again.")]
        elif line.demand_id is not None:
            errors[str(row)] = [_("This line is posted already.")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, field="rows", extra={"fields": {"rows": [first]}, "rows": errors})
    drafts = []
    for row in wanted:
        line = lines[row]
        assert line.deadline is not None and line.delivery_province is not None
        drafts.append(
            DemandDraft(
                title=line.title,
                deadline=line.deadline,
                delivery_province=line.delivery_province,
                description=line.description,
                quantity=line.quantity or 1,
                budget=line.budget,
                requirements=[RequirementInput(**item) for item in line.requirements],
            )
        )
    try:
        # One bulk write and one outbox batch for every line, not one demand_create each.
        demands = demand_drafts_create(
            user=user, institution=plan.institution, category=plan.category, drafts=drafts, contact_email=user.email
        )
    except ApplicationError as exc:
        bad = exc.extra.get("drafts")
        if not isinstance(bad, dict):
            raise
        # A line checked valid can still fail now (its deadline passed since): say which, by row.
        by_row = {str(wanted[index]): messages for index, messages in bad.items()}
        raise ApplicationError(
            exc.message, field="rows", extra={"fields": {"rows": [exc.message]}, "rows": by_row}
        ) from None
    for row, demand in zip(wanted, demands, strict=True):
        lines[row].demand = demand
    PlanLine.objects.bulk_update([lines[row] for row in wanted], ["demand"], batch_size=1000)
    return demands
