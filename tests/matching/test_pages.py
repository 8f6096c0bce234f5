"""Match pages as their readers meet them: every full match reachable, the report form's dates in any language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def fragment(client, demand, **params):
    return client.get(reverse("matching:demand-matches", args=[demand.pk]), params, HTTP_HX_REQUEST="true")


def test_more_full_matches_than_kept_offer_a_link_to_all_of_them(client, scene, settings):
    # given the engine keeps only the best match, though two domestic products meet the demand
    settings.MATCHING_TOP_N = 1
    services.match_run_demand(demand_id=scene.demand.pk)
    client.force_login(scene.institution_member)
    # when the buyer reads the matches
    html = fragment(client, scene.demand).content.decode()
    # then the count says two, one card is shown and a link offers the rest
    assert "2 full matches among" in html
    assert "The best one is shown." in html
    assert html.count('class="card mb-2 match"') == 1
    assert "Show all 2 full matches" in html
    assert f'href="{reverse("matching:demand-matches", args=[scene.demand.pk])}?all=1"' in html
    # when they follow it
    html = fragment(client, scene.demand, all="1").content.decode()
    # then the second match is listed with its rank, and the link is gone
    assert '<ol class="more-matches small" start="2">' in html
    assert f'data-product="{scene.middling.pk}"' in html
    assert "Show all" not in html


def test_all_kept_matches_shown_need_no_link(client, scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    client.force_login(scene.institution_member)
    html = fragment(client, scene.demand).content.decode()
    assert "Show all" not in html
    assert "more-matches" not in fragment(client, scene.demand, all="1").content.decode()


def test_the_public_is_not_offered_unpublished_matches(client, scene, settings):
    settings.MATCHING_TOP_N = 1
    services.match_run_demand(demand_id=scene.demand.pk)
    html = fragment(client, scene.demand, all="1").content.decode()
    assert "more-matches" not in html
    assert f'data-product="{scene.middling.pk}"' not in html


def test_report_form_in_chinese_keeps_its_default_period(client, settings, staff_user):
    # given an administrator reading Chinese, whose locale writes dates as 2027/03/01
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(staff_user)
    client.cookies["django_language"] = "zh-hans"
    # when the report list with its generate form is shown
    html = client.get(reverse("matching:report-list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # then the date pickers hold the default period as ISO dates
    today = timezone.localdate()
    assert f'name="period_start" value="{(today - timedelta(days=7)).isoformat()}"' in html
    assert f'name="period_end" value="{today.isoformat()}"' in html


def test_each_match_notification_link_lands_on_its_section_of_the_page(
    client, scene, django_capture_on_commit_callbacks
):
    # given a run that tells the buyer of a new match and the maker of a demand their product meets
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_full_inline()
    notifications = list(Notification.objects.filter(kind__in=["new_match", "new_demand"]).select_related("user"))
    assert {n.kind for n in notifications} == {"new_match", "new_demand"}
    for notification in notifications:
        # when the person told follows the link
        path, _hash, anchor = notification.url.partition("#")
        client.force_login(notification.user)
        response = client.get(path)
        # then the page opens on an element of that id: the link does not drop them at the top of the page
        assert response.status_code == 200, notification.url
        assert anchor and f'id="{anchor}"' in response.content.decode(), notification.url
