from django.urls import path

from config.placeholders import placeholder

app_name = "accounts"

urlpatterns = [
    path("login/", placeholder, name="login"),
    path("logout/", placeholder, name="logout"),
    path("signup/", placeholder, name="signup"),
    path("profile/", placeholder, name="profile"),
    path("verification-queue/", placeholder, name="verification-queue"),
]
