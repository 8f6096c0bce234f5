from django.urls import path

from config.placeholders import placeholder

app_name = "matching"

urlpatterns = [
    path("report-list/", placeholder, name="report-list"),
    path("notification-list/", placeholder, name="notification-list"),
    path("demands/<int:pk>/matches/", placeholder, name="demand-matches"),
    path("products/<int:pk>/matches/", placeholder, name="product-matches"),
]
