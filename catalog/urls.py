from django.urls import path

from config.placeholders import placeholder

app_name = "catalog"

urlpatterns = [
    path("product-list/", placeholder, name="product-list"),
]
