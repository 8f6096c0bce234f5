"""The notifications API and page: only your own, paged and filtered, marked read one by one or all at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify
from tests.factories import UserFactory
from tests.notifications.conftest import GREETING

pytestmark = pytest.mark.django_db


def tell(user, n: int = 1) -> list[Notification]:
    return [
        notify(users=[user], kind=GREETING, params={"name": f"N{i}"}, url=f"/x/{i}/#part", key=f"k:{user.pk}:{i}")[0]
        for i in range(n)
    ]


def test_list_is_paged_newest_first_and_filters_unread(api_client, user):
    notes = tell(user, 3)
    Notification.objects.filter(pk=notes[0].pk).update(is_read=True)
    api_client.force_authenticate(user)
    body = api_client.get("/api/v1/notifications/").json()
    assert body["count"] == 3
    assert [r["id"] for r in body["results"]] == [n.pk for n in reversed(notes)]
    first = body["results"][0]
    assert first["title"] == "Hello N2"
    assert first["html_url"] == "http://testserver/x/2/#part"
    assert first["count"] == 1 and first["is_read"] is False
    assert api_client.get("/api/v1/notifications/", {"unread": "true"}).json()["count"] == 2
    assert api_client.get("/api/v1/notifications/", {"unread": "false"}).json()["count"] == 1
    assert api_client.get("/api/v1/notifications/", {"unread": "maybe"}).status_code == 400


def test_list_renders_in_the_requests_language(api_client):
    reader = UserFactory(preferred_language="zh-hans")
    notify(users=[reader], kind="demand_expired", params={"title": "质谱仪", "deadline": "2026-01-01"}, key="e:1")
    api_client.force_authenticate(reader)
    english = api_client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    chinese = api_client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"][0]
    assert english["title"] == "Your demand “质谱仪” has expired"
    assert chinese["title"] == "您的需求“质谱仪”已过期"


def test_nobody_reads_or_marks_another_persons_notifications(api_client, user):
    (mine,) = tell(user)
    other = UserFactory()
    (theirs,) = tell(other)
    api_client.force_authenticate(user)
    assert [r["id"] for r in api_client.get("/api/v1/notifications/").json()["results"]] == [mine.pk]
    assert api_client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert api_client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.is_read is False
    # and the other person's unread count is untouched
    api_client.force_authenticate(other)
    assert api_client.get("/api/v1/me/").json()["unread_notifications"] == 1


def test_mark_one_read_and_the_unread_count_in_me(api_client, user):
    first, _second = tell(user, 2)
    api_client.force_authenticate(user)
    assert api_client.get("/api/v1/me/").json()["unread_notifications"] == 2
    response = api_client.post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert api_client.get("/api/v1/me/").json()["unread_notifications"] == 1
    assert api_client.post(f"/api/v1/notifications/{10**30}/read/").status_code == 404
    assert api_client.post("/api/v1/notifications/abc/read/").status_code == 404


def test_notifications_need_authentication(api_client):
    assert api_client.get("/api/v1/notifications/").status_code in (401, 403)
    assert api_client.post("/api/v1/notifications/read-all/").status_code in (401, 403)


def test_list_queries_stay_flat(api_client, user, django_assert_max_num_queries):
    tell(user, 15)
    api_client.force_authenticate(user)
    with django_assert_max_num_queries(6):
        assert api_client.get("/api/v1/notifications/").status_code == 200


def test_the_page_shows_an_unread_badge_and_marks_read(client, user):
    (note,) = tell(user)
    (theirs,) = tell(UserFactory())
    client.force_login(user)
    html = client.get(reverse("notifications:list")).content.decode()
    assert 'id="unread-notifications">1<' in html
    assert 'href="/x/0/#part"' in html
    # marking another person's notification by id changes nothing
    client.post(reverse("notifications:list"), {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert not theirs.is_read
    response = client.post(reverse("notifications:list"), {"notification": note.pk, "next": "/\\evil.example"})
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")
    note.refresh_from_db()
    assert note.is_read
    assert 'id="unread-notifications"' not in client.get(reverse("notifications:list")).content.decode()
