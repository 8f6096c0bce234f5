"""Which audit entries make up an object's history, and who may read it.

The entries themselves are written by django-auditlog (registered in ``AUDITLOG_INCLUDE_TRACKING_MODELS``): one
``LogEntry`` per saved change of a tracked row, with the fields that changed, the actor and the time. This
module only reads them. A history is named by a kind and an id (``demand`` 12); a demand's history holds its
requirements, award and import justification too, since they are changed on the demand's behalf. Who may read
a history is the owning app's rule (``catalog.policies``, ``procurement.policies``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.policies import AnyUser
from catalog import policies as catalog_policies
from catalog.models import DomesticProductRule, Product
from catalog.policies import product_visibility_q
from procurement import policies as procurement_policies
from procurement.models import Award, Demand, ImportJustification, Quote, Requirement


@dataclass(frozen=True)
class HistoryKind:
    key: str
    label: Any
    model: type[Model]
    # The rows the person may know exist (others are a 404, so a history never confirms a hidden row).
    visible: Callable[[AnyUser], QuerySet[Any]]
    can_read: Callable[[AnyUser, Any], bool]
    # Entries of other models that belong to the object's history.
    children: tuple[type[Model], ...] = ()


def _demands(user: AnyUser) -> QuerySet[Demand]:
    return Demand.objects.filter(procurement_policies.demand_visibility_q(user))


def _quotes(user: AnyUser) -> QuerySet[Quote]:
    return Quote.objects.filter(procurement_policies.quote_visibility_q(user))


KINDS: dict[str, HistoryKind] = {
    kind.key: kind
    for kind in (
        HistoryKind(
            key="demand",
            label=_("demand"),
            model=Demand,
            visible=_demands,
            can_read=procurement_policies.can_see_demand_history,
            children=(Requirement, Award, ImportJustification),
        ),
        HistoryKind(
            key="quote",
            label=_("quote"),
            model=Quote,
            visible=_quotes,
            can_read=procurement_policies.can_see_quote_history,
        ),
        HistoryKind(
            key="product",
            label=_("product"),
            model=Product,
            visible=lambda user: Product.objects.filter(product_visibility_q(user)),
            can_read=catalog_policies.can_see_product_history,
        ),
        HistoryKind(
            key="domestic-rule",
            label=_("domestic-product rule"),
            model=DomesticProductRule,
            visible=lambda user: DomesticProductRule.objects.all(),
            can_read=lambda user, _rule: catalog_policies.can_see_domestic_rule_history(user),
        ),
    )
}


def history_kind(key: str) -> HistoryKind | None:
    return KINDS.get(key)


def history_object(*, kind: HistoryKind, user: AnyUser, pk: Any) -> Any | None:
    """The object whose history is asked for, when the person may see it at all (else None: a 404)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return kind.visible(user).filter(pk=pk).first()


def history_entries(*, kind: HistoryKind, obj: Model) -> QuerySet[LogEntry]:
    """The object's audit entries, newest first, with what the pages and the API read (no per-row query).

    A child (a requirement) is found by its current link to the object and, once deleted, by the link its
    creation or deletion recorded.
    """
    types = ContentType.objects.get_for_models(kind.model, *kind.children)
    match = Q(content_type=types[kind.model], object_pk=str(obj.pk))
    for child in kind.children:
        link = next(f.name for f in child._meta.get_fields() if getattr(f, "related_model", None) is kind.model)
        current = [str(pk) for pk in child._default_manager.filter(**{link: obj}).values_list("pk", flat=True)]
        recorded = Q(**{f"changes__{link}__1": str(obj.pk)}) | Q(**{f"changes__{link}__0": str(obj.pk)})
        match |= Q(content_type=types[child]) & (Q(object_pk__in=current) | recorded)
    return LogEntry.objects.filter(match).select_related("actor", "content_type").order_by("-timestamp", "-id")
