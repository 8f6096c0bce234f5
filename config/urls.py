from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import views
from config.files import media_serve

urlpatterns = [
    path("", include("matching.public_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.liveness, name="liveness"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The language switch needs no CSRF token: a forged one only changes the language a visitor reads, and a
    # page without a token can be kept for every anonymous visitor (config/response_cache.py).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("catalog/", include("catalog.urls")),
    path("demands/", include("procurement.urls")),
    path("search/", include("search.urls")),
    path("matching/", include("matching.urls")),
    path("notifications/", include("notifications.urls")),
    path("webhooks/", include("feed.urls")),
    path("alerts/", include("alerts.urls")),
    path("plans/", include("plans.urls")),
    path("history/", include("audit.urls")),
    path("api/v1/", include("config.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the Content-Security-Policy needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # Uploaded files, each after a check of who may see it (never the folder as it is).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media_serve, name="media"),
]

# A database outage is a 503 (JSON under /api/), not a 500; other server errors keep the usual page.
handler500 = "config.middleware.server_error"
# Under /api/ every error is JSON in the API's one shape, including URLs no route takes.
handler400 = "config.middleware.bad_request"
handler403 = "config.middleware.permission_denied"
handler404 = "config.middleware.page_not_found"
