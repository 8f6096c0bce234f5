"""Each public demand as an OCDS contracting process: its releases, built from rows already loaded (no query).

One ``ocid`` per demand (``OCDS_OCID_PREFIX``-id). Releases, each dated by the event it reports:

- ``planning`` when the demand is posted: the budget and the rationale;
- ``tender`` when it opens: the requirements as items, classified by the platform's classification table and,
  where the category has a CPV crosswalk, by CPV; the tender is ``active``;
- ``tenderCancellation`` when the buyer withdraws an open demand (tender ``cancelled``), or ``tenderUpdate``
  when it is closed without an award or expires (tender ``unsuccessful``);
- ``award`` when the buyer awards: the supplier, the product as the item, the awarded value; the tender is
  ``complete``;
- ``contract`` when the buyer confirms the contract: its value, items and signing date.

Each release says what was true on its date and never changes after; the record's compiled release (ocdsmerge)
holds the latest state.

Parties carry their roles (``buyer`` and ``procuringEntity`` for the institution, ``supplier`` for the awarded
manufacturer) and are identified by their unified social credit code (org-id scheme ``CN-USCC``) where they
have one. Releases are in Chinese (``language`` ``zh``), the platform's language of record.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import Organization
from catalog.models import Category, Product
from catalog.values import format_entered, format_number
from procurement.models import Award, Demand, Requirement

PLANNING = "planning"
TENDER = "tender"
TENDER_UPDATE = "tenderUpdate"
TENDER_CANCELLATION = "tenderCancellation"
AWARD = "award"
CONTRACT = "contract"
# Order of the releases of one process on the same instant; every tag a release of this platform may carry.
TAG_ORDER = {PLANNING: 0, TENDER: 1, TENDER_UPDATE: 2, TENDER_CANCELLATION: 2, AWARD: 3, CONTRACT: 4}
PLATFORM_SCHEME = "X-INSTRUMENT-CLASS"
CURRENCY = "CNY"

# How a tender that opened ends, by the demand's final status: the release tag, the tender status (OCDS
# tenderStatus codelist) and the demand's field that dates it.
TENDER_ENDS: dict[str, tuple[str, str, str]] = {
    Demand.Status.CANCELLED: (TENDER_CANCELLATION, "cancelled", "cancelled_at"),
    Demand.Status.CLOSED: (TENDER_UPDATE, "unsuccessful", "closed_at"),
    Demand.Status.EXPIRED: (TENDER_UPDATE, "unsuccessful", "expired_at"),
}
# The demand fields ``tender_end`` reads (the release index loads only these).
TENDER_END_FIELDS = ("status", "opened_at", "cancelled_at", "closed_at", "expired_at", "updated_at")


def tender_end(demand: Demand) -> tuple[str, datetime.datetime] | None:
    """The tag and date of the release that ends an opened tender without an award, or None."""
    end = TENDER_ENDS.get(demand.status)
    if end is None or demand.opened_at is None:
        return None
    tag, _status, field = end
    # A demand ended before its ending was stamped is dated by its last change.
    return tag, getattr(demand, field) or demand.updated_at


def ocid_for(demand_id: int) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{demand_id}"


def demand_id_for(ocid: str) -> int | None:
    """The demand an ocid of this platform names, or None."""
    prefix = f"{settings.OCDS_OCID_PREFIX}-"
    if not ocid.startswith(prefix) or not ocid[len(prefix) :].isdigit():
        return None
    return int(ocid[len(prefix) :])


def stamp(moment: datetime.datetime) -> str:
    """OCDS date-time: ISO 8601 with its offset, to the second."""
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _end_of(day: datetime.date) -> str:
    return stamp(timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59))))


def _amount(value: Decimal | None) -> dict[str, Any] | None:
    return None if value is None else {"amount": float(value), "currency": CURRENCY}


def party_id(organization: Organization) -> str:
    if organization.credit_code:
        return f"CN-USCC-{organization.credit_code}"
    return f"{settings.OCDS_OCID_PREFIX}-org-{organization.pk}"


def party(organization: Organization, roles: list[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": party_id(organization),
        "name": organization.name_zh,
        "roles": roles,
        "address": {"countryName": str(organization.country.name)},
    }
    if organization.credit_code:
        entry["identifier"] = {"scheme": "CN-USCC", "id": organization.credit_code, "legalName": organization.name_zh}
    if organization.province is not None:
        entry["address"]["region"] = organization.province.name_zh
    return entry


def _reference(organization: Organization) -> dict[str, str]:
    return {"id": party_id(organization), "name": organization.name_zh}


def classification(category: Category) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """CPV where the category has a crosswalk (the platform's own class then comes second), else the platform's."""
    own = {"scheme": PLATFORM_SCHEME, "id": category.code, "description": category.name_zh}
    if category.cpv_code:
        return {"scheme": "CPV", "id": category.cpv_code}, [own]
    return own, []


def requirement_text(requirement: Requirement) -> str:
    parameter = requirement.parameter
    if requirement.operator == Requirement.Operator.IN:
        value = "、".join(requirement.value_choices or [])
    elif requirement.operator == Requirement.Operator.COVERS:
        value = (
            f"{format_number(requirement.value_min)}–{format_number(requirement.value_max)}"
            if requirement.value_min is not None and requirement.value_max is not None
            else ""
        )
    else:
        value = format_entered(requirement.entered_value)
    need = "必须" if requirement.is_mandatory else "优先"
    return (
        f"{parameter.name_zh}（{parameter.key}）{requirement.get_operator_display()} {value} {requirement.unit}".strip()
        + f"（{need}）"
    )


def _items(demand: Demand, requirements: Iterable[Requirement]) -> list[dict[str, Any]]:
    main, additional = classification(demand.category)
    items = []
    for requirement in requirements:
        item: dict[str, Any] = {
            "id": f"requirement-{requirement.pk}",
            "description": requirement_text(requirement),
            "classification": main,
            "quantity": demand.quantity,
        }
        if additional:
            item["additionalClassifications"] = additional
        items.append(item)
    return items


def _base(demand: Demand, tag: str, moment: datetime.datetime) -> dict[str, Any]:
    return {
        "ocid": ocid_for(demand.pk),
        "id": f"{ocid_for(demand.pk)}-{tag}",
        "date": stamp(moment),
        "tag": [tag],
        "initiationType": "tender",
        "language": "zh",
        "buyer": _reference(demand.institution),
        "parties": [party(demand.institution, ["buyer", "procuringEntity"])],
    }


def planning_release(demand: Demand) -> dict[str, Any]:
    release = _base(demand, PLANNING, demand.created_at)
    planning: dict[str, Any] = {"rationale": demand.description or demand.title}
    if demand.budget is not None:
        planning["budget"] = {"amount": _amount(demand.budget), "description": "预算"}
    release["planning"] = planning
    release["tender"] = {"id": f"{ocid_for(demand.pk)}-tender", "title": demand.title, "status": "planned"}
    return release


def tender_release(demand: Demand, requirements: list[Requirement]) -> dict[str, Any]:
    assert demand.opened_at is not None
    release = _base(demand, TENDER, demand.opened_at)
    tender: dict[str, Any] = {
        "id": f"{ocid_for(demand.pk)}-tender",
        "title": demand.title,
        "description": demand.description,
        "status": "active",
        "procuringEntity": _reference(demand.institution),
        "items": _items(demand, requirements),
        "procurementMethod": "open",
        "mainProcurementCategory": "goods",
        "tenderPeriod": {"startDate": stamp(demand.opened_at), "endDate": _end_of(demand.deadline)},
        "submissionMethod": ["electronicSubmission"],
    }
    if demand.budget is not None:
        tender["value"] = _amount(demand.budget)
    if demand.free_text_requirements:
        tender["eligibilityCriteria"] = demand.free_text_requirements
    release["tender"] = tender
    return release


def tender_end_release(demand: Demand) -> dict[str, Any] | None:
    """The release that says an opened tender ended without an award: cancelled, or unsuccessful."""
    end = tender_end(demand)
    if end is None:
        return None
    tag, moment = end
    release = _base(demand, tag, moment)
    release["tender"] = {
        "id": f"{ocid_for(demand.pk)}-tender",
        "title": demand.title,
        "status": TENDER_ENDS[demand.status][1],
    }
    return release


def _award_id(demand: Demand, award: Award) -> str:
    return f"{ocid_for(demand.pk)}-award-{award.pk}"


def _awarded_product(award: Award) -> Product | None:
    return award.product or (award.quote.product if award.quote else None)


def _award_value(demand: Demand, award: Award) -> dict[str, Any] | None:
    if award.total is not None:
        return _amount(award.total)
    if award.quote is not None and award.quote.total is not None:
        return _amount(award.quote.total)
    return None


def _award_items(demand: Demand, award: Award, product: Product) -> list[dict[str, Any]]:
    main, additional = classification(product.category)
    quantity = award.quote.quantity if award.quote is not None and award.quote.quantity else demand.quantity
    item: dict[str, Any] = {
        "id": f"product-{product.pk}",
        "description": f"{product.name_zh} {product.model_number}",
        "classification": main,
        "quantity": quantity,
    }
    if additional:
        item["additionalClassifications"] = additional
    if award.unit_price is not None:
        item["unit"] = {"name": "台", "value": _amount(award.unit_price)}
    return [item]


def award_release(demand: Demand, award: Award) -> dict[str, Any]:
    release = _base(demand, AWARD, award.created_at)
    product = _awarded_product(award)
    entry: dict[str, Any] = {
        "id": _award_id(demand, award),
        "title": demand.title,
        "status": "active",
        "date": stamp(award.created_at),
    }
    if award.note:
        entry["description"] = award.note
    value = _award_value(demand, award)
    if value is not None:
        entry["value"] = value
    if product is not None:
        release["parties"].append(party(product.manufacturer, ["supplier"]))
        entry["suppliers"] = [_reference(product.manufacturer)]
        entry["items"] = _award_items(demand, award, product)
    release["awards"] = [entry]
    release["tender"] = {"id": f"{ocid_for(demand.pk)}-tender", "title": demand.title, "status": "complete"}
    return release


def contract_release(demand: Demand, award: Award) -> dict[str, Any]:
    assert award.confirmed_at is not None
    release = _base(demand, CONTRACT, award.confirmed_at)
    product = _awarded_product(award)
    contract: dict[str, Any] = {
        "id": f"{ocid_for(demand.pk)}-contract-{award.pk}",
        "awardID": _award_id(demand, award),
        "title": demand.title,
        "status": "active",
        "dateSigned": stamp(award.confirmed_at),
    }
    value = _award_value(demand, award)
    if value is not None:
        contract["value"] = value
    if product is not None:
        release["parties"].append(party(product.manufacturer, ["supplier"]))
        contract["items"] = _award_items(demand, award, product)
    release["contracts"] = [contract]
    return release


def demand_releases(demand: Demand) -> list[dict[str, Any]]:
    """Every release of the demand's process, oldest first.

    Reads ``demand.institution``, ``category``, ``requirements`` (with parameters) and ``award`` (with its quote
    and product and their manufacturer), all prefetched by ``ocds.selectors``.
    """
    releases = [planning_release(demand)]
    if demand.opened_at is not None:
        releases.append(tender_release(demand, list(demand.requirements.all())))
    ended = tender_end_release(demand)
    if ended is not None:
        releases.append(ended)
    award = getattr(demand, "award", None)
    if award is not None:
        releases.append(award_release(demand, award))
        if award.confirmed_at is not None:
            releases.append(contract_release(demand, award))
    return releases
