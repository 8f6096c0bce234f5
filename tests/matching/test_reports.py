"""Match reports: generation, frozen content, publication, permanence, corrections, downloads and the feed."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from catalog.models import Product
from config.exceptions import ApplicationError
from matching import reports, services, tasks
from matching.models import MatchReport, MatchReportEntry
from tests.factories import DemandFactory, RequirementFactory, SpecificationFactory

pytestmark = pytest.mark.django_db


def period():
    today = timezone.localdate()
    return today - timedelta(days=30), today


@pytest.fixture
def matched(scene):
    # a second demand that no domestic product can meet: 500 MPa when the best reaches 100
    hard = DemandFactory(category=scene.root, title="Ultra-high pressure LC")
    RequirementFactory(demand=hard, parameter=scene.pressure, operator=">=", value=500.0)
    services.match_run_full_inline()
    scene.hard = hard
    return scene


def test_generated_report_freezes_matches_statistics_and_the_gap_map(matched):
    start, end = period()
    report = reports.report_generate(period_start=start, period_end=end)
    content = report.snapshot
    assert report.status == MatchReport.Status.DRAFT
    assert content["totals"]["demands"] == 2
    assert content["totals"]["matched"] == 1
    by_id = {row["id"]: row for row in content["demands"]}
    assert [m["product"] for m in by_id[matched.demand.pk]["matches"]] == [matched.strong.pk, matched.middling.pk]
    assert by_id[matched.hard.pk]["matches"] == []
    assert content["by_category"] == [
        {
            "code": matched.root.code,
            "name_zh": matched.root.name_zh,
            "name_en": matched.root.name_en,
            "demands": 2,
            "matched": 1,
        }
    ]
    assert content["by_province"][0]["demands"] == 2
    # the gap map: one demand in the category wants a pressure no domestic product reaches, short by 400 MPa
    [gap] = content["gap_map"]
    assert gap["parameter"]["key"] == "max_pressure"
    assert gap["unmet_demands"] == 1
    assert gap["median_gap"] == pytest.approx(400.0)
    assert gap["max_gap"] == pytest.approx(400.0)
    assert gap["unit"] == "MPa"
    assert MatchReportEntry.objects.filter(report=report).count() == 2
    # later matching changes do not touch the report
    Product.objects.filter(pk=matched.strong.pk).update(status=Product.Status.WITHDRAWN)
    services.match_run_full_inline()
    report.refresh_from_db()
    assert report.snapshot == content


def test_published_report_is_permanent(matched, staff_user):
    start, end = period()
    report = reports.report_generate(period_start=start, period_end=end)
    reports.report_publish(report_id=report.pk, user=staff_user)
    report.refresh_from_db()
    assert report.is_published and report.published_at is not None
    # no service, model save, queryset update or delete can change it
    with pytest.raises(ApplicationError):
        reports.report_update(report_id=report.pk, note="edited", user=None)
    with pytest.raises(ApplicationError):
        reports.report_publish(report_id=report.pk, user=staff_user)
    report.note = "sneaky"
    with pytest.raises(ApplicationError):
        report.save()
    with pytest.raises(ApplicationError):
        MatchReport.objects.filter(pk=report.pk).update(note="sneaky")
    with pytest.raises(ApplicationError):
        MatchReport.objects.filter(pk=report.pk).delete()
    with pytest.raises(ApplicationError):
        reports.report_delete_draft(report_id=report.pk, user=None)
    assert MatchReport.objects.get(pk=report.pk).note == ""


def test_a_correction_supersedes_a_published_report(matched, staff_user):
    start, end = period()
    original = reports.report_generate(period_start=start, period_end=end)
    with pytest.raises(ApplicationError, match="published"):
        reports.report_generate(period_start=start, period_end=end, supersedes_id=original.pk)
    reports.report_publish(report_id=original.pk, user=staff_user)
    correction = reports.report_generate(period_start=start, period_end=end, supersedes_id=original.pk)
    reports.report_publish(report_id=correction.pk, user=staff_user)
    assert correction.supersedes_id == original.pk
    assert list(original.superseded_by.all()) == [correction]
    assert correction.snapshot["supersedes"] == original.pk


def test_bad_periods_are_refused(db):
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as excinfo:
        reports.report_generate(period_start=today, period_end=today - timedelta(days=1))
    assert excinfo.value.field == "period_start"
    with pytest.raises(ApplicationError) as excinfo:
        reports.report_generate(period_start=today, period_end=today + timedelta(days=1))
    assert excinfo.value.field == "period_end"


def test_weekly_draft_task_drafts_last_week_once(matched):
    first = tasks.draft_weekly_report()
    second = tasks.draft_weekly_report()
    report = MatchReport.objects.get(pk=first)
    assert first == second
    assert report.status == MatchReport.Status.DRAFT
    assert report.period_start.weekday() == 0
    assert (report.period_end - report.period_start).days == 6
    assert report.period_end < timezone.localdate()


def test_demand_opened_before_the_period_and_still_open_is_covered(scene):
    start, end = period()
    scene.demand.opened_at = timezone.now() - timedelta(days=90)
    scene.demand.save()
    snapshot, _entries = reports.report_snapshot(period_start=start, period_end=end)
    assert [row["id"] for row in snapshot["demands"]] == [scene.demand.pk]


# --- pages, downloads, feed ------------------------------------------------------------------------------


@pytest.fixture
def published(matched, staff_user):
    start, end = period()
    report = reports.report_generate(period_start=start, period_end=end)
    return reports.report_publish(report_id=report.pk, user=staff_user)


def test_report_pages_downloads_and_feed_are_public(client, published, matched):
    detail = client.get(reverse("matching:report-detail", args=[published.pk]))
    assert detail.status_code == 200
    assert b"chart.umd.min.js" in detail.content
    assert b"report-charts" in detail.content
    listing = client.get(reverse("matching:report-list"))
    assert published.snapshot["title"]["en"].encode() in listing.content

    response = client.get(reverse("matching:report-csv", args=[published.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    blank = rows.index([])
    matches, gap_map = rows[:blank], rows[blank + 1 :]
    assert matches[0][0] == "Demand ID"
    assert [r[6] for r in matches[1:] if r[0] == str(matched.demand.pk)] == [
        str(matched.strong.pk),
        str(matched.middling.pk),
    ]
    assert any(r[0] == str(matched.hard.pk) and r[5] == "" for r in matches[1:])
    # the gap map follows as a second table: the unmet 500 MPa demand, short by 400 MPa
    assert gap_map[0] == ["Gap map"]
    assert gap_map[1][:3] == ["Category code", "Category", "Parameter key"]
    assert gap_map[2][2:8] == ["max_pressure", matched.pressure.name_en, "MPa", "1", "400.0", "400.0"]

    body = json.loads(client.get(reverse("matching:report-json", args=[published.pk])).content)
    assert body["status"] == "published"
    assert body["content"]["totals"]["matched"] == 1

    feed = client.get(reverse("matching:report-feed"))
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert reverse("matching:report-detail", args=[published.pk]).encode() in feed.content


def test_drafts_are_hidden_from_the_public_and_the_feed(client, matched):
    start, end = period()
    draft = reports.report_generate(period_start=start, period_end=end)
    assert client.get(reverse("matching:report-detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("matching:report-csv", args=[draft.pk])).status_code == 404
    assert (
        reverse("matching:report-detail", args=[draft.pk]).encode()
        not in client.get(reverse("matching:report-feed")).content
    )


def test_report_csv_quotes_text_a_spreadsheet_would_run_as_a_formula(client, matched, staff_user):
    # given a demand title, product name and model number that a spreadsheet would evaluate
    matched.demand.title = '=HYPERLINK("http://evil.example")'
    matched.demand.save(update_fields=["title"])
    Product.objects.filter(pk=matched.strong.pk).update(name_en="@SUM(A1)", name_zh="+cmd", model_number="-2+3")
    start, end = period()
    report = reports.report_generate(period_start=start, period_end=end)
    reports.report_publish(report_id=report.pk, user=staff_user)
    # when the report is downloaded as CSV
    response = client.get(reverse("matching:report-csv", args=[report.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # then each of them starts with a quote, so it is shown as text
    strong = next(r for r in rows[1:] if r[6] == str(matched.strong.pk))
    assert strong[1] == '\'=HYPERLINK("http://evil.example")'
    assert strong[7] == "'@SUM(A1)"  # the English name, in an English download
    assert strong[8] == "'-2+3"
    assert response.content.startswith("\ufeff".encode())


def test_report_page_in_chinese(client, published):
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("matching:report-detail", args=[published.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert published.snapshot["title"]["zh-hans"].encode() in response.content


def test_staff_generate_review_and_publish_from_the_pages(client, staff_user, matched):
    client.force_login(staff_user)
    start, end = period()
    response = client.post(
        reverse("matching:report-generate"), {"period_start": start.isoformat(), "period_end": end.isoformat()}
    )
    report = MatchReport.objects.get()
    assert response.status_code == 302
    client.post(reverse("matching:report-note", args=[report.pk]), {"note": "Checked."})
    client.post(reverse("matching:report-publish", args=[report.pk]), {"confirmed": "yes"})
    report.refresh_from_db()
    assert report.is_published and report.note == "Checked."
    # a correction is drafted from the published one
    client.post(reverse("matching:report-supersede", args=[report.pk]))
    assert MatchReport.objects.filter(supersedes=report).count() == 1


def test_a_note_with_a_nul_byte_is_refused_not_a_500(client, staff_user, published):
    # given a published report, when a correction is asked for with a NUL in its note
    client.force_login(staff_user)
    response = client.post(reverse("matching:report-supersede", args=[published.pk]), {"note": "a\x00b"})
    # then nothing is drafted and the staff member is sent back to the report
    assert response.status_code == 302
    assert not MatchReport.objects.filter(supersedes=published).exists()
    start, end = period()
    with pytest.raises(ApplicationError) as excinfo:
        reports.report_generate(period_start=start, period_end=end, note="a\x00b")
    assert excinfo.value.field == "note"


def test_generate_form_shows_errors_for_a_bad_period(client, staff_user):
    client.force_login(staff_user)
    today = timezone.localdate()
    response = client.post(
        reverse("matching:report-generate"),
        {"period_start": today.isoformat(), "period_end": (today - timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 400
    assert b"The period must start before it ends." in response.content
    assert not MatchReport.objects.exists()


def test_only_staff_can_generate_or_publish(client, user, matched):
    start, end = period()
    draft = reports.report_generate(period_start=start, period_end=end)
    client.force_login(user)
    client.post(reverse("matching:report-generate"), {"period_start": start, "period_end": end})
    client.post(reverse("matching:report-publish", args=[draft.pk]))
    assert MatchReport.objects.count() == 1
    assert MatchReport.objects.get().status == MatchReport.Status.DRAFT


def test_report_entries_make_pairs_public_but_not_near_misses(matched, published):
    from django.contrib.auth.models import AnonymousUser

    from matching.selectors import match_list

    visible = set(match_list(user=AnonymousUser()).values_list("product_id", "is_near_miss"))
    assert visible == {(matched.strong.pk, False), (matched.middling.pk, False)}


def test_demo_seed_publishes_one_report_per_period(matched, staff_user):
    from matching import demo

    out = io.StringIO()
    demo.seed(password="x", stdout=out)
    demo.seed(password="x", stdout=out)
    assert MatchReport.objects.filter(status=MatchReport.Status.PUBLISHED).count() == 1
    assert "already published" in out.getvalue()


def test_spec_with_unknown_value_does_not_break_reports(scene):
    SpecificationFactory(parameter=scene.flow, product__category=scene.leaf, value=None)
    services.match_run_full_inline()
    start, end = period()
    assert reports.report_generate(period_start=start, period_end=end).demands_count == 1


def test_report_titles_follow_the_readers_language(client, published, settings):
    # given a published report (its stored title is Chinese)
    start, end = published.period_start.isoformat(), published.period_end.isoformat()
    assert published.title == f"匹配报告（{start} 至 {end}）"
    # when the public list is read in English, then in Chinese
    english = client.get(reverse("matching:report-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    settings.LANGUAGE_CODE = "zh-hans"
    chinese = client.get(reverse("matching:report-list")).content.decode()
    # then each shows the title in its language, and the column is "report", not the catalog's "import report"
    assert f"Match report {start} to {end}" in english and published.title not in english
    assert published.title in chinese
    assert "<th>报告</th>" in chinese and "导入报告" not in chinese


def test_a_correction_is_titled_as_one_and_a_hand_written_title_is_kept(published, staff_user):
    start, end = period()
    correction = reports.report_generate(period_start=start, period_end=end, supersedes_id=published.pk)
    with translation.override("en"):
        assert correction.display_title == f"Correction of the match report {start} to {end}"
    MatchReport.objects.filter(pk=correction.pk).update(title="2026 年第四季度匹配报告")
    correction.refresh_from_db()
    with translation.override("en"):
        assert correction.display_title == "2026 年第四季度匹配报告"
