"""The platform's URLs plus pages that fail on purpose, for the error-page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as platform_urlpatterns


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [*platform_urlpatterns, path("crash/", crash)]
