"""Telling people things: ``notify`` stores one notification per person (folding related news into one), and
queues its email after commit for those who want email.

Each piece of news has a ``key``; a person hears of a key once, however often ``notify`` is called with it
(a re-run, a redelivered task). A notification stores its kind and parameters, so it is rendered in the
reader's language when read or emailed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from config.queue import enqueue_on_commit
from notifications import tasks
from notifications.messages import MAX_ITEMS, reader_language, render
from notifications.models import EmailMode, Notification, NotificationEvent


@dataclass(frozen=True)
class News:
    """One piece of news inside a grouped notification: its key and its own parameters."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Notice:
    """What ``notify_each`` sends: one message to several people."""

    users: Sequence[Any]
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    url: str = ""
    # Ungrouped: the key of the news. Grouped: ``group`` names the group and ``items`` carry the keys.
    key: str = ""
    group: str = ""
    items: Sequence[News] = ()
    # EmailMode: emailed at once (to those who want email), in the daily digest, or never.
    email: str = EmailMode.NOW
    # The signed link the emails offer to stop such emails without logging in.
    unsubscribe_url: str = ""


def notify(
    *,
    users: Iterable[Any],
    kind: str,
    params: Mapping[str, Any] | None = None,
    url: str = "",
    key: str = "",
    group: str = "",
    items: Sequence[News] = (),
    email: str = EmailMode.NOW,
    unsubscribe_url: str = "",
) -> list[Notification]:
    """Tell ``users`` the message of ``kind`` with ``params``; returns the notifications created or extended.

    Without ``group`` it is one piece of news identified by ``key``. With ``group`` the ``items`` are folded into
    each person's unread, not yet emailed notification of that group ("5 new matches for your demand"), or a
    new one. Inactive people and news already heard are skipped. ``email`` says when it is emailed
    (``EmailMode``): at once, in the person's daily digest (``notifications.digest``), or never.
    """
    notice = Notice(
        users=list(users),
        kind=kind,
        params=params or {},
        url=url,
        key=key,
        group=group,
        items=items,
        email=email,
        unsubscribe_url=unsubscribe_url,
    )
    return notify_each([notice])


def _short(key: str) -> str:
    return key if len(key) <= 200 else f"{key[:150]}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def _render_for(user: Any, kind: str, params: Mapping[str, Any], count: int) -> tuple[str, str]:
    rendered = render(kind=kind, params=params, count=count, language=reader_language(user))
    if rendered is None:
        raise ValueError(f"notification kind {kind!r} is not registered or lacks a parameter")
    return rendered[0][:300], rendered[1]


@transaction.atomic
def notify_each(notices: Sequence[Notice]) -> list[Notification]:
    """``notify`` for many messages at once, in a few queries whatever their number (a match run's news)."""
    # (user id, key) -> (notice, user, news); the first mention of a piece of news wins.
    wanted: dict[tuple[int, str], tuple[Notice, Any, News]] = {}
    for notice in notices:
        if not notice.group and not notice.key:
            raise ValueError("an ungrouped notification needs a key")
        if notice.group and not notice.items:
            continue
        news = list(notice.items) if notice.group else [News(key=notice.key)]
        for user in notice.users:
            if not getattr(user, "is_active", True):
                continue
            for item in news:
                wanted.setdefault((user.pk, _short(item.key)), (notice, user, item))
    if not wanted:
        return []
    # Claim the news: a row per (person, key), marked with this call's token. A concurrent caller with the same
    # news waits on the unique index and then inserts nothing, so the rows with our token are the news to tell.
    claim = uuid.uuid4()
    NotificationEvent.objects.bulk_create(
        [NotificationEvent(user_id=user_id, key=key, claim=claim) for user_id, key in wanted],
        ignore_conflicts=True,
        batch_size=2000,
    )
    claimed = NotificationEvent.objects.filter(claim=claim).values_list("id", "user_id", "key")
    # (notice index, user id) -> [(event id, news)]
    fresh: dict[tuple[int, int], list[tuple[int, News]]] = {}
    users: dict[int, Any] = {}
    index = {id(notice): i for i, notice in enumerate(notices)}
    for event_id, user_id, key in claimed:
        if (user_id, key) not in wanted:
            continue
        notice, user, item = wanted[(user_id, key)]
        users[user_id] = user
        fresh.setdefault((index[id(notice)], user_id), []).append((event_id, item))
    if not fresh:
        return []
    groups = {(user_id, notices[i].group) for i, user_id in fresh if notices[i].group}
    open_rows: dict[tuple[int, str], Notification] = {}
    if groups:
        for row in (
            Notification.objects.select_for_update()
            .filter(
                user_id__in={u for u, _g in groups},
                group_key__in={g for _u, g in groups},
                is_read=False,
                emailed_at__isnull=True,
            )
            .order_by("id")
        ):
            open_rows[(row.user_id, row.group_key)] = row
    created: list[Notification] = []
    extended: list[Notification] = []
    now = timezone.now()
    for (i, user_id), events in fresh.items():
        notice, user = notices[i], users[user_id]
        if notice.group:
            items = [dict(item.params) for _event_id, item in events]
            folding = open_rows.get((user_id, notice.group))
            if folding is not None and folding.kind == notice.kind:
                params = {**notice.params, "items": [*(folding.params or {}).get("items", []), *items][:MAX_ITEMS]}
                folding.params, folding.count, folding.updated_at = params, folding.count + len(items), now
                folding.title, folding.body = _render_for(user, notice.kind, params, folding.count)
                if folding.pk is not None:  # else created by this call, and saved below with the new items
                    extended.append(folding)
                continue
            params = {**notice.params, "items": items[:MAX_ITEMS]}
            count, dedupe_key = len(items), _short(f"{notice.group}:{events[0][1].key}")
        else:
            params, count, dedupe_key = dict(notice.params), 1, _short(notice.key)
        title, body = _render_for(user, notice.kind, params, count)
        row = Notification(
            user=user,
            kind=notice.kind,
            params=params,
            title=title,
            body=body,
            url=notice.url,
            dedupe_key=dedupe_key,
            group_key=notice.group,
            count=count,
            email_mode=notice.email,
            unsubscribe_url=notice.unsubscribe_url,
        )
        if notice.group:
            open_rows[(user_id, notice.group)] = row
        created.append(row)
    Notification.objects.bulk_create(created, batch_size=1000)
    if extended:
        Notification.objects.bulk_update(extended, ["params", "count", "title", "body", "updated_at"], batch_size=500)
    to_email = [
        row.pk for row in created if row.email_mode == EmailMode.NOW and row.user.email_notifications and row.user.email
    ]
    if to_email:
        # One task for the whole call (a match run's news), each row emailed and marked on its own.
        enqueue_on_commit(tasks.send_email, to_email)
    return created + extended


def notification_mark_read(*, user: Any, notification_ids: Sequence[int] | None = None) -> int:
    """Mark the person's own notifications read: the given ones, or all of them. Returns how many changed."""
    qs = Notification.objects.filter(user=user, is_read=False)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(is_read=True)
