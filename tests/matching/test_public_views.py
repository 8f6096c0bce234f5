"""The home page, the statistics page and the gap-map downloads."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import Province
from matching import home, reports, services
from matching.models import Match
from notifications.models import Notification
from procurement.models import Demand
from tests.factories import (
    CategoryFactory,
    DemandFactory,
    ImportedProductFactory,
    ParameterFactory,
    ProductFactory,
    RequirementFactory,
    SpecificationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def gaps(scene):
    """The scene plus a demand in Shanghai that wants 500 MPa, which no domestic product reaches (best: 100)."""
    hard = DemandFactory(
        category=scene.root, title="Ultra-high pressure LC", delivery_province=Province.objects.get(code="310000")
    )
    RequirementFactory(demand=hard, parameter=scene.pressure, operator=">=", value=500.0)
    services.match_run_full_inline()
    scene.hard = hard
    return scene


def first_sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]


def publish_report(staff_user, *, days_ago=0, supersedes=None):
    end = timezone.localdate() - timedelta(days=days_ago)
    report = reports.report_generate(
        period_start=end - timedelta(days=6), period_end=end, supersedes_id=supersedes.pk if supersedes else None
    )
    return reports.report_publish(report_id=report.pk, user=staff_user)


# --- Navigation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/catalog/", "/demands/", "/matching/reports/", "/stats/"])
def test_every_page_has_the_search_box_and_the_statistics_link(client, url):
    html = client.get(url).content.decode()
    assert f'action="{reverse("search:search")}" method="get" role="search"' in html
    assert 'name="q" id="nav-q"' in html
    assert f'href="{reverse("stats")}"' in html


def test_the_navigation_search_box_keeps_the_words_on_the_search_page(client):
    html = client.get(reverse("search:search"), {"q": "HPLC", "kind": "demands"}).content.decode()
    assert 'id="nav-q" class="form-control form-control-sm" placeholder="Search products and demands"' in html
    assert 'value="HPLC">' in html
    assert '<input type="hidden" name="kind" value="demands">' in html


# --- Home page ----------------------------------------------------------------------------------------------


def test_home_shows_coverage_latest_listings_top_gaps_and_the_latest_report(client, gaps, staff_user):
    report = publish_report(staff_user)
    html = client.get("/").content.decode()
    assert 'data-figure="demands-open">2<' in html
    assert 'data-figure="demands-matched">1 <small class="text-muted">(50%)' in html
    assert 'data-figure="products-domestic">3<' in html
    assert 'data-figure="products-imported">1<' in html
    # the latest open demands, newest first, and the newly listed domestic products (never the imported one)
    assert html.index("Ultra-high pressure LC") < html.index("HPLC for the lab")
    for product in (gaps.strong, gaps.weak, gaps.middling):
        assert reverse("catalog:product-detail", args=[product.pk]) in html
    assert reverse("catalog:product-detail", args=[gaps.imported.pk]) not in html
    # the top gap: the pressure no domestic product reaches, short by 400 MPa
    top = html[html.index('id="top-gaps"') :]
    assert gaps.pressure.name_en in top and "400 MPa" in top
    # the latest report, titled in the reader's language
    assert reverse("matching:report-detail", args=[report.pk]) in html
    assert report.snapshot["title"]["en"] in html
    assert "whats-new" not in html  # nothing personal for a visitor


def test_home_titles_the_latest_report_in_chinese_for_chinese_readers(client, gaps, staff_user):
    report = publish_report(staff_user)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert report.snapshot["title"]["zh-hans"] in html
    assert "最新征集中的需求" in html and "新上架的国产产品" in html


def test_home_page_of_a_visitor_takes_few_queries_and_none_but_the_lists_when_cached(
    client, gaps, staff_user, django_assert_max_num_queries
):
    publish_report(staff_user)
    for _ in range(10):
        ProductFactory(category=gaps.leaf)
        DemandFactory(category=gaps.root)
    with django_assert_max_num_queries(9):
        assert client.get("/").status_code == 200
    # the figures are cached: the newest demands and products are the only reads left
    with django_assert_max_num_queries(2):
        assert client.get("/").status_code == 200


def test_home_figures_are_recomputed_when_the_cache_is_off(client, gaps, settings):
    settings.HOME_CACHE_SECONDS = 0
    client.get("/")
    DemandFactory(category=gaps.root)
    assert 'data-figure="demands-open">3<' in client.get("/").content.decode()


def test_home_tells_a_signed_in_researcher_what_is_new_since_the_last_visit(client, gaps):
    researcher = gaps.institution_member
    Notification.objects.create(user=researcher, kind="legacy", title="3 domestic matches", url="/x/", dedupe_key="a")
    client.force_login(researcher)
    html = client.get("/").content.decode()
    news = html[html.index('id="whats-new"') :]
    unread = Notification.objects.filter(user=researcher, is_read=False).count()
    assert unread >= 2  # the match run told the researcher of its matches too
    assert f"{unread} unread notifications" in news
    assert '<a href="/x/">3 domestic matches</a>' in news
    # the matches of the demand (found in this session's first week) count as new
    count = Match.objects.filter(demand=gaps.demand, is_near_miss=False).count()
    assert f"{count} new domestic matches for your open demands" in news
    assert reverse("procurement:demand-for-manufacturer") not in news


def test_home_tells_a_maker_of_new_demands_in_their_categories(client, gaps):
    client.force_login(gaps.maker_member)
    html = client.get("/").content.decode()
    news = html[html.index('id="whats-new"') :]
    assert "2 new demands in the categories you make products for" in news


def test_home_for_a_signed_in_person_stays_within_its_query_budget(client, gaps, django_assert_max_num_queries):
    client.force_login(gaps.institution_member)
    client.get("/")
    # session, user, memberships, the two lists, and the person's news
    with django_assert_max_num_queries(10):
        assert client.get("/").status_code == 200


def test_visit_since_counts_from_the_previous_visit_not_from_the_last_reload():
    session: dict[str, str] = {}
    start = timezone.now()
    first = home.visit_since(session, now=start)
    assert first == start - home.FIRST_VISIT_WINDOW
    # reloading within the visit keeps the same starting point
    assert home.visit_since(session, now=start + timedelta(minutes=5)) == first
    assert home.visit_since(session, now=start + timedelta(minutes=20)) == first
    # after a break longer than the gap, news counts from the last time the page was seen
    later = start + timedelta(hours=3)
    assert home.visit_since(session, now=later) == start + timedelta(minutes=20)
    assert home.visit_since(session, now=later + timedelta(minutes=1)) == start + timedelta(minutes=20)


def test_nothing_new_is_said_plainly(client, db, user):
    client.force_login(user)
    assert "Nothing new since your last visit." in client.get("/").content.decode()


# --- Statistics page ----------------------------------------------------------------------------------------


def test_stats_page_is_public_with_coverage_over_time_gap_map_and_charts(client, gaps, staff_user):
    Demand.objects.update(opened_at=timezone.now() - timedelta(days=30))
    old = publish_report(staff_user, days_ago=14)
    original = publish_report(staff_user, days_ago=7)
    correction = publish_report(staff_user, days_ago=7, supersedes=original)
    reports.report_generate(period_start=timezone.localdate() - timedelta(days=3), period_end=timezone.localdate())
    response = client.get(reverse("stats"))
    assert response.status_code == 200
    # published reports, oldest first; a correction replaces what it corrects; drafts are not shown
    assert [p.report_id for p in response.context["coverage"]] == [old.pk, correction.pk]
    charts = response.context["charts"]
    assert charts["coverage"]["share"] == [50.0, 50.0]
    assert charts["coverage"]["demands"] == [2, 2]
    [gap] = response.context["gap_map"]
    assert (gap["parameter"]["key"], gap["unmet_demands"], gap["median_gap"]) == ("max_pressure", 1, 400.0)
    assert charts["gaps"]["unmet"] == [1]
    html = response.content.decode()
    assert "/static/vendor/chartjs/chart.umd.min.js" in html and 'id="stats-charts"' in html
    assert "cdn." not in html
    assert f"{reverse('stats-gap-map', args=['csv'])}" in html and f"{reverse('stats-gap-map', args=['xlsx'])}" in html


def test_stats_filters_by_province_and_category(client, gaps, staff_user):
    publish_report(staff_user)
    other = CategoryFactory(code="B01")
    in_beijing = client.get(reverse("stats"), {"province": "110000"})
    assert in_beijing.context["gap_map"] == []  # the unmet demand is delivered to Shanghai
    assert [(p.demands, p.matched) for p in in_beijing.context["coverage"]] == [(1, 1)]
    in_shanghai = client.get(reverse("stats"), {"province": "310000", "category": gaps.root.pk})
    assert len(in_shanghai.context["gap_map"]) == 1
    assert [(p.demands, p.matched) for p in in_shanghai.context["coverage"]] == [(1, 0)]
    # the download links keep the filters
    assert "gap-map.csv?province=310000&amp;category=" in in_shanghai.content.decode()
    elsewhere = client.get(reverse("stats"), {"category": other.pk})
    assert elsewhere.context["gap_map"] == []
    assert [(p.demands, p.matched) for p in elsewhere.context["coverage"]] == [(0, 0)]


def test_stats_subcategory_filter_includes_demands_of_the_subtree_only(client, gaps):
    leaf_demand = DemandFactory(category=gaps.leaf)
    RequirementFactory(demand=leaf_demand, parameter=gaps.flow, operator=">=", value=50.0)
    services.match_run_full_inline()
    response = client.get(reverse("stats"), {"category": gaps.leaf.pk})
    assert [g["parameter"]["key"] for g in response.context["gap_map"]] == ["flow_max"]


@pytest.mark.parametrize("params", [{"category": "nope"}, {"province": "999999"}, {"category": "\x00"}])
def test_stats_refuses_bad_filters_with_a_400(client, db, params):
    response = client.get(reverse("stats"), params)
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert client.get(reverse("stats-gap-map", args=["csv"]), params).status_code == 400


def test_stats_page_in_chinese(client, gaps, staff_user):
    publish_report(staff_user)
    html = client.get(reverse("stats"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "随时间的覆盖率" in html and "差距地图" in html
    assert gaps.pressure.name_zh in html


# --- Downloads ----------------------------------------------------------------------------------------------


def test_gap_map_csv_download(client, gaps):
    response = client.get(reverse("stats-gap-map", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="gap-map.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Category code",
        "Category",
        "Parameter key",
        "Parameter",
        "Unit",
        "Demands not met",
        "Median gap",
        "Largest gap",
    ]
    assert rows[1] == [
        gaps.root.code,
        gaps.root.name_en,
        "max_pressure",
        gaps.pressure.name_en,
        "MPa",
        "1",
        "400.0",
        "400.0",
    ]


def test_gap_map_xlsx_download_in_chinese_with_filters(client, gaps):
    response = client.get(
        reverse("stats-gap-map", args=["xlsx"]), {"province": "310000"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    sheet = first_sheet(response.content)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("类别代码", "类别")
    assert rows[1] == (gaps.root.code, gaps.root.name_zh, "max_pressure", gaps.pressure.name_zh, "MPa", 1, 400, 400)
    empty = client.get(reverse("stats-gap-map", args=["xlsx"]), {"province": "110000"})
    assert len(list(first_sheet(empty.content).iter_rows())) == 1


def test_gap_map_downloads_quote_text_a_spreadsheet_would_run(client, db):
    category = CategoryFactory(code="C01", name_en="=cmd|' /C calc'!A0")
    parameter = ParameterFactory(category=category, key="noise", name_en="@SUM(A1:A9)", unit="dB")
    product = ProductFactory(category=category)
    SpecificationFactory(product=product, parameter=parameter, value=10.0)
    demand = DemandFactory(category=category)
    RequirementFactory(demand=demand, parameter=parameter, operator=">=", value=30.0)
    ImportedProductFactory(category=category)
    services.match_run_full_inline()
    assert Demand.objects.get(pk=demand.pk).match_summary.matches_count == 0
    csv_rows = list(
        csv.reader(io.StringIO(client.get(reverse("stats-gap-map", args=["csv"])).content.decode("utf-8-sig")))
    )
    assert csv_rows[1][1] == "'=cmd|' /C calc'!A0" and csv_rows[1][3] == "'@SUM(A1:A9)"
    sheet = first_sheet(client.get(reverse("stats-gap-map", args=["xlsx"])).content)
    assert sheet["B2"].value == "'=cmd|' /C calc'!A0" and sheet["B2"].data_type == "s"
    assert sheet["D2"].value == "'@SUM(A1:A9)"


def test_unknown_download_format_is_a_404(client, db):
    assert client.get("/stats/gap-map.pdf").status_code == 404
