from django.urls import path
from rest_framework.routers import DefaultRouter

from matching.api.views import MatchReportViewSet, MatchRunViewSet, MatchViewSet, StatsView

router = DefaultRouter(trailing_slash=True)
router.register("match-runs", MatchRunViewSet, basename="match-run")
router.register("matches", MatchViewSet, basename="match")
router.register("reports", MatchReportViewSet, basename="report")

urlpatterns = [
    path("stats/", StatsView.as_view(), name="stats"),
    *router.urls,
]
