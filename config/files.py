"""Uploaded files: stored under names nobody can guess, and served only through a view that checks who asks.

Nothing serves `MEDIA_ROOT` as a folder. `/media/<name>` is answered by `media_serve`, which asks the app that
owns the name's first folder (`products/`, `evaluations/`, `justifications/`) whether the requesting person may see
that file; an app registers its resolver in `AppConfig.ready` with `media_resolver_register`. A file that does not
exist and one the person may not see are the same 404, so names cannot be probed.

The view streams the file itself, or, with `MEDIA_ACCEL_REDIRECT_PREFIX` set, answers with an `X-Accel-Redirect`
header and lets the fronting nginx send the bytes from an `internal` location (see platform/nginx.conf).
"""

from __future__ import annotations

import mimetypes
import posixpath
import secrets
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.deconstruct import deconstructible
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_safe

MediaResolver = Callable[[HttpRequest, str], FieldFile | None]

_RESOLVERS: dict[str, MediaResolver] = {}

# Browsers show these in the page; anything else is downloaded.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/webp"}


@deconstructible
class UnguessableUploadTo:
    """`upload_to` giving `<folder>/<random token>/<original name>`: the token (144 bits) makes the name secret."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance: Any, filename: str) -> str:
        original = PurePosixPath(filename.replace("\\", "/")).name
        stem, suffix = posixpath.splitext(get_valid_filename(original) or "file")
        return f"{self.folder}/{secrets.token_urlsafe(18)}/{stem[:40]}{suffix[:10].lower()}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnguessableUploadTo) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


def media_resolver_register(folder: str, resolver: MediaResolver) -> None:
    """`resolver(request, name)` gives the stored file named `name` if the request's person may see it, else None."""
    _RESOLVERS[folder] = resolver


def _clean_name(name: str) -> str | None:
    normalized = posixpath.normpath(name)
    if normalized != name or normalized.startswith(("/", "..")) or "\x00" in name:
        return None
    return normalized


def file_response(field_file: FieldFile, *, download_name: str | None = None) -> HttpResponseBase:
    """The response that delivers a stored file: through nginx when configured, else streamed by Django."""
    name = field_file.name or ""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    filename = download_name or posixpath.basename(name)
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    prefix = settings.MEDIA_ACCEL_REDIRECT_PREFIX
    response: HttpResponseBase
    if prefix:
        if not field_file.storage.exists(name):
            raise Http404
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
    else:
        try:
            handle = field_file.storage.open(name, "rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    # Who may see a file can change (a product withdrawn, a member removed): shared caches must not keep it.
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
def media_serve(request: HttpRequest, name: str) -> HttpResponseBase:
    cleaned = _clean_name(name)
    resolver = _RESOLVERS.get(cleaned.split("/", 1)[0]) if cleaned else None
    field_file = resolver(request, cleaned) if resolver and cleaned else None
    if not field_file:
        raise Http404
    return file_response(field_file)
