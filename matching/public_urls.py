"""The public overview pages at the top of the site (no namespace: every template links ``home``)."""

from django.urls import path, re_path

from matching import public_views

urlpatterns = [
    path("", public_views.home_page, name="home"),
    path("stats/", public_views.stats_page, name="stats"),
    re_path(r"^stats/gap-map\.(?P<fmt>csv|xlsx)$", public_views.stats_gaps_download, name="stats-gap-map"),
]
