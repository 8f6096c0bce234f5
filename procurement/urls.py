from django.urls import path

from config.placeholders import placeholder

app_name = "procurement"

urlpatterns = [
    path("demand-list/", placeholder, name="demand-list"),
]
