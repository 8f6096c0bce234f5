"""Reading the feed: pages after an opaque cursor, in the order entries were committed."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.policies import AnyUser
from config.exceptions import ApplicationError
from feed.events import ENTRY_COLUMNS, EntryRow
from feed.models import FeedEntry, WebhookDelivery, WebhookEndpoint
from feed.policies import webhook_visibility_q

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_CURSOR_PREFIX = "f1:"


def cursor_encode(after: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{after}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> int:
    """The id a cursor continues after; a cursor this platform did not give is a 400 on ``cursor``."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        after = int(text.removeprefix(_CURSOR_PREFIX))
        if after < 0:
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApplicationError(_("This is not a cursor the feed gave."), field="cursor") from None
    return after


@dataclass(frozen=True)
class FeedPage:
    entries: list[EntryRow]
    # Where the next page starts: after the last entry given, or where the reader was when nothing was new.
    next_cursor: str
    has_more: bool


def feed_page(*, cursor: str = "", limit: int = DEFAULT_LIMIT) -> FeedPage:
    """Entries after ``cursor``, oldest first. Every entry below the last one given has committed (see
    ``feed.entries``), so the next page, asked for any time later, starts exactly where this one ended."""
    after = cursor_decode(cursor)
    # Tuples of the columns an event needs: a page of 1,000 model instances cost as much as the query itself.
    rows = [
        EntryRow(*row)
        for row in FeedEntry.objects.filter(id__gt=after).order_by("id").values_list(*ENTRY_COLUMNS)[: limit + 1]
    ]
    entries = rows[:limit]
    last = entries[-1].id if entries else after
    return FeedPage(entries=entries, next_cursor=cursor_encode(last), has_more=len(rows) > limit)


# --- Webhooks ---------------------------------------------------------------------------------------------------


def webhook_list(*, user: AnyUser, organization: Organization | int | None = None) -> QuerySet[WebhookEndpoint]:
    """Endpoints of the organizations the user administers (optionally one of them)."""
    qs = WebhookEndpoint.objects.filter(webhook_visibility_q(user)).select_related("organization")
    if organization is not None:
        qs = qs.filter(organization_id=organization.pk if isinstance(organization, Organization) else organization)
    return qs.order_by("organization_id", "id")


def webhook_get(*, user: AnyUser, pk: int) -> WebhookEndpoint:
    """An endpoint the user manages, or 404: another organization's endpoints do not exist for them."""
    endpoint = webhook_list(user=user).filter(pk=pk).first()
    if endpoint is None:
        raise Http404
    return endpoint


def webhook_deliveries(*, user: AnyUser, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries, newest entry first, with their entries and attempt logs."""
    return (
        WebhookDelivery.objects.filter(webhook_visibility_q(user, prefix="endpoint__"), endpoint=endpoint)
        .select_related("entry")
        .prefetch_related("attempt_log")
        .order_by("-entry_id")
    )


def webhook_organizations(*, user: AnyUser) -> QuerySet[Organization]:
    """The organizations whose webhooks the user may manage."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user, memberships__role=Membership.Role.ADMIN).order_by(
        "name_zh"
    )
