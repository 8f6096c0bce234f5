"""notify(): one row per person and news, grouping, the reader's language, emails by a task after commit."""

from __future__ import annotations

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from notifications.email import EMAIL_MAX_ATTEMPTS, notification_email_send
from notifications.messages import localized
from notifications.models import Notification, NotificationEvent
from notifications.selectors import notification_text
from notifications.services import News, notify
from notifications.tasks import send_email, sweep_email
from tests.factories import UserFactory
from tests.notifications.conftest import FINDINGS, GREETING

pytestmark = pytest.mark.django_db


class FailingEmailBackend(BaseEmailBackend):
    """An SMTP server that refuses service: the mail side lies outside the project."""

    def send_messages(self, messages):
        raise smtplib.SMTPConnectError(421, "service not available")


FAILING = "tests.notifications.test_services.FailingEmailBackend"


def test_notify_tells_each_person_once_per_key(django_capture_on_commit_callbacks):
    alice, bob = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(users=[alice, bob], kind=GREETING, params={"name": "X"}, url="/x/", key="hello:1")
        again = notify(users=[alice, bob], kind=GREETING, params={"name": "X"}, url="/x/", key="hello:1")
    assert len(first) == 2 and again == []
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_inactive_people_are_not_told():
    gone = UserFactory(is_active=False)
    assert notify(users=[gone], kind=GREETING, params={"name": "X"}, key="hello:2") == []


def test_a_message_renders_in_the_readers_language_at_read_time():
    # given: a person who reads Chinese, told of a product with a Chinese and an English name
    reader = UserFactory(preferred_language="zh-hans")
    (note,) = notify(users=[reader], kind=GREETING, params={"name": localized("液相色谱仪", "HPLC")}, key="k")
    # then: it was stored in their language, and renders in whichever language reads it
    assert note.title == "Hello 液相色谱仪"
    assert notification_text(note, language="en") == ("Hello HPLC", "Your demand has expired")
    title, _body = notification_text(note, language="zh-hans")
    assert title == "Hello 液相色谱仪"


def test_a_person_without_a_language_reads_the_platform_default(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    reader = UserFactory(preferred_language="")
    (note,) = notify(users=[reader], kind=GREETING, params={"name": localized("天平", "Balance")}, key="k")
    assert note.title == "Hello 天平"


def test_related_news_is_grouped_into_one_notification():
    reader = UserFactory(email_notifications=False)
    items = [News(key=f"finding:{i}", params={"what": f"Finding {i}"}) for i in range(5)]
    # when five pieces of news of one group arrive
    notify(users=[reader], kind=FINDINGS, params={"topic": "demand X"}, group="topic:X", items=items)
    # then the person has one notification that counts five
    note = Notification.objects.get(user=reader)
    assert note.count == 5
    title, body = notification_text(note, language="en")
    assert title == "5 findings for demand X"
    assert body.splitlines() == [f"Finding {i}" for i in range(5)]
    # when two more arrive (one of them already heard) while it is unread, they join it
    notify(
        users=[reader],
        kind=FINDINGS,
        params={"topic": "demand X"},
        group="topic:X",
        items=[News(key="finding:4", params={"what": "Finding 4"}), News(key="finding:5", params={"what": "F5"})],
    )
    note.refresh_from_db()
    assert Notification.objects.filter(user=reader).count() == 1
    assert note.count == 6
    assert notification_text(note, language="en")[0] == "6 findings for demand X"
    # when the person has read it, later news starts a new notification
    Notification.objects.filter(pk=note.pk).update(is_read=True)
    notify(
        users=[reader],
        kind=FINDINGS,
        params={"topic": "demand X"},
        group="topic:X",
        items=[News(key="finding:6", params={"what": "F6"})],
    )
    assert Notification.objects.filter(user=reader).count() == 2
    assert NotificationEvent.objects.filter(user=reader).count() == 7


def test_an_email_is_queued_on_commit_and_marks_the_row_once_sent(django_capture_on_commit_callbacks):
    reader = UserFactory(preferred_language="en")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (note,) = notify(users=[reader], kind=GREETING, params={"name": "Y"}, url="/y/#anchor", key="k")
    # nothing is sent before commit
    assert mail.outbox == [] and note.emailed_at is None
    for callback in callbacks:
        callback()
    note.refresh_from_db()
    assert note.emailed_at is not None and note.email_attempts == 1
    assert mail.outbox[0].subject == "Hello Y"
    assert "/y/#anchor" in mail.outbox[0].body


def test_an_email_failure_leaves_emailed_at_empty_counts_it_and_is_retried(django_capture_on_commit_callbacks):
    reader = UserFactory()
    # given: the mail server is unreachable when the notification is sent
    with override_settings(EMAIL_BACKEND=FAILING), django_capture_on_commit_callbacks(execute=True):
        (note,) = notify(users=[reader], kind=GREETING, params={"name": "Z"}, key="k")
    # then: the write stands, nothing is marked emailed, and the failure is on the row
    note.refresh_from_db()
    assert note.emailed_at is None
    assert note.email_attempts == 1
    assert "SMTPConnectError" in note.email_error
    assert mail.outbox == []
    # when: the periodic sweep runs after the mail server is back
    Notification.objects.filter(pk=note.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert sweep_email.apply().get() == 1
    # then: it is sent once and marked
    note.refresh_from_db()
    assert note.emailed_at is not None and note.email_error == ""
    assert len(mail.outbox) == 1
    assert sweep_email.apply().get() == 0


def test_the_email_task_retries_transient_failures_with_backoff(monkeypatch):
    from celery.exceptions import Retry

    reader = UserFactory()
    (note,) = notify(users=[reader], kind=GREETING, params={"name": "Z"}, key="k")
    (sent,) = notify(users=[UserFactory()], kind=GREETING, params={"name": "W"}, key="k")
    Notification.objects.filter(pk=sent.pk).update(emailed_at=timezone.now())
    calls = []

    def retry(**kwargs):
        calls.append(kwargs)
        return Retry()

    monkeypatch.setattr(send_email, "retry", retry)
    send_email.push_request(retries=3, is_eager=False)  # type: ignore[call-arg]
    try:
        with override_settings(EMAIL_BACKEND=FAILING), pytest.raises(Retry):
            send_email.run([note.pk, sent.pk])
    finally:
        send_email.pop_request()
    # only the row that failed is retried, after 8 minutes (the fourth attempt)
    assert calls[0]["countdown"] == 480
    assert calls[0]["args"] == [[note.pk]]
    note.refresh_from_db()
    assert note.emailed_at is None and note.email_attempts == 1


def test_a_row_stops_being_emailed_after_too_many_failures():
    reader = UserFactory()
    (note,) = notify(users=[reader], kind=GREETING, params={"name": "Z"}, key="k")
    Notification.objects.filter(pk=note.pk).update(email_attempts=EMAIL_MAX_ATTEMPTS)
    assert notification_email_send(notification_id=note.pk) is False
    assert mail.outbox == []


def test_people_who_turned_email_off_get_no_email(django_capture_on_commit_callbacks):
    reader = UserFactory(email_notifications=False)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(users=[reader], kind=GREETING, params={"name": "Q"}, key="k")
    assert mail.outbox == []
    assert Notification.objects.get(user=reader).emailed_at is None
