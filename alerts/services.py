"""Saved searches and follows: saving them, and telling their owners of new items (the change outbox's consumer).

A new or changed product or demand reaches ``alerts_consume`` once, after commit, through the change outbox
(consumer ``alerts``; the sweep takes what a lost kick left). Its search document is percolated against the
saved searches of its kind (``alerts.percolate`` in SQL, or the Elasticsearch percolator) and matched with the
follows; each (saved search or follow, item) pair is one piece of news for ``notifications.notify_each``, whose
per-person keys make it heard once however often the item changes, is re-indexed or the batch is redelivered.
The batch is marked done in the transaction that writes the notifications.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.signing import BadSignature, TimestampSigner
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from alerts import notices, policies
from alerts.es_percolator import SavedSearchPercolator
from alerts.models import Delivery, Follow, SavedSearch
from alerts.percolate import COMPILED_FIELDS, Hit, compile_saved_search, percolate_database, stored_filters
from catalog.models import Category, Product
from catalog.policies import can_see_product
from changes.models import Change
from changes.registry import RetryLater
from changes.services import change_record
from config.exceptions import ApplicationError
from notifications.digest import notification_emails_stop
from notifications.messages import localized
from notifications.models import EmailMode
from notifications.services import News, Notice, notify_each
from search.backends import SearchUnavailable
from search.backends.base import FILTERS
from search.documents import SearchDocument, documents_for
from search.forms import SearchForm
from search.params import KIND_LABELS
from search.registry import provinces

logger = logging.getLogger(__name__)

# The outbox consumer that evaluates new and changed items, and the one that keeps the percolator index.
CONSUMER = "alerts"
PERCOLATOR_CONSUMER = "alerts-percolator"
# The outbox consumer that compiles again the saved searches whose category (or one of its ancestors) moved.
CATEGORY_CONSUMER = "alerts-categories"
SAVED_SEARCH_ENTITY = "saved_search"
# Enough for anyone's standing interest; a cap keeps one account from making evaluation slow for everyone.
MAX_SAVED_SEARCHES = 100
MAX_FOLLOWS = 500
GROUP_PREFIX = "alerts:"
_EMAIL_MODES = {Delivery.IN_APP: EmailMode.NEVER, Delivery.IMMEDIATE: EmailMode.NOW, Delivery.DAILY: EmailMode.DIGEST}
_UNSUBSCRIBE_SALT = "alerts.unsubscribe"


# --- Saved searches ---------------------------------------------------------------------------------------------


def _clean_params(params: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(kind, text, filters) from search parameters, validated by the search page's own form; every error at once."""
    raw = {k: v for k, v in params.items() if k not in ("page", "page_size")}
    form = SearchForm(data=raw)
    errors: dict[str, list[str]] = {}
    if not form.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    data = form.cleaned_data
    kind = data.get("kind") or "products"
    for name in sorted({n for names in FILTERS.values() for n in names} - set(FILTERS[kind])):
        if raw.get(name) not in (None, ""):
            errors.setdefault(name, []).append(
                _("This filter does not apply to %(kind)s.") % {"kind": KIND_LABELS[kind]}
            )
    filters: dict[str, Any] = {
        name: data[name]
        for name in SearchForm.base_fields
        if name not in ("q", "kind", "page", "page_size") and data.get(name) not in (None, "")
    }
    unknown = sorted(set(raw) - set(SearchForm.base_fields))
    for name in unknown:
        errors.setdefault(name, []).append(_("This is not a search parameter."))
    if filters.get("category") is not None and not Category.objects.filter(pk=int(filters["category"])).exists():
        errors.setdefault("category", []).append(_("There is no such category."))
    if filters.get("province") and filters["province"] not in {code for code, _zh, _en in provinces()}:
        errors.setdefault("province", []).append(_("There is no such province."))
    if (
        filters.get("manufacturer") is not None
        and not Organization.objects.filter(pk=filters["manufacturer"], kind=Organization.Kind.MANUFACTURER).exists()
    ):
        errors.setdefault("manufacturer", []).append(_("There is no such manufacturer."))
    if kind == "products":
        if filters.get("is_domestic") is False:
            errors.setdefault("is_domestic", []).append(_("Alerts are sent for domestic products only."))
        # Researchers hear of new domestic products: imported ones are what the platform helps replace.
        filters["is_domestic"] = True
    if errors:
        name, messages = next(iter(errors.items()))
        raise ApplicationError(messages[0], field=None if name == "__all__" else name, extra={"fields": errors})
    return kind, (data.get("q") or "").strip(), stored_filters(filters)


def _check_delivery(delivery: str) -> None:
    if delivery not in Delivery.values:
        raise ApplicationError(_("Choose how to hear of new items."), field="delivery")


def _default_name(kind: str, text: str) -> str:
    label = _("Products") if kind == "products" else _("Demands")
    return f"{label}: {text}" if text else str(label)


def _record_saved_search(saved: SavedSearch) -> None:
    # The percolator index follows the saved searches through the outbox: after commit, and from the sweep.
    change_record(entity=SAVED_SEARCH_ENTITY, ids=[saved.pk])


@transaction.atomic
def saved_search_create(
    *, user: User, params: Mapping[str, Any], name: str = "", delivery: str = Delivery.IN_APP
) -> SavedSearch:
    """Save a search (``params``: the search page's parameters, ``kind`` and ``q`` included) for ``user``."""
    if not policies.can_save_searches(user):
        raise PermissionDenied(_("Log in to save searches."))
    _check_delivery(delivery)
    kind, text, filters = _clean_params(params)
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise ApplicationError(
            _("You have %(n)s saved searches already; delete one first.") % {"n": MAX_SAVED_SEARCHES}
        )
    saved = SavedSearch(
        user=user,
        name=(name or "").strip()[:200] or _default_name(kind, text)[:200],
        kind=kind,
        text=text,
        filters=filters,
        delivery=delivery,
    )
    compile_saved_search(saved)
    saved.save()
    _record_saved_search(saved)
    return saved


@transaction.atomic
def saved_search_update(
    *,
    saved_search: SavedSearch,
    user: User,
    name: str | None = None,
    delivery: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> SavedSearch:
    if not policies.can_manage_saved_search(user, saved_search):
        raise PermissionDenied(_("This is not your saved search."))
    if delivery is not None:
        _check_delivery(delivery)
        saved_search.delivery = delivery
    if name is not None:
        if not name.strip():
            raise ApplicationError(_("Give the saved search a name."), field="name")
        saved_search.name = name.strip()[:200]
    if params is not None:
        saved_search.kind, saved_search.text, saved_search.filters = _clean_params(params)
        compile_saved_search(saved_search)
    saved_search.save()
    _record_saved_search(saved_search)
    return saved_search


@transaction.atomic
def saved_search_delete(*, saved_search: SavedSearch, user: User) -> None:
    if not policies.can_manage_saved_search(user, saved_search):
        raise PermissionDenied(_("This is not your saved search."))
    pk = saved_search.pk
    saved_search.delete()
    change_record(entity=SAVED_SEARCH_ENTITY, ids=[pk])


def saved_search_params(saved: SavedSearch) -> dict[str, Any]:
    """The search page's query parameters of a saved search."""
    params: dict[str, Any] = {"kind": saved.kind}
    if saved.text:
        params["q"] = saved.text
    for name, value in (saved.filters or {}).items():
        params[name] = ("true" if value else "false") if isinstance(value, bool) else value
    return params


def saved_search_url(saved: SavedSearch) -> str:
    return f"{reverse('search:search')}?{urlencode(saved_search_params(saved))}"


# --- Follows ----------------------------------------------------------------------------------------------------


@transaction.atomic
def follow_create(
    *,
    user: User,
    category: Category | None = None,
    organization: Organization | None = None,
    product: Product | None = None,
    delivery: str = Delivery.IN_APP,
) -> Follow:
    """Follow one category, organization or product (following it again changes nothing but the delivery)."""
    if not policies.can_save_searches(user):
        raise PermissionDenied(_("Log in to follow."))
    _check_delivery(delivery)
    targets = [
        (name, obj)
        for name, obj in (("category", category), ("organization", organization), ("product", product))
        if obj
    ]
    if len(targets) != 1:
        raise ApplicationError(_("Follow one category, organization or product."), field="target")
    target, obj = targets[0]
    if isinstance(obj, Product) and not can_see_product(user, obj):
        raise ApplicationError(_("There is no such product."), field="product")
    existing = Follow.objects.filter(user=user, **{target: obj}).first()
    if existing is not None:
        existing.delivery = delivery
        existing.save(update_fields=["delivery"])
        return existing
    if Follow.objects.filter(user=user).count() >= MAX_FOLLOWS:
        raise ApplicationError(_("You follow %(n)s things already; stop following one first.") % {"n": MAX_FOLLOWS})
    return Follow.objects.create(user=user, target=target, delivery=delivery, **{target: obj})


def follow_update(*, follow: Follow, user: User, delivery: str) -> Follow:
    if not policies.can_manage_follow(user, follow):
        raise PermissionDenied(_("This is not your follow."))
    _check_delivery(delivery)
    follow.delivery = delivery
    follow.save(update_fields=["delivery"])
    return follow


def follow_delete(*, follow: Follow, user: User) -> None:
    if not policies.can_manage_follow(user, follow):
        raise PermissionDenied(_("This is not your follow."))
    follow.delete()


# --- Unsubscribing ----------------------------------------------------------------------------------------------


def unsubscribe_token(user: User) -> str:
    return TimestampSigner(salt=_UNSUBSCRIBE_SALT).sign(str(user.pk))


def unsubscribe_url(user: User) -> str:
    return reverse("alerts:unsubscribe", args=[unsubscribe_token(user)])


def unsubscribe_user(token: str) -> User | None:
    """The person a signed unsubscribe token names, or None for a forged or broken one."""
    try:
        user_id = TimestampSigner(salt=_UNSUBSCRIBE_SALT).unsign(token)
    except BadSignature:
        return None
    return User.objects.filter(pk=int(user_id), is_active=True).first() if user_id.isdigit() else None


@transaction.atomic
def alerts_unsubscribe(*, user: User) -> int:
    """Stop every alert email of the person: saved searches and follows keep telling them in the app only, and
    news still waiting for a digest is not emailed. Returns the saved searches and follows changed."""
    emailed = [Delivery.IMMEDIATE, Delivery.DAILY]
    changed = SavedSearch.objects.filter(user=user, delivery__in=emailed).update(delivery=Delivery.IN_APP)
    changed += Follow.objects.filter(user=user, delivery__in=emailed).update(delivery=Delivery.IN_APP)
    notification_emails_stop(user=user, group_prefix=GROUP_PREFIX)
    return changed


# --- Evaluating new and changed items (the outbox consumer) ----------------------------------------------------


def percolate(kind: str, documents: Sequence[SearchDocument]) -> list[Hit]:
    """The saved searches each document meets: Elasticsearch's percolator when it is the backend (the database
    answers the same when the cluster cannot be reached)."""
    if settings.SEARCH_BACKEND == "elasticsearch" and settings.ELASTICSEARCH_URL:
        try:
            return SavedSearchPercolator().percolate(kind, documents)
        except SearchUnavailable:
            logger.warning("alerts: Elasticsearch percolation failed; evaluating in the database", exc_info=True)
    return percolate_database(kind, documents)


def _ancestor_paths(path: str) -> list[str]:
    parts = path.split("/") if path else []
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _item_params(doc: SearchDocument) -> dict[str, Any]:
    return {"title": localized(doc.title_zh, doc.title_en)}


def _item_url(kind: str, object_id: int) -> str:
    if kind == "products":
        return reverse("catalog:product-detail", args=[object_id])
    return reverse("procurement:demand-detail", args=[object_id])


class _Batch:
    """The notices of one batch, built in a few queries."""

    def __init__(self) -> None:
        self.notices: list[Notice] = []
        self._unsubscribe: dict[int, str] = {}

    def unsubscribe(self, user: User) -> str:
        if user.pk not in self._unsubscribe:
            self._unsubscribe[user.pk] = unsubscribe_url(user)
        return self._unsubscribe[user.pk]

    def add(
        self, *, user: User, delivery: str, kind: str, params: dict[str, Any], url: str, group: str, items: list[News]
    ) -> None:
        if not items:
            return
        emailed = _EMAIL_MODES[Delivery(delivery)]
        self.notices.append(
            Notice(
                users=[user],
                kind=kind,
                params=params,
                url=url,
                group=group,
                items=items,
                email=emailed,
                unsubscribe_url="" if emailed == EmailMode.NEVER else self.unsubscribe(user),
            )
        )


def _saved_search_notices(batch: _Batch, kind: str, documents: list[SearchDocument]) -> None:
    by_id = {doc.id: doc for doc in documents}
    hits: dict[int, list[int]] = defaultdict(list)
    for hit in percolate(kind, documents):
        hits[hit.saved_search_id].append(hit.object_id)
    if not hits:
        return
    for saved in SavedSearch.objects.filter(pk__in=list(hits)).select_related("user").order_by("id"):
        group = f"{GROUP_PREFIX}search:{saved.pk}"
        items = [
            News(key=f"{group}:{kind}:{object_id}", params=_item_params(by_id[object_id]))
            for object_id in sorted(set(hits[saved.pk]))
        ]
        batch.add(
            user=saved.user,
            delivery=saved.delivery,
            kind=notices.SAVED_SEARCH,
            params={"name": saved.name},
            url=saved_search_url(saved),
            group=group,
            items=items,
        )


def _follow_name(follow: Follow) -> dict[str, str]:
    followed = follow.followed
    return localized(followed.name_zh, followed.name_en)


def _follow_notices(batch: _Batch, kind: str, documents: list[SearchDocument]) -> None:
    """Category follows hear of open demands in the subtree; organization follows of their new items."""
    if not documents:
        return
    paths = {p for doc in documents for p in _ancestor_paths(doc.category_path)}
    organizations = {doc.organization_id for doc in documents if doc.organization_id is not None}
    follows = Follow.objects.none()
    if kind == "demands" and paths:
        follows = Follow.objects.filter(target=Follow.Target.CATEGORY, category__path__in=paths)
    if organizations:
        follows = follows | Follow.objects.filter(target=Follow.Target.ORGANIZATION, organization_id__in=organizations)
    for follow in follows.select_related("user", "category", "organization").order_by("id"):
        if follow.category is not None:
            path = follow.category.path
            met = [d for d in documents if d.category_path == path or d.category_path.startswith(f"{path}/")]
        else:
            met = [d for d in documents if d.organization_id == follow.organization_id]
        group = f"{GROUP_PREFIX}follow:{follow.pk}"
        batch.add(
            user=follow.user,
            delivery=follow.delivery,
            kind=notices.FOLLOW,
            params={"followed": _follow_name(follow)},
            url=_follow_url(follow),
            group=group,
            items=[News(key=f"{group}:{kind}:{d.id}", params=_item_params(d)) for d in met],
        )


def _follow_url(follow: Follow) -> str:
    search_url = reverse("search:search")
    if follow.category_id is not None:
        return f"{search_url}?{urlencode({'kind': 'demands', 'category': str(follow.category_id)})}"
    if follow.product_id is not None:
        return _item_url("products", follow.product_id)
    if follow.organization is not None and follow.organization.kind == Organization.Kind.MANUFACTURER:
        return f"{search_url}?{urlencode({'kind': 'products', 'manufacturer': str(follow.organization_id)})}"
    return reverse("procurement:demand-list")


def _product_follow_notices(batch: _Batch, changes: Sequence[Change]) -> None:
    """Followers of a product hear of each of its changes while it is public (published, or just withdrawn)."""
    by_product: dict[int, list[int]] = defaultdict(list)
    for change in changes:
        by_product[change.object_id].append(change.pk)
    follows = (
        Follow.objects.filter(target=Follow.Target.PRODUCT, product_id__in=list(by_product))
        .filter(product__status__in=[Product.Status.PUBLISHED, Product.Status.WITHDRAWN])
        .select_related("user", "product")
        .order_by("id")
    )
    for follow in follows:
        group = f"{GROUP_PREFIX}follow:{follow.pk}"
        product = follow.product
        if product is None:
            continue
        status = Product.Status(product.status).label
        batch.add(
            user=follow.user,
            delivery=follow.delivery,
            kind=notices.FOLLOWED_PRODUCT,
            params={"product": localized(product.name_zh, product.name_en)},
            url=_follow_url(follow),
            group=group,
            items=[
                News(key=f"{group}:change:{change_id}", params={"status": str(status)})
                for change_id in sorted(by_product[product.pk])
            ],
        )


def alerts_consume(changes: Sequence[Change]) -> None:
    """The outbox consumer: tell owners of saved searches and follows of the batch's new or changed items."""
    by_kind: dict[str, list[int]] = {"products": [], "demands": []}
    product_changes = []
    for change in changes:
        if change.entity == "product":
            by_kind["products"].append(change.object_id)
            product_changes.append(change)
        elif change.entity == "demand":
            by_kind["demands"].append(change.object_id)
    batch = _Batch()
    for kind, ids in by_kind.items():
        if not ids:
            continue
        # Only published products and open demands have documents: others are news to nobody.
        documents = documents_for(kind, sorted(set(ids)))
        _saved_search_notices(batch, kind, documents)
        _follow_notices(batch, kind, documents)
    _product_follow_notices(batch, product_changes)
    if batch.notices:
        notify_each(batch.notices)


def saved_searches_recompile(changes: Sequence[Change]) -> None:
    """The outbox consumer for moved categories. A saved search filtered by a category keeps that category's path
    compiled (it is how a document is found in the subtree), so after a move of the category or of an ancestor
    its saved searches are compiled again from the paths as they are now; a change carries the path before."""
    moved = {change.category_path for change in changes if change.category_path}
    if not moved:
        return
    stale = Q()
    for path in moved:
        stale |= Q(category_path=path) | Q(category_path__startswith=f"{path}/")
    saved = list(SavedSearch.objects.filter(stale).order_by("pk"))
    if not saved:
        return
    wanted = {str(s.filters.get("category")) for s in saved if s.filters.get("category") not in (None, "")}
    ids = [int(pk) for pk in wanted if pk.isdigit()]
    paths = {str(pk): path for pk, path in Category.objects.filter(pk__in=ids).values_list("pk", "path")}
    for saved_search in saved:
        compile_saved_search(saved_search, category_paths=paths)
    SavedSearch.objects.bulk_update(saved, COMPILED_FIELDS, batch_size=500)
    # The percolator index (Elasticsearch) follows through its own consumer.
    change_record(entity=SAVED_SEARCH_ENTITY, ids=[s.pk for s in saved])


def alerts_percolator_sync(changes: Sequence[Change]) -> None:
    """The outbox consumer keeping the Elasticsearch percolator index in line with the saved searches."""
    if not (settings.SEARCH_BACKEND == "elasticsearch" and settings.ELASTICSEARCH_URL):
        return
    ids = sorted({c.object_id for c in changes})
    present = list(SavedSearch.objects.filter(pk__in=ids))
    gone = sorted(set(ids) - {s.pk for s in present})
    try:
        SavedSearchPercolator().index(present, removed=[(kind, i) for i in gone for kind in ("products", "demands")])
    except SearchUnavailable as exc:
        raise RetryLater(str(exc)) from exc
