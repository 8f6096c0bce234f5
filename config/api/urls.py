"""`/api/v1/`: each app contributes its routes from `<app>/api/urls.py`."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("procurement.api.urls")),
    path("", include("search.api.urls")),
    path("", include("matching.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("feed.api.urls")),
    path("", include("alerts.api.urls")),
    path("", include("plans.api.urls")),
    path("", include("audit.api.urls")),
    path("", include("ocds.api.urls")),
]
