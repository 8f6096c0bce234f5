from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import views

router = DefaultRouter(trailing_slash=True)
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register(
    r"organizations/(?P<organization_pk>[0-9]+)/members",
    views.OrganizationMemberViewSet,
    basename="organization-member",
)
router.register(
    r"organizations/(?P<organization_pk>[0-9]+)/join-requests",
    views.OrganizationJoinRequestViewSet,
    basename="organization-join-request",
)

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="auth-token"),
    path("auth/signup/", views.SignupView.as_view(), name="auth-signup"),
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
