"""Temporary page used by URL names whose real views are still being built. Remove when none refer to it."""

from django.http import HttpRequest, HttpResponse


def placeholder(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse("Not built yet.", status=501)
