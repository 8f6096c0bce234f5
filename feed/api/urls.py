from django.urls import path
from rest_framework.routers import DefaultRouter

from feed.api.views import FeedView, WebhookViewSet

router = DefaultRouter(trailing_slash=True)
router.register("webhooks", WebhookViewSet, basename="webhook")

urlpatterns = [
    path("feed/", FeedView.as_view(), name="feed"),
    *router.urls,
]
