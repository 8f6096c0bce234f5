"""Product documents: the type is decided by the extension AND the file's first bytes, never by the browser."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from catalog import policies
from catalog.models import Product, ProductDocument
from catalog.services.products import product_changes_record
from config.exceptions import ApplicationError

IMAGE_MAX_BYTES: int = getattr(settings, "CATALOG_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
DOCUMENT_MAX_BYTES: int = getattr(settings, "CATALOG_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)


@dataclass(frozen=True)
class FileType:
    content_type: str
    is_image: bool


_TYPES = {
    ".pdf": FileType("application/pdf", False),
    ".png": FileType("image/png", True),
    ".jpg": FileType("image/jpeg", True),
    ".jpeg": FileType("image/jpeg", True),
    ".webp": FileType("image/webp", True),
}


def _magic_matches(extension: str, head: bytes) -> bool:
    if extension == ".pdf":
        return head.startswith(b"%PDF-")
    if extension == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    return False


def sniff_upload(upload: UploadedFile, *, images_only: bool = False) -> FileType:
    """Check an uploaded file's extension, leading bytes and size; raise ApplicationError(field="file")."""
    extension = os.path.splitext(upload.name or "")[1].lower()
    file_type = _TYPES.get(extension)
    if file_type is None or (images_only and not file_type.is_image):
        allowed = "PNG, JPEG, WebP" if images_only else "PDF, PNG, JPEG, WebP"
        raise ApplicationError(_("Unsupported file type; allowed: %(types)s.") % {"types": allowed}, field="file")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not _magic_matches(extension, head):
        raise ApplicationError(_("The file's content does not match its extension."), field="file")
    limit = IMAGE_MAX_BYTES if file_type.is_image else DOCUMENT_MAX_BYTES
    if (upload.size or 0) > limit:
        raise ApplicationError(
            _("The file is too large (limit %(mb)s MB).") % {"mb": limit // (1024 * 1024)}, field="file"
        )
    if not upload.size:
        raise ApplicationError(_("The file is empty."), field="file")
    return file_type


def _inferred_kind(file_type: FileType) -> str:
    # A picture is the product's image; a PDF is most often its brochure or data sheet. The person may say
    # otherwise (manual, test report, certificate), but never has to, so a PDF is no longer refused by default.
    return ProductDocument.Kind.IMAGE if file_type.is_image else ProductDocument.Kind.BROCHURE


def _require_member(user: User, product: Product, message: str) -> None:
    if not policies.can_manage_product(user, product):
        raise PermissionDenied(message)


@transaction.atomic
def product_document_add(
    *, product: Product, user: User, file: UploadedFile, kind: str = "", title: str = ""
) -> ProductDocument:
    """Attach a file to a product; with no ``kind`` the file says what it is (an image, or a PDF brochure)."""
    _require_member(user, product, _("Only members of the manufacturer can add documents."))
    if kind and kind not in ProductDocument.Kind.values:
        raise ApplicationError(_("Unknown document kind."), field="kind")
    file_type = sniff_upload(file, images_only=kind == ProductDocument.Kind.IMAGE)
    document = ProductDocument.objects.create(
        product=product,
        kind=kind or _inferred_kind(file_type),
        title=title.strip()[:200],
        file=file,
        content_type=file_type.content_type,
        size=file.size or 0,
        uploaded_by=user,
    )
    product_changes_record(products=[product], fields=["documents"])
    return document


@transaction.atomic
def product_document_replace(*, document: ProductDocument, user: User, file: UploadedFile) -> ProductDocument:
    """Put a new file in place of a document's (a newer brochure, a corrected certificate); kind and title stay.

    The old file is removed once the change is committed, so a failed replacement loses nothing.
    """
    _require_member(user, document.product, _("Only members of the manufacturer can replace documents."))
    document = ProductDocument.objects.select_for_update().select_related("product").get(pk=document.pk)
    file_type = sniff_upload(file, images_only=document.kind == ProductDocument.Kind.IMAGE)
    old_name = document.file.name
    storage = document.file.storage
    document.file = file
    document.content_type = file_type.content_type
    document.size = file.size or 0
    document.uploaded_by = user
    document.save(update_fields=["file", "content_type", "size", "uploaded_by"])
    if old_name and old_name != document.file.name:
        transaction.on_commit(lambda: storage.delete(old_name))
    product_changes_record(products=[document.product], fields=["documents"])
    return document


@transaction.atomic
def product_document_delete(*, document: ProductDocument, user: User) -> None:
    _require_member(user, document.product, _("Only members of the manufacturer can remove documents."))
    product = document.product
    name, storage = document.file.name, document.file.storage
    document.delete()
    if name:
        # After commit: a rolled-back delete must not have lost the file.
        transaction.on_commit(lambda: storage.delete(name))
    product_changes_record(products=[product], fields=["documents"])
