from django.urls import path

from matching import feeds, views

app_name = "matching"

urlpatterns = [
    path("reports/", views.report_list, name="report-list"),
    path("reports/generate/", views.report_generate, name="report-generate"),
    path("reports/feed/", feeds.PublishedReportsFeed(), name="report-feed"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/publish/", views.report_publish, name="report-publish"),
    path("reports/<int:pk>/note/", views.report_note, name="report-note"),
    path("reports/<int:pk>/supersede/", views.report_supersede, name="report-supersede"),
    path("reports/<int:pk>/delete/", views.report_delete, name="report-delete"),
    path("reports/<int:pk>/report.csv", views.report_csv, name="report-csv"),
    path("reports/<int:pk>/report.json", views.report_json, name="report-json"),
    path("runs/", views.run_list, name="run-list"),
    path("demands/<int:pk>/matches/", views.demand_matches, name="demand-matches"),
    path("products/<int:pk>/matches/", views.product_matches, name="product-matches"),
]
