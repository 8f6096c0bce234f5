"""The domestic-product (本国产品) rule: which version is in force for a category on a date, and what it says of a
product.

The national standard in government procurement (in force since 2026-01-01): a domestic product is produced in
China and, where a ratio is set for it, its China-produced component cost share reaches that ratio; for some
products named key components must be made and key processes done in China. Until a ratio is set, a product
produced in China counts. A new requirement may come with a transition, until whose end it is announced but not
yet binding. Domestic products get a price-evaluation preference (20% today), kept with the rule.

Rules are versioned per category (``catalog.models.DomesticProductRule``): the rule in force is the latest one in
effect of the nearest category up the tree, else the national default. Only where the product is produced and
what it declares about its components count: the maker's ownership, brand registration or investors' nationality
never enter here.

``evaluate`` is pure; ``RuleBook.load`` reads every rule in one query, so bulk work resolves thousands of
products against one book.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import DomesticProductRule
from catalog.selectors import category_ancestor_codes

CHINA = "CN"

# Why a product is or is not domestic on a date; stable codes for API consumers.
NO_RULE = "no_rule"
NOT_PRODUCED_IN_CHINA = "not_produced_in_china"
PRODUCED_IN_CHINA = "produced_in_china"
TRANSITION = "transition"
REQUIREMENTS_MET = "requirements_met"
RATIO_NOT_MET = "ratio_not_met"
KEY_COMPONENT_NOT_IN_CHINA = "key_component_not_in_china"
KEY_PROCESS_NOT_IN_CHINA = "key_process_not_in_china"
REASON_CODES = (
    NO_RULE,
    NOT_PRODUCED_IN_CHINA,
    PRODUCED_IN_CHINA,
    TRANSITION,
    REQUIREMENTS_MET,
    RATIO_NOT_MET,
    KEY_COMPONENT_NOT_IN_CHINA,
    KEY_PROCESS_NOT_IN_CHINA,
)


@dataclass(frozen=True)
class RuleTerms:
    """One rule version, detached from the database."""

    category_code: str | None  # None: the national default
    effective_from: datetime.date
    component_cost_ratio: Decimal | None = None
    key_components: tuple[str, ...] = ()
    key_processes: tuple[str, ...] = ()
    transition_end: datetime.date | None = None
    price_preference_percent: Decimal = Decimal(20)
    pk: int | None = None

    @classmethod
    def from_rule(cls, rule: DomesticProductRule, category_code: str | None) -> RuleTerms:
        return cls(
            category_code=category_code,
            effective_from=rule.effective_from,
            component_cost_ratio=rule.component_cost_ratio,
            key_components=tuple(str(name) for name in rule.key_components or ()),
            key_processes=tuple(str(name) for name in rule.key_processes or ()),
            transition_end=rule.transition_end,
            price_preference_percent=Decimal(rule.price_preference_percent),
            pk=rule.pk,
        )

    @property
    def binding_from(self) -> datetime.date:
        """From when the ratio, key components and processes are required (after the transition, if any)."""
        return self.transition_end or self.effective_from

    @property
    def has_requirements(self) -> bool:
        return self.component_cost_ratio is not None or bool(self.key_components) or bool(self.key_processes)


class RuleBook:
    """Every rule version by category code (``None`` for the national default), newest first."""

    def __init__(self, rules: Iterable[RuleTerms]) -> None:
        self._by_scope: dict[str | None, list[RuleTerms]] = defaultdict(list)
        for rule in rules:
            self._by_scope[rule.category_code].append(rule)
        for versions in self._by_scope.values():
            versions.sort(key=lambda r: r.effective_from, reverse=True)

    @classmethod
    def load(cls) -> RuleBook:
        """All rules, in one query."""
        rows = DomesticProductRule.objects.select_related("category")
        return cls(RuleTerms.from_rule(rule, rule.category.code if rule.category else None) for rule in rows)

    def in_force(self, category_path: str, on: datetime.date) -> RuleTerms | None:
        """The latest rule in effect on ``on`` of the nearest scope: the category, its ancestors, the nation."""
        scopes: list[str | None] = (
            [*reversed(category_ancestor_codes(category_path)), None] if category_path else [None]
        )
        for scope in scopes:
            for rule in self._by_scope.get(scope, ()):
                if rule.effective_from <= on:
                    return rule
        return None


@dataclass(frozen=True)
class DomesticStatus:
    is_domestic: bool
    reason_code: str
    # Why, in the language active when it was resolved.
    message: str
    # The price-evaluation preference a domestic product gets under the rule (0 when not domestic).
    preference_percent: Decimal
    on: datetime.date
    rule: RuleTerms | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "is_domestic": self.is_domestic,
            "reason_code": self.reason_code,
            "message": self.message,
            "preference_percent": self.preference_percent,
            "on": self.on,
            "rule_effective_from": self.rule.effective_from if self.rule else None,
        }


class ProductLike(Protocol):
    """What the rule reads of a product (a quote with its declared origin can pass the same)."""

    country_of_origin: Any
    domestic_content: Any
    key_components: Any
    key_processes: Any

    @property
    def category(self) -> Any: ...


def _percent(ratio: Decimal) -> str:
    value = (Decimal(ratio) * 100).quantize(Decimal("0.1")).normalize()
    return f"{value:f}"


def _origins(declared: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    origins: dict[str, str] = {}
    for item in declared or ():
        if isinstance(item, Mapping) and str(item.get("name", "")).strip():
            origins[str(item["name"]).strip().casefold()] = str(item.get("origin", "")).strip().upper()
    return origins


def _missing(required: Sequence[str], declared: Mapping[str, str]) -> list[str]:
    return [name for name in required if declared.get(name.strip().casefold()) != CHINA]


def evaluate(
    *,
    origin: str,
    component_cost_share: Decimal | float | str | None,
    key_components: Iterable[Mapping[str, Any]] | None,
    key_processes: Iterable[Mapping[str, Any]] | None,
    category_path: str,
    on: datetime.date,
    rules: RuleBook,
) -> DomesticStatus:
    """Whether what is declared makes a domestic product on ``on`` under the rule then in force (pure)."""
    rule = rules.in_force(category_path, on)
    zero = Decimal(0)
    if rule is None:
        message = _("No domestic-product rule was in force on %(date)s.") % {"date": on.isoformat()}
        return DomesticStatus(False, NO_RULE, message, zero, on, None)
    if str(origin or "").upper() != CHINA:
        message = _("Not produced in China (produced in %(country)s).") % {"country": str(origin or "?")}
        return DomesticStatus(False, NOT_PRODUCED_IN_CHINA, message, zero, on, rule)
    preference = rule.price_preference_percent
    if not rule.has_requirements:
        message = _("Produced in China; no component cost ratio is set for this category yet.")
        return DomesticStatus(True, PRODUCED_IN_CHINA, message, preference, on, rule)

    share = Decimal(str(component_cost_share or 0))
    since = rule.binding_from.isoformat()
    failures: list[tuple[str, str]] = []
    met: list[str] = []
    if rule.component_cost_ratio is not None:
        values = {"share": _percent(share), "ratio": _percent(rule.component_cost_ratio), "date": since}
        if share >= rule.component_cost_ratio:
            met.append(_("Component cost share %(share)s%% ≥ %(ratio)s%% required since %(date)s.") % values)
        else:
            failures.append(
                (RATIO_NOT_MET, _("Component cost share %(share)s%% < %(ratio)s%% required since %(date)s.") % values)
            )
    components = _missing(rule.key_components, _origins(key_components))
    if components:
        failures.append(
            (
                KEY_COMPONENT_NOT_IN_CHINA,
                _("Key components not declared as made in China: %(names)s (required since %(date)s).")
                % {"names": ", ".join(components), "date": since},
            )
        )
    elif rule.key_components:
        met.append(_("Key components made in China: %(names)s.") % {"names": ", ".join(rule.key_components)})
    processes = _missing(rule.key_processes, _origins(key_processes))
    if processes:
        failures.append(
            (
                KEY_PROCESS_NOT_IN_CHINA,
                _("Key processes not declared as done in China: %(names)s (required since %(date)s).")
                % {"names": ", ".join(processes), "date": since},
            )
        )
    elif rule.key_processes:
        met.append(_("Key processes done in China: %(names)s.") % {"names": ", ".join(rule.key_processes)})

    if rule.transition_end is not None and on < rule.transition_end:
        message = _(
            "Produced in China; in the transition until %(date)s this category's ratio, key components and key "
            "processes are not yet required."
        ) % {"date": rule.transition_end.isoformat()}
        if failures:
            message += " " + _("After it: %(detail)s") % {"detail": " ".join(text for _code, text in failures)}
        return DomesticStatus(True, TRANSITION, message, preference, on, rule)
    if failures:
        return DomesticStatus(False, failures[0][0], " ".join(text for _code, text in failures), zero, on, rule)
    message = " ".join([_("Produced in China."), *met])
    return DomesticStatus(True, REQUIREMENTS_MET, message, preference, on, rule)


def today() -> datetime.date:
    return timezone.localdate()


def status_on(
    product: ProductLike, on: datetime.date | None = None, *, rules: RuleBook | None = None
) -> DomesticStatus:
    """What the rule in force on ``on`` (today by default) says of ``product``; pass ``rules`` in bulk work."""
    return evaluate(
        origin=str(product.country_of_origin),
        component_cost_share=product.domestic_content,
        key_components=product.key_components,
        key_processes=product.key_processes,
        category_path=product.category.path,
        on=on or today(),
        rules=rules if rules is not None else RuleBook.load(),
    )


def national_rule_summary(on: datetime.date, *, rules: RuleBook | None = None) -> dict[str, Any] | None:
    """The national default in force on ``on``, as plain JSON values (for report snapshots)."""
    rule = (rules if rules is not None else RuleBook.load()).in_force("", on)
    if rule is None:
        return None
    return {
        "effective_from": rule.effective_from.isoformat(),
        "component_cost_ratio": None if rule.component_cost_ratio is None else str(rule.component_cost_ratio),
        "transition_end": rule.transition_end.isoformat() if rule.transition_end else None,
        "price_preference_percent": str(rule.price_preference_percent),
    }
