from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("profile/", views.profile, name="profile"),
    path("organizations/new/", views.organization_create, name="organization-create"),
    path("organizations/join/", views.organization_join, name="organization-join"),
    path("organizations/options/", views.organization_options, name="organization-options"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization-edit"),
    path("organizations/<int:pk>/members/add/", views.member_add, name="member-add"),
    path("memberships/<int:pk>/role/", views.member_role, name="member-role"),
    path("memberships/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("join-requests/<int:pk>/decide/", views.join_request_decide, name="join-request-decide"),
    path("verification-queue/", views.verification_queue, name="verification-queue"),
    path("verification-queue/<int:pk>/verify/", views.organization_verify, name="organization-verify"),
]
