"""Evaluations of products by people outside the manufacturer, and the aggregates kept on the product."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, FloatField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from catalog import policies
from catalog.models import Evaluation, Product
from catalog.services.documents import sniff_upload
from catalog.services.products import product_changes_record
from config.exceptions import ApplicationError


def product_evaluations_refresh(*, product: Product) -> Product:
    """Recompute evaluation_count and evaluation_score (mean overall score, 1 to 5) from the rows."""
    overall = (
        Cast(F("accuracy"), FloatField())
        + Cast(F("stability"), FloatField())
        + Cast(F("reliability"), FloatField())
        + Cast(F("service"), FloatField())
    ) / 4.0
    aggregate = Evaluation.objects.filter(product=product).aggregate(count=Count("id"), score=Avg(overall))
    product.evaluation_count = aggregate["count"] or 0
    product.evaluation_score = round(aggregate["score"], 3) if aggregate["score"] is not None else None
    Product.objects.filter(pk=product.pk).update(
        evaluation_count=product.evaluation_count, evaluation_score=product.evaluation_score
    )
    return product


@transaction.atomic
def evaluation_create(
    *,
    user: User,
    product: Product,
    organization: Organization,
    kind: str,
    title: str,
    accuracy: int,
    stability: int,
    reliability: int,
    service: int,
    summary: str = "",
    document: UploadedFile | None = None,
) -> Evaluation:
    """Record an evaluation by a member of a verified institution (or testing agency, for test reports)."""
    if kind not in Evaluation.Kind.values:
        raise ApplicationError(_("Unknown evaluation kind."), field="kind")
    if not policies.can_evaluate_for(user, organization):
        raise PermissionDenied(_("You can only evaluate on behalf of an organization you belong to."))
    allowed_kinds = [Organization.Kind.INSTITUTION]
    if kind == Evaluation.Kind.THIRD_PARTY:
        allowed_kinds.append(Organization.Kind.AGENCY)
    if organization.kind not in allowed_kinds or not organization.is_verified:
        raise ApplicationError(_("Evaluations are written by members of verified institutions."), field="organization")
    if policies.is_own_product(user, product):
        raise ApplicationError(_("A manufacturer cannot evaluate its own product."), field="product")
    if product.status != Product.Status.PUBLISHED:
        raise ApplicationError(_("Only published products can be evaluated."), field="product")
    if kind == Evaluation.Kind.THIRD_PARTY and document is None:
        raise ApplicationError(_("A third-party evaluation needs its test report."), field="document")
    if document is not None:
        sniff_upload(document)
    scores = {"accuracy": accuracy, "stability": stability, "reliability": reliability, "service": service}
    for name, score in scores.items():
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise ApplicationError(_("Scores are whole numbers from 1 to 5."), field=name)
    if not title.strip():
        raise ApplicationError(_("A title is required."), field="title")
    evaluation = Evaluation(
        product=product,
        kind=kind,
        author=user,
        organization=organization,
        title=title.strip()[:200],
        summary=summary,
        accuracy=accuracy,
        stability=stability,
        reliability=reliability,
        service=service,
    )
    if document is not None:
        evaluation.document = document
    try:
        with transaction.atomic():
            evaluation.save()
    except IntegrityError as exc:
        raise ApplicationError(_("You have already reviewed this product."), field="kind") from exc
    product_evaluations_refresh(product=product)
    product_changes_record(products=[product], fields=["evaluations"])
    return evaluation
