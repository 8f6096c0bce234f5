"""Platform staff verify a newly registered organization, run matching, draft a match report, annotate it and
publish it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from matching.models import MatchReport, MatchRun
from tests.browser.helpers import confirm, log_in_as
from tests.factories import ManufacturerFactory, member_of

WORDS = {
    "zh-hans": {"report": "匹配报告", "published": "已发布"},
    "en": {"report": "Match report", "published": "Published"},
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_administrator_verifies_runs_matching_and_publishes_a_report(open_tab, language):
    words = WORDS[language]
    # given a manufacturer that registered and waits for verification
    newcomer = ManufacturerFactory(
        name_zh=f"新注册仪器有限公司{language}", name_en=f"Newly Registered Instruments {language}", is_verified=False
    )
    member_of(newcomer, role="admin")
    staff = User.objects.get(email="admin@demo.local")
    tab = open_tab(language)
    log_in_as(tab, staff)

    # The verification queue lists it; verifying takes it off the queue.
    tab.go("/accounts/verification-queue/")
    row = tab.page.locator(f"#org-{newcomer.pk}")
    assert newcomer.name_zh in row.inner_text()
    tab.submit(row.locator("button[type=submit]"))
    confirm(tab)
    newcomer.refresh_from_db()
    assert newcomer.is_verified and newcomer.verified_by == staff
    assert not tab.page.locator(f"#org-{newcomer.pk}").count()

    # A full matching run, started from the runs page.
    runs = MatchRun.objects.count()
    tab.go("/matching/runs/")
    tab.submit(tab.page.locator("main form button[type=submit]").first)
    confirm(tab)
    run = MatchRun.objects.latest("pk")
    assert MatchRun.objects.count() == runs + 1 and run.kind == MatchRun.Kind.FULL

    # A draft report over the last month, annotated, then published.
    tab.go("/matching/reports/")
    generate = tab.page.locator("form[action$='/reports/generate/']")
    today = timezone.localdate()
    generate.locator("[name=period_start]").fill((today - datetime.timedelta(days=30)).isoformat())
    generate.locator("[name=period_end]").fill(today.isoformat())
    tab.submit(generate.locator("button[type=submit]"))
    report = MatchReport.objects.latest("pk")
    assert report.status == MatchReport.Status.DRAFT
    assert tab.path == f"/matching/reports/{report.pk}/"
    assert words["report"] in tab.page.locator("h1").inner_text()
    note = tab.page.locator("form[action$='/note/']")
    note.locator("[name=note]").fill("本期新增国产液相色谱仪匹配。")
    tab.submit(note.locator("button[type=submit]"))
    tab.submit(tab.page.locator("form[action$='/publish/'] button[type=submit]"))
    confirm(tab)
    report.refresh_from_db()
    assert report.status == MatchReport.Status.PUBLISHED and report.note == "本期新增国产液相色谱仪匹配。"
    tab.go("/matching/reports/")
    assert words["published"] in tab.page.locator("main table").inner_text()
