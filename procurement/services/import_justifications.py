"""Import justification: the evidence a buyer files before fiscal funds buy an imported product, and its review."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from catalog.models import Product
from catalog.selectors import category_is_within
from config.exceptions import ApplicationError
from notifications.services import notify
from procurement import notices, policies
from procurement.dossier import dossier_build, panel_tally
from procurement.models import Demand, ExpertReview, ImportJustification

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
    """A platform administrator rejects a submitted justification (approval is the expert panel's); the submitter
    is told."""
    if not policies.can_review_import_justifications(user):
        raise PermissionDenied(_("Only platform administrators review import justifications."))
    justification = (
        ImportJustification.objects.select_for_update()
        .select_related("demand", "submitted_by")
        .get(pk=justification.pk)
    )
    if justification.status != ImportJustification.Status.SUBMITTED:
        raise ApplicationError(_("Only a submitted justification can be reviewed."), field="status")
    if approve:
        # The import rules want experts to decide: an administrator may send a filing back, never approve it.
        raise ApplicationError(
            _("A justification is approved by the majority of its expert panel; assign the panel."), field="status"
        )
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


# --- the dossier and the expert panel ---------------------------------------------------------------------------

MIN_PANEL = 5
MIN_OPINION_LENGTH = 20


@transaction.atomic
def import_dossier_build(*, justification: ImportJustification, user: User) -> dict[str, Any]:
    """Build the evidence dossier from what the platform holds and keep it with the justification.

    Refused, with the reason, when no imported product was quoted on the demand: the dossier weighs an imported
    offer against the domestic products."""
    if not policies.can_see_import_justification(user, justification.demand):
        raise PermissionDenied(_("Only the buyer institution, administrators and the panel's experts see it."))
    if not justification.demand.quotes_are_open:
        # The dossier weighs the quotes: built before the opening it would show sealed ones to the buyer and panel.
        raise ApplicationError(
            _("The quotes are sealed until the deadline %(deadline)s: the dossier is built from them once they open.")
            % {"deadline": justification.demand.deadline.isoformat()},
            field="demand",
        )
    try:
        content = dossier_build(justification)
    except ValueError:
        raise ApplicationError(
            _(
                "No imported product was quoted on this demand: a dossier weighs an imported quote against the "
                "domestic products, so there is nothing to justify yet."
            ),
            field="demand",
        ) from None
    ImportJustification.objects.filter(pk=justification.pk).update(dossier=content, dossier_built_at=timezone.now())
    justification.dossier = content
    return content


def _experts_by_email(emails: Sequence[str], field: str, errors: dict[str, list[str]]) -> list[User]:
    cleaned = [e.strip().lower() for e in emails if e and e.strip()]
    found = {u.email.lower(): u for u in User.objects.filter(email__in=cleaned, is_active=True)}
    for email in cleaned:
        if email not in found:
            errors[field].append(_("No active user has the email %(email)s.") % {"email": email})
    return [found[e] for e in dict.fromkeys(cleaned) if e in found]


@transaction.atomic
def expert_panel_assign(
    *, justification: ImportJustification, user: User, legal_experts: Sequence[str], product_experts: Sequence[str]
) -> list[ExpertReview]:
    """Staff name the panel (by email): an odd number of at least five experts, at least one legal expert, the
    product experts from outside the buying institution. The experts are told. A panel that began signing stays."""
    if not policies.can_review_import_justifications(user):
        raise PermissionDenied(_("Only platform administrators assign expert panels."))
    justification = ImportJustification.objects.select_for_update().select_related("demand").get(pk=justification.pk)
    if justification.status != ImportJustification.Status.SUBMITTED:
        raise ApplicationError(_("Only a submitted justification gets a panel."), field="status")
    if justification.expert_reviews.filter(signed_at__isnull=False).exists():
        raise ApplicationError(_("An expert has signed already: the panel can no longer change."), field="experts")
    errors: dict[str, list[str]] = defaultdict(list)
    legal = _experts_by_email(legal_experts, "legal_experts", errors)
    product = _experts_by_email(product_experts, "product_experts", errors)
    if not legal:
        errors["legal_experts"].append(_("The panel needs at least one legal expert."))
    if {u.pk for u in legal} & {u.pk for u in product}:
        errors["product_experts"].append(_("An expert sits on the panel once."))
    size = len(legal) + len(product)
    if size < MIN_PANEL or size % 2 == 0:
        errors["experts"].append(
            _("The panel has an odd number of at least %(min)d experts (now %(count)d).")
            % {"min": MIN_PANEL, "count": size}
        )
    insiders = set(
        Membership.objects.filter(organization_id=justification.demand.institution_id, user__in=product).values_list(
            "user__email", flat=True
        )
    )
    if insiders:
        errors["product_experts"].append(
            _("Product experts come from outside the buying institution: %(emails)s.")
            % {"emails": ", ".join(sorted(insiders))}
        )
    if submitter := next((u for u in [*legal, *product] if u.pk == justification.submitted_by_id), None):
        errors["experts"].append(
            _("%(email)s filed the justification and cannot review it.") % {"email": submitter.email}
        )
    if errors:
        first = next(iter(errors))
        raise ApplicationError(errors[first][0], field=first, extra={"fields": dict(errors)})
    justification.expert_reviews.all().delete()
    reviews = ExpertReview.objects.bulk_create(
        [
            ExpertReview(justification=justification, expert=u, role=ExpertReview.Role.LEGAL, assigned_by=user)
            for u in legal
        ]
        + [
            ExpertReview(justification=justification, expert=u, role=ExpertReview.Role.PRODUCT, assigned_by=user)
            for u in product
        ]
    )
    notify(
        users=[*legal, *product],
        kind=notices.EXPERT_ASSIGNED,
        params={"title": justification.demand.title},
        url=reverse("procurement:expert-opinion", args=[justification.pk]),
        key=f"expert-assigned:{justification.pk}",
    )
    return reviews


@transaction.atomic
def expert_opinion_sign(*, justification: ImportJustification, user: User, decision: str, opinion: str) -> ExpertReview:
    """An expert of the panel signs their opinion (once); the majority of the panel decides the justification."""
    justification = (
        ImportJustification.objects.select_for_update()
        .select_related("demand", "submitted_by")
        .get(pk=justification.pk)
    )
    review = justification.expert_reviews.filter(expert=user).first()
    if review is None:
        raise PermissionDenied(_("Only the panel's experts sign opinions."))
    errors: dict[str, list[str]] = defaultdict(list)
    if justification.status != ImportJustification.Status.SUBMITTED:
        errors["status"].append(_("The panel has decided already."))
    if review.is_signed:
        errors["status"].append(_("You have signed your opinion already."))
    if decision not in ExpertReview.Decision.values:
        errors["decision"].append(_("Say whether the import is justified."))
    opinion = (opinion or "").strip()
    if len(opinion) < MIN_OPINION_LENGTH:
        errors["opinion"].append(
            _("Write your opinion in at least %(count)d characters.") % {"count": MIN_OPINION_LENGTH}
        )
    if errors:
        first = next(iter(errors))
        raise ApplicationError(errors[first][0], field=first, extra={"fields": dict(errors)})
    review.decision = decision
    review.opinion = opinion
    review.signed_at = timezone.now()
    review.save(update_fields=["decision", "opinion", "signed_at"])
    approvals, rejections, size = panel_tally(list(justification.expert_reviews.all()))
    outcome = None
    if approvals * 2 > size:
        outcome = ImportJustification.Status.APPROVED
    elif rejections * 2 > size:
        outcome = ImportJustification.Status.REJECTED
    if outcome is not None:
        justification.status = outcome
        justification.reviewed_at = timezone.now()
        justification.save(update_fields=["status", "reviewed_at"])
        approved = outcome == ImportJustification.Status.APPROVED
        notify(
            users=[justification.submitted_by],
            kind=notices.IMPORT_JUSTIFICATION_APPROVED if approved else notices.IMPORT_JUSTIFICATION_REJECTED,
            params={"title": justification.demand.title},
            url=reverse("procurement:demand-detail", args=[justification.demand_id]) + "#import-justification",
            key=f"import-justification:{justification.pk}:{outcome}:{justification.reviewed_at:%s}",
        )
    return review
