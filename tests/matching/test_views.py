"""Pages: the demand and product match fragments, notifications, the runs page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from matching import pools, services
from matching.models import MatchRun
from notifications.models import Notification
from procurement.models import Demand
from tests.factories import InstitutionFactory, ManufacturerFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


def fragment(client, demand):
    return client.get(reverse("matching:demand-matches", args=[demand.pk]), HTTP_HX_REQUEST="true")


def test_demand_fragment_explains_matches_and_near_misses_to_the_institution(client, scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    client.force_login(scene.institution_member)
    response = fragment(client, scene.demand)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # an htmx fragment, not a page
    # ranked matches with requirement margins in the buyer's unit and the component that weighed most
    assert html.index(scene.strong.name_en) < html.index(scene.middling.name_en)
    assert "margin 600 bar" in html
    assert "Weighed most:" in html
    # the near miss with its gap in bar
    assert "short by 100 bar" in html
    # the imported product appears only as the reference being replaced
    assert "Imported products this demand would otherwise buy" in html
    assert scene.imported.name_en in html
    assert f'data-product="{scene.imported.pk}"' not in html


def test_demand_fragment_renders_as_a_page_without_htmx(client, scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    client.force_login(scene.institution_member)
    response = client.get(reverse("matching:demand-matches", args=[scene.demand.pk]))
    assert b"<html" in response.content


def test_demand_fragment_shows_others_only_what_they_may_see(client, scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    # the maker sees its own product's match, not the others' nor the near misses of other makers
    client.force_login(scene.maker_member)
    html = fragment(client, scene.demand).content.decode()
    assert f'data-product="{scene.strong.pk}"' in html
    assert f'data-product="{scene.middling.pk}"' not in html
    assert f'data-product="{scene.weak.pk}"' not in html
    # an outsider sees no unpublished match
    client.force_login(member_of(InstitutionFactory()))
    html = fragment(client, scene.demand).content.decode()
    assert 'class="card mb-2 match"' not in html


def test_draft_demand_fragment_is_hidden_from_outsiders(client, scene):
    Demand.objects.filter(pk=scene.demand.pk).update(status=Demand.Status.DRAFT)
    assert fragment(client, scene.demand).status_code == 404
    client.force_login(scene.institution_member)
    assert fragment(client, scene.demand).status_code == 200


def test_demand_fragment_queries_are_bounded(client, scene, django_assert_max_num_queries):
    services.match_run_demand(demand_id=scene.demand.pk)
    # every product's pool row kept ready, as the change outbox keeps them (the imported references too)
    pools.pool_products_refresh_all()
    client.force_login(scene.institution_member)
    with django_assert_max_num_queries(20):
        fragment(client, scene.demand)


def test_product_fragment_is_for_the_manufacturer(client, scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    url = reverse("matching:product-matches", args=[scene.strong.pk])
    client.force_login(scene.maker_member)
    response = client.get(url)
    assert response.status_code == 200
    assert f'data-demand="{scene.demand.pk}"' in response.content.decode()
    client.force_login(member_of(ManufacturerFactory()))
    assert client.get(url).status_code == 403
    client.force_login(scene.institution_member)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 403


def test_product_fragment_lists_near_missed_demands_with_gaps(client, scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    maker = member_of(scene.weak.manufacturer)
    client.force_login(maker)
    html = client.get(reverse("matching:product-matches", args=[scene.weak.pk])).content.decode()
    assert "This product matches no open demand at the moment." in html
    assert "short by 100 bar" in html


def test_notifications_page_lists_and_marks_read(client, scene, django_capture_on_commit_callbacks):
    services.match_run_full_inline()
    client.force_login(scene.institution_member)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert scene.strong.model_number in response.content.decode()
    note = Notification.objects.get(user=scene.institution_member)
    assert not note.is_read
    client.post(reverse("notifications:list"), {"notification": note.pk})
    note.refresh_from_db()
    assert note.is_read


def test_marking_a_notification_that_is_not_an_id_redirects_back(client, scene):
    # "²" passes str.isdigit() but int() cannot read it
    services.match_run_full_inline()
    client.force_login(scene.institution_member)
    response = client.post(reverse("notifications:list"), {"notification": "\u00b2"})
    assert response.status_code == 302


def test_mark_all_read_touches_only_my_notifications(client, scene):
    services.match_run_full_inline()
    client.force_login(scene.institution_member)
    client.post(reverse("notifications:list"))
    assert not Notification.objects.filter(user=scene.institution_member, is_read=False).exists()
    assert Notification.objects.filter(user=scene.maker_member, is_read=False).exists()


def test_notifications_need_login(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302


def test_notification_titles_follow_the_users_language(scene):
    scene.institution_member.preferred_language = "zh-hans"
    scene.institution_member.save()
    services.match_run_full_inline()
    note = Notification.objects.get(user=scene.institution_member)
    assert "国产" in note.title


def test_runs_page_is_staff_only_and_starts_a_full_run(client, scene, django_capture_on_commit_callbacks):
    client.force_login(UserFactory())
    assert client.get(reverse("matching:run-list")).status_code == 302
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("matching:run-list")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("matching:run-list"))
    assert MatchRun.objects.get(kind=MatchRun.Kind.FULL).status == MatchRun.Status.SUCCEEDED


def test_org_admin_role_does_not_change_visibility(client, scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    colleague = member_of(scene.demand.institution, role=Membership.Role.MEMBER)
    client.force_login(colleague)
    assert f'data-product="{scene.weak.pk}"' in fragment(client, scene.demand).content.decode()


def test_an_outsider_reads_counts_of_what_they_may_see_not_a_contradiction(client, scene):
    # given: a demand with full matches, none of them published in a report
    services.match_run_demand(demand_id=scene.demand.pk)
    from matching.models import DemandMatchSummary

    total = DemandMatchSummary.objects.get(demand=scene.demand).matches_count
    assert total > 1
    # when: someone outside the institution and the makers reads the matches
    client.force_login(member_of(InstitutionFactory()))
    html = fragment(client, scene.demand).content.decode()
    # then: no claim that nothing meets the demand, and the count says how many of all are shown
    assert "No domestic product meets every mandatory requirement" not in html
    assert "none of their matches is published in a match report yet" in html
    assert f"0 of {total} full matches shown to you" in html
    # and the institution still reads the plain count
    client.force_login(scene.institution_member)
    own = fragment(client, scene.demand).content.decode()
    assert "full matches among" in own and "shown to you" not in own
