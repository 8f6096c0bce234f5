"""Import justification: the evidence a buyer files before fiscal funds buy an imported product, and its review."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import Product
from catalog.selectors import category_is_within
from config.exceptions import ApplicationError
from notifications.services import notify
from procurement import notices, policies
from procurement.models import Demand, ImportJustification

MIN_REASON_LENGTH = 20
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


@transaction.atomic
def import_justification_submit(
    *,
    demand: Demand,
    user: User,
    imported_product: Product,
    reason: str,
    domestic_products_considered: Sequence[Product] = (),
    document: UploadedFile | None = None,
) -> ImportJustification:
    """File (or refile, until approved) why no domestic product will do for an open demand."""
    if not policies.can_justify_import(user, demand):
        raise PermissionDenied(_("Only members of the demand's institution may justify an import."))
    if demand.status != Demand.Status.OPEN:
        raise ApplicationError(_("An import is justified while the demand is open."), field="demand")
    if imported_product.is_domestic or imported_product.status != Product.Status.PUBLISHED:
        raise ApplicationError(_("Choose a published imported product."), field="imported_product")
    if not category_is_within(imported_product.category, demand.category):
        raise ApplicationError(_("The product is not in the demand's category."), field="imported_product")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ApplicationError(
            _("Explain in at least %(count)d characters why no domestic product will do.")
            % {"count": MIN_REASON_LENGTH},
            field="reason",
        )
    for product in domestic_products_considered:
        if not product.is_domestic or not category_is_within(product.category, demand.category):
            raise ApplicationError(
                _("“%(product)s” is not a domestic product of the demand's category.") % {"product": product},
                field="domestic_products_considered",
            )
    if document is not None:
        if not document.name or not document.name.lower().endswith(".pdf"):
            raise ApplicationError(_("The evidence document must be a PDF file."), field="document")
        if (document.size or 0) > MAX_DOCUMENT_BYTES:
            raise ApplicationError(_("The evidence document is larger than 10 MB."), field="document")
        head = document.read(5)
        document.seek(0)
        if head != b"%PDF-":
            raise ApplicationError(_("The evidence document must be a PDF file."), field="document")
    justification = ImportJustification.objects.select_for_update().filter(demand=demand).first()
    if justification is not None and justification.status == ImportJustification.Status.APPROVED:
        raise ApplicationError(_("The import justification is already approved."), field="status")
    if justification is None:
        justification = ImportJustification(demand=demand, submitted_by=user)
    justification.imported_product = imported_product
    justification.reason = reason
    justification.submitted_by = user
    justification.status = ImportJustification.Status.SUBMITTED
    justification.reviewed_by = None
    justification.reviewed_at = None
    if document is not None:
        justification.document = document
    justification.save()
    justification.domestic_products_considered.set(domestic_products_considered)
    return justification


@transaction.atomic
def import_justification_review(
    *, justification: ImportJustification, user: User, approve: bool
) -> ImportJustification:
    """A platform administrator approves or rejects a submitted justification; the submitter is told."""
    if not policies.can_review_import_justifications(user):
        raise PermissionDenied(_("Only platform administrators review import justifications."))
    justification = (
        ImportJustification.objects.select_for_update()
        .select_related("demand", "submitted_by")
        .get(pk=justification.pk)
    )
    if justification.status != ImportJustification.Status.SUBMITTED:
        raise ApplicationError(_("Only a submitted justification can be reviewed."), field="status")
    justification.status = ImportJustification.Status.APPROVED if approve else ImportJustification.Status.REJECTED
    justification.reviewed_by = user
    justification.reviewed_at = timezone.now()
    justification.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    notify(
        users=[justification.submitted_by],
        kind=notices.IMPORT_JUSTIFICATION_APPROVED if approve else notices.IMPORT_JUSTIFICATION_REJECTED,
        params={"title": justification.demand.title},
        url=reverse("procurement:demand-detail", args=[justification.demand_id]) + "#import-justification",
        key=f"import-justification:{justification.pk}:{justification.status}:{justification.reviewed_at:%s}",
    )
    return justification


def import_justification_allows(*, demand: Demand, product: Product) -> bool:
    """Whether an approved justification of this demand names this imported product."""
    return ImportJustification.objects.filter(
        demand=demand, imported_product=product, status=ImportJustification.Status.APPROVED
    ).exists()
