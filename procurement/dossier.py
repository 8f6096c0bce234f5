"""The import-justification dossier: built from what the platform holds, as JSON and as a PDF in Chinese or English.

It fills the fields of the import-product application (进口产品申请表) and drafts the expert opinion (专家论证意见)
from the demand and its requirements, every domestic product considered (named in the justification, quoted, or
matched) with its per-requirement results and gaps, the quotes, the evaluations and the shared-instrument check,
then lists the panel's signed opinions. Texts are stored in both languages so one build serves both PDFs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.models import Product
from procurement import pdf
from procurement.assessment import FAIL, PASS, assessor
from procurement.comparison import cell_text, comparison_build, domestic_alternatives, requirement_label
from procurement.models import Demand, ExpertReview, ImportJustification

LANGUAGES = ("zh-hans", "en")


def _both(fn: Callable[[], str]) -> dict[str, str]:
    out = {}
    for language in LANGUAGES:
        with translation.override(language):
            out[language] = str(fn())
    return out


def imported_quote_columns(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    return [column for column in comparison["quotes"] if not column["is_domestic"]]


def _name(zh: str, en: str) -> dict[str, str]:
    return {"zh-hans": zh, "en": en or zh}


def _domestic_products(
    justification: ImportJustification, demand: Demand, comparison: dict[str, Any]
) -> list[dict[str, Any]]:
    """Every domestic product considered, with its per-requirement results and gaps (as matching assesses it)."""
    sources: dict[int, set[str]] = {}
    for product in justification.domestic_products_considered.all():
        sources.setdefault(product.pk, set()).add("considered")
    for column in comparison["quotes"]:
        if column["is_domestic"]:
            sources.setdefault(column["product"], set()).add("quote")
    for item in domestic_alternatives(demand, comparison):
        sources.setdefault(item["product"], set()).add(item["source"])
    products = {p.pk: p for p in Product.objects.filter(pk__in=sources).select_related("manufacturer")}
    assessments = assessor().assess(demand, list(products))
    requirements = comparison["requirements"]
    rows = []
    for pk in sorted(products):
        product = products[pk]
        checks = {c.requirement_id: c for c in (assessments[pk].checks if pk in assessments else ())}
        cells = []
        for requirement in requirements:
            check = checks.get(requirement["id"])
            cells.append(
                {
                    "requirement": requirement["id"],
                    "status": check.status if check else "unknown",
                    "actual": check.actual if check else "",
                    "gap": check.gap if check else None,
                    "margin": check.margin if check else None,
                }
            )
        mandatory = {r["id"] for r in requirements if r["is_mandatory"]}
        rows.append(
            {
                "product": pk,
                "name": _name(f"{product.name_zh} {product.model_number}", f"{product.name_en} {product.model_number}"),
                "manufacturer": _name(product.manufacturer.name_zh, product.manufacturer.name_en),
                "sources": sorted(sources[pk]),
                "cells": cells,
                "meets_mandatory": all(c["status"] == PASS for c in cells if c["requirement"] in mandatory),
                "failed": [c["requirement"] for c in cells if c["requirement"] in mandatory and c["status"] == FAIL],
                "evaluation_count": product.evaluation_count,
                "evaluation_score": product.evaluation_score,
                "score": None if pk not in assessments else round(assessments[pk].score, 4),
            }
        )
    return rows


def _opinion_draft(
    demand: Demand, imported: dict[str, Any], domestic: list[dict[str, Any]], requirements: list[dict[str, Any]]
) -> dict[str, str]:
    by_id = {r["id"]: r for r in requirements}

    def draft() -> str:
        lines = [
            _(
                "The panel examined the application of %(institution)s to buy %(product)s with fiscal funds for "
                "“%(title)s”."
            )
            % {
                "institution": demand.institution.name,
                "product": f"{imported['product_label']}",
                "title": demand.title,
            }
        ]
        meeting = [d for d in domestic if d["meets_mandatory"]]
        for row in domestic:
            name = row["name"][translation.get_language() or "zh-hans"]
            if row["meets_mandatory"]:
                lines.append(_("%(product)s meets every mandatory requirement.") % {"product": name})
                continue
            gaps = []
            for cell in row["cells"]:
                if cell["requirement"] in row["failed"]:
                    requirement = by_id[cell["requirement"]]
                    gaps.append(f"{requirement_label(requirement)}: {cell_text(cell, requirement.get('unit', ''))}")
                elif cell["status"] != PASS and by_id[cell["requirement"]]["is_mandatory"]:
                    gaps.append(f"{requirement_label(by_id[cell['requirement']])}: {_('not stated')}")
            lines.append(_("%(product)s does not meet: %(gaps)s.") % {"product": name, "gaps": "; ".join(gaps) or "—"})
        if not domestic:
            lines.append(_("No domestic product of the category was quoted, matched or named."))
        if meeting:
            lines.append(
                _(
                    "Since a domestic product meets every mandatory requirement, the panel finds the import not "
                    "justified unless the application shows otherwise."
                )
            )
        else:
            lines.append(
                _(
                    "Since no domestic product considered meets every mandatory requirement, the panel finds the "
                    "purchase of the imported product justified."
                )
            )
        return "\n".join(lines)

    return _both(draft)


def dossier_build(justification: ImportJustification) -> dict[str, Any]:
    """The dossier's content; raises ValueError with the reason when the demand has no imported quote."""
    demand = justification.demand
    comparison = comparison_build(demand=demand)
    imported = imported_quote_columns(comparison)
    if not imported:
        raise ValueError("no imported quote")
    chosen = next((c for c in imported if c["product"] == justification.imported_product_id), imported[0])
    chosen = {**chosen, "product_label": f"{chosen['product_zh']} {chosen['model']}"}
    domestic = _domestic_products(justification, demand, comparison)
    institution = demand.institution
    category = demand.category

    def application() -> list[tuple[str, str]]:
        imported_name = chosen["product_en"] if translation.get_language() == "en" else chosen["product_zh"]
        maker = chosen["manufacturer_en"] if translation.get_language() == "en" else chosen["manufacturer_zh"]
        shared = demand.get_shared_check_display()
        if demand.shared_check_reason:
            shared = f"{shared}: {demand.shared_check_reason}"
        return [
            (_("Applicant"), institution.name),
            (_("Project"), demand.title),
            (_("Category"), f"{category.code} {category.name}"),
            (_("Funding"), demand.get_funding_display()),
            (_("Budget (CNY)"), "" if demand.budget is None else f"{demand.budget:,.2f}"),
            (_("Quantity"), str(demand.quantity)),
            (_("Imported product applied for"), f"{imported_name} {chosen['model']} ({maker})"),
            (_("Declared country of origin"), chosen["declared_origin"]),
            (_("Quoted total (CNY)"), f"{float(chosen['total']):,.2f}"),
            (_("Why no domestic product will do"), justification.reason),
            (_("Why an imported product would be accepted"), demand.import_reason),
            (_("Domestic products considered"), str(len(domestic))),
            (_("Shared-instrument check"), shared),
        ]

    fields = {}
    for language in LANGUAGES:
        with translation.override(language):
            fields[language] = [[label, value] for label, value in application()]
    return {
        "version": 1,
        "built_at": timezone.now().isoformat(),
        "justification": justification.pk,
        "demand": demand.pk,
        "application": fields,
        "requirements": comparison["requirements"],
        "domestic_products": domestic,
        "quotes": comparison["quotes"],
        "rule_date": comparison["rule_date"],
        "opinion_draft": _opinion_draft(demand, chosen, domestic, comparison["requirements"]),
    }


def _panel_rows(justification: ImportJustification) -> list[list[str]]:
    rows = []
    for review in justification.expert_reviews.select_related("expert").order_by("role", "id"):
        rows.append(
            [
                review.expert.get_full_name() or review.expert.email,
                review.get_role_display(),
                review.get_decision_display() if review.decision else _("not yet signed"),
                review.opinion,
                review.signed_at.strftime("%Y-%m-%d %H:%M") if review.signed_at else "",
            ]
        )
    return rows


def dossier_pdf(justification: ImportJustification, content: dict[str, Any], language: str) -> bytes:
    """The dossier as a PDF in ``language`` (zh-hans or en), with the panel's opinions as they stand now."""
    with translation.override(language):
        requirements = content["requirements"]
        blocks: list[pdf.Block] = [
            pdf.heading(_("Import product application (进口产品申请表)")),
            pdf.table([[_("Field"), _("Value")], *content["application"][language]], widths=[0.3, 0.7]),
            pdf.heading(_("Requirements")),
            pdf.table(
                [
                    [_("Requirement"), _("Kind")],
                    *[
                        [requirement_label(r), _("mandatory") if r["is_mandatory"] else _("preferred")]
                        for r in requirements
                    ],
                ],
                widths=[0.75, 0.25],
            ),
            pdf.heading(_("Domestic products considered, requirement by requirement")),
        ]
        if content["domestic_products"]:
            header = [_("Product"), *[requirement_label(r) for r in requirements], _("Evaluations")]
            rows = []
            for row in content["domestic_products"]:
                evaluations = str(row["evaluation_count"])
                if row["evaluation_score"] is not None:
                    evaluations += f" ({row['evaluation_score']:.2f})"
                rows.append(
                    [
                        f"{row['name'][language]} · {row['manufacturer'][language]}",
                        *[cell_text(c, r.get("unit", "")) for c, r in zip(row["cells"], requirements, strict=True)],
                        evaluations,
                    ]
                )
            blocks.append(pdf.table([header, *rows]))
        else:
            blocks.append(pdf.paragraph(_("No domestic product of the category was quoted, matched or named.")))
        blocks.append(pdf.heading(_("Quotes")))
        english = language == "en"
        blocks.append(
            pdf.table(
                [
                    [_("Rank"), _("Product"), _("Total"), _("Domestic product (本国产品)"), _("Evaluated price")],
                    *[
                        [
                            str(c["rank"]),
                            f"{c['product_en'] if english else c['product_zh']} {c['model']}",
                            f"{float(c['total']):,.2f}",
                            _("yes") if c["is_domestic"] else _("no"),
                            f"{float(c['evaluated_price']):,.2f}",
                        ]
                        for c in content["quotes"]
                    ],
                ],
                widths=[0.08, 0.42, 0.16, 0.16, 0.18],
            )
        )
        blocks += [
            pdf.heading(_("Expert opinion (专家论证意见), drafted")),
            pdf.paragraph(content["opinion_draft"][language]),
            pdf.heading(_("Expert panel")),
        ]
        panel = _panel_rows(justification)
        if panel:
            blocks.append(
                pdf.table(
                    [[_("Expert"), _("Role"), _("Decision"), _("Opinion"), _("Signed at")], *panel],
                    widths=[0.18, 0.14, 0.18, 0.36, 0.14],
                )
            )
        else:
            blocks.append(pdf.paragraph(_("No expert is assigned yet.")))
        blocks.append(
            pdf.small(_("Built on %(date)s from the platform's records.") % {"date": content["built_at"][:10]})
        )
        title = _("Import-justification dossier: %(title)s") % {"title": justification.demand.title}
        return pdf.pdf_bytes(title, blocks)


def panel_tally(reviews: list[ExpertReview]) -> tuple[int, int, int]:
    """(approvals, rejections, panel size) of the signed opinions."""
    approvals = sum(1 for r in reviews if r.is_signed and r.decision == ExpertReview.Decision.APPROVE)
    rejections = sum(1 for r in reviews if r.is_signed and r.decision == ExpertReview.Decision.REJECT)
    return approvals, rejections, len(reviews)
