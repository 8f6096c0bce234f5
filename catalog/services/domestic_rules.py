"""Versions of the domestic-product rule: add, change, remove, and re-derive the products' flags after.

A rule change is recorded in the change outbox (entity ``domestic_rule``, with the category path it covers, empty
for the national default); the catalog's outbox consumer re-derives ``is_domestic`` for that subtree in one pass,
and the products whose flag flips are recorded as changed in turn, so search re-indexes and matching re-matches
them in batches. A rule dated in the future takes effect through the daily refresh (``catalog.refresh_domestic``).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from catalog import policies
from catalog.models import Category, DomesticProductRule
from catalog.services.products import products_domestic_refresh
from changes.models import Change
from changes.services import change_record
from config.exceptions import ApplicationError

DOMESTIC_RULE_ENTITY = "domestic_rule"
# The outbox consumer that re-derives the flags.
CONSUMER = "domestic"

DOMESTIC_RULE_FIELDS = (
    "category",
    "effective_from",
    "component_cost_ratio",
    "key_components",
    "key_processes",
    "transition_end",
    "price_preference_percent",
    "source",
)


def _check(user: User) -> None:
    if not policies.can_manage_domestic_rules(user):
        raise PermissionDenied(_("Only platform staff can change the domestic-product rule."))


def _names(value: Any, *, field: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [part for line in value.splitlines() for part in line.split(",")]
    if not isinstance(value, Sequence):
        raise ApplicationError(_("Give a list of names."), field=field)
    names = list(dict.fromkeys(str(name).strip() for name in value if str(name).strip()))
    if any(len(name) > 100 for name in names):
        raise ApplicationError(_("A name may have at most 100 characters."), field=field)
    return names


def _decimal(value: Any, *, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ApplicationError(_("Enter a number."), field=field) from exc
    if not number.is_finite():
        raise ApplicationError(_("Enter a number."), field=field)
    return number


def _date(value: Any, *, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ApplicationError(_("Enter a valid date."), field=field) from exc


def _apply(rule: DomesticProductRule, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(DOMESTIC_RULE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )
    for name, value in fields.items():
        if name in ("key_components", "key_processes"):
            value = _names(value, field=name)
        elif name == "component_cost_ratio":
            value = _decimal(value, field=name)
        elif name == "price_preference_percent":
            value = _decimal(value, field=name)
            if value is None:
                raise ApplicationError(_("This field is required."), field=name)
        elif name in ("effective_from", "transition_end"):
            value = _date(value, field=name)
        elif name == "category" and value is not None and not isinstance(value, Category):
            raise ApplicationError(_("Unknown category."), field=name)
        elif name == "source":
            value = str(value or "").strip()
        setattr(rule, name, value)


def _validate(rule: DomesticProductRule) -> None:
    if rule.effective_from is None:
        raise ApplicationError(_("This field is required."), field="effective_from")
    try:
        rule.full_clean(exclude=["created_by"])
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(messages[0], field="effective_from" if field == "__all__" else field) from exc


def _record(rule: DomesticProductRule, category_path: str) -> None:
    change_record(entity=DOMESTIC_RULE_ENTITY, ids=[rule.pk], category_paths={rule.pk: category_path})


@transaction.atomic
def domestic_rule_create(*, user: User, **fields: Any) -> DomesticProductRule:
    """Add a rule version (a category's, or the national default when ``category`` is None)."""
    _check(user)
    rule = DomesticProductRule(created_by=user if user.is_authenticated else None)
    _apply(rule, fields)
    _validate(rule)
    rule.save()
    _record(rule, rule.category.path if rule.category else "")
    return rule


@transaction.atomic
def domestic_rule_update(*, rule: DomesticProductRule, user: User, **fields: Any) -> DomesticProductRule:
    """Change a rule version; a change of category re-derives both the old and the new subtree."""
    _check(user)
    rule = DomesticProductRule.objects.select_for_update(of=("self",)).select_related("category").get(pk=rule.pk)
    old_path = rule.category.path if rule.category else ""
    _apply(rule, fields)
    _validate(rule)
    rule.save()
    new_path = rule.category.path if rule.category else ""
    _record(rule, new_path)
    if old_path != new_path:
        _record(rule, old_path)  # the subtree it no longer covers falls back to another rule
    return rule


@transaction.atomic
def domestic_rule_delete(*, rule: DomesticProductRule, user: User) -> None:
    _check(user)
    rule = DomesticProductRule.objects.select_for_update(of=("self",)).select_related("category").get(pk=rule.pk)
    _record(rule, rule.category.path if rule.category else "")
    rule.delete()


def domestic_rule_changes_apply(changes: Sequence[Change]) -> int:
    """The outbox consumer: re-derive the flags of every subtree the changed rules cover, once each.

    The national default (an empty path) covers every product; otherwise subtrees inside another changed subtree
    are covered by it. Returns the products whose flag changed.
    """
    paths = sorted({change.category_path for change in changes})
    if "" in paths:
        return products_domestic_refresh()
    roots: list[str] = []
    for path in paths:
        if not any(path == root or path.startswith(root + "/") for root in roots):
            roots.append(path)
    categories = Category.objects.filter(path__in=roots)
    changed = 0
    for category in categories:
        changed += products_domestic_refresh(category=category)
    return changed
