"""The demand lifecycle: draft → (shared-instrument check) → open → awarded / closed / cancelled / expired."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, Province, User
from catalog.models import Category, Parameter
from catalog.selectors import category_dictionary
from changes.services import change_record
from config.audit import audit_bulk_created
from config.exceptions import ApplicationError
from notifications.services import notify
from procurement import notices, policies
from procurement.models import Demand, DemandRevision, Quote
from procurement.requirement_rules import CleanRequirement, RequirementInput
from procurement.services.requirements import (
    requirements_create_bulk,
    requirements_merged,
    requirements_replace,
    requirements_snapshot,
    requirements_validate,
)

# The change outbox's name for demands.
DEMAND_ENTITY = "demand"
MAX_BUDGET = Decimal("1000000000")  # 1 billion CNY: above this a budget is a typing error, not an instrument
MAX_QUANTITY = 1000
MAX_DEADLINE_DAYS = 3 * 366

# Fields a person may set on a demand; the rest belong to the lifecycle.
EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "quantity",
    "budget",
    "deadline",
    "delivery_province",
    "funding",
    "is_sealed",
    "accepts_imported",
    "import_reason",
    "free_text_requirements",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def _require_member(user: User, demand: Demand) -> None:
    if not policies.can_edit_demand(user, demand):
        raise PermissionDenied(_("Only members of the demand's institution may change it."))


def demand_field_errors(demand: Demand, *, today: datetime.date) -> dict[str, list[str]]:
    """Every rule a demand's own fields break, by field, so a form can show them all at once."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not (demand.title or "").strip():
        add("title", _("Give the demand a title."))
    if demand.quantity is None or not 1 <= demand.quantity <= MAX_QUANTITY:
        add("quantity", _("The quantity must be between 1 and %(max)d.") % {"max": MAX_QUANTITY})
    if demand.budget is not None:
        try:
            budget = Decimal(demand.budget)
        except (InvalidOperation, TypeError):
            add("budget", _("Enter the budget as a number."))
        else:
            if not budget.is_finite() or budget <= 0:
                add("budget", _("The budget must be positive."))
            elif budget > MAX_BUDGET:
                add(
                    "budget",
                    _("A budget above %(max)s CNY is not plausible for one demand.") % {"max": f"{MAX_BUDGET:,.0f}"},
                )
            else:
                demand.budget = budget.quantize(Decimal("0.01"))
    if demand.deadline is None:
        add("deadline", _("Set a deadline."))
    elif demand.deadline < today:
        add("deadline", _("The deadline is in the past."))
    elif demand.deadline > today + datetime.timedelta(days=MAX_DEADLINE_DAYS):
        add("deadline", _("The deadline must be within three years."))
    if demand.accepts_imported and not (demand.import_reason or "").strip():
        add("import_reason", _("Say why an imported product would be accepted."))
    try:
        # Constraints are left to the database: a budget the rules above refused must not be reported twice.
        demand.full_clean(
            exclude=["institution", "posted_by", "category", "delivery_province", *errors], validate_constraints=False
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                add(name, message)
    return errors


def _check_fields(demand: Demand, *, today: datetime.date) -> None:
    """Raise one ApplicationError naming the first bad field; ``extra["fields"]`` holds every field's errors."""
    errors = demand_field_errors(demand, today=today)
    if errors:
        name, messages = next(iter(errors.items()))
        raise ApplicationError(messages[0], field=None if name == NON_FIELD_ERRORS else name, extra={"fields": errors})


def _mark_changed(demand: Demand, *, fields: Sequence[str] = ()) -> None:
    """Record the change in the outbox, in this transaction: search re-indexes the demand, and matching re-matches
    it after commit when it is open."""
    change_record(
        entity=DEMAND_ENTITY, ids=[demand.pk], fields=fields, category_paths={demand.pk: demand.category.path}
    )


@transaction.atomic
def demand_create(
    *,
    user: User,
    institution: Organization,
    title: str,
    category: Category,
    deadline: datetime.date,
    delivery_province: Province,
    description: str = "",
    quantity: int = 1,
    budget: Decimal | None = None,
    funding: str = Demand.Funding.FISCAL,
    accepts_imported: bool = False,
    import_reason: str = "",
    free_text_requirements: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    requirements: Sequence[RequirementInput] = (),
    is_sealed: bool | None = None,
) -> Demand:
    """Create a draft demand of one of the user's institutions, with its requirements.

    Quotes on fiscal funds are sealed unless the buyer says otherwise (``is_sealed``).
    """
    _require_poster(user, institution)
    demand = Demand(
        institution=institution,
        posted_by=user,
        title=title.strip(),
        description=description,
        category=category,
        quantity=quantity,
        budget=budget,
        deadline=deadline,
        delivery_province=delivery_province,
        funding=funding,
        is_sealed=(funding == Demand.Funding.FISCAL) if is_sealed is None else is_sealed,
        accepts_imported=accepts_imported,
        import_reason=import_reason if accepts_imported else "",
        free_text_requirements=free_text_requirements,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        status=Demand.Status.DRAFT,
    )
    _check_fields(demand, today=timezone.localdate())
    cleaned = requirements_validate(category=category, items=requirements)
    demand.save()
    requirements_replace(demand=demand, cleaned=cleaned)
    _mark_changed(demand)
    return demand


def _require_poster(user: User, institution: Organization) -> None:
    if institution.kind != Organization.Kind.INSTITUTION:
        raise ApplicationError(_("Only research institutions post demands."), field="institution")
    if not policies.can_post_demand(user, institution):
        raise PermissionDenied(_("You are not a member of this institution."))


@dataclass(frozen=True)
class DemandDraft:
    """One draft demand of a bulk post (a plan line): the fields that differ from one demand to the next."""

    title: str
    deadline: datetime.date
    delivery_province: Province
    description: str = ""
    quantity: int = 1
    budget: Decimal | None = None
    requirements: Sequence[RequirementInput] = ()


@transaction.atomic
def demand_drafts_create(
    *,
    user: User,
    institution: Organization,
    category: Category,
    drafts: Sequence[DemandDraft],
    contact_email: str = "",
) -> list[Demand]:
    """Create many draft demands of one institution and category at once, each as ``demand_create`` makes one.

    Every draft is checked first: one ApplicationError on ``drafts`` lists each bad draft's messages by its index
    (``extra["drafts"]``) and nothing is written. Then the demands and their requirements are written in bulk and
    recorded in the outbox as one batch, so the work after commit is one batch too, whatever the number.
    """
    _require_poster(user, institution)
    today = timezone.localdate()
    dictionary = category_dictionary(category)
    built: list[tuple[Demand, list[tuple[Parameter, CleanRequirement]]]] = []
    errors: dict[int, list[str]] = {}
    for index, draft in enumerate(drafts):
        demand = Demand(
            institution=institution,
            posted_by=user,
            title=draft.title.strip(),
            description=draft.description,
            category=category,
            quantity=draft.quantity,
            budget=draft.budget,
            deadline=draft.deadline,
            delivery_province=draft.delivery_province,
            funding=Demand.Funding.FISCAL,
            is_sealed=True,  # fiscal funds: sealed quotes, as demand_create decides
            contact_email=contact_email,
            status=Demand.Status.DRAFT,
        )
        messages = [m for field_messages in demand_field_errors(demand, today=today).values() for m in field_messages]
        cleaned: list[tuple[Parameter, CleanRequirement]] = []
        try:
            cleaned = requirements_validate(category=category, items=draft.requirements, dictionary=dictionary)
        except ApplicationError as exc:
            messages.append(exc.message)
        if messages:
            errors[index] = messages
        built.append((demand, cleaned))
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, field="drafts", extra={"drafts": errors})
    demands = Demand.objects.bulk_create([demand for demand, _cleaned in built], batch_size=1000)
    # bulk_create sends no signals: the audit history gets one entry per new demand here.
    audit_bulk_created(demands)
    requirements_create_bulk(cleaned_by_demand=built)
    change_record(
        entity=DEMAND_ENTITY,
        ids=[demand.pk for demand in demands],
        category_paths=dict.fromkeys((demand.pk for demand in demands), category.path),
    )
    return demands


@transaction.atomic
def demand_update(
    *,
    demand: Demand,
    user: User,
    requirements: Sequence[RequirementInput] | None = None,
    revision_reason: str = "",
    merge_requirements: bool = False,
    **fields: Any,
) -> Demand:
    """Change a draft (anything) or an open demand (anything but its category).

    ``requirements`` replace the whole set, or with ``merge_requirements`` add to it and change the ones on the
    same parameters (the others stay). New requirements on an open demand make a revision: the current ones are
    kept (see ``demand_revise``).
    """
    _require_member(user, demand)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if demand.status not in (Demand.Status.DRAFT, Demand.Status.OPEN):
        raise ApplicationError(_("Only a draft or open demand can be changed."), field="status")
    is_open = demand.status == Demand.Status.OPEN
    if is_open and "category" in fields and fields["category"].pk != demand.category_id:
        raise ApplicationError(_("The category of an open demand cannot change."), field="category")
    if is_open and "is_sealed" in fields and bool(fields["is_sealed"]) != demand.is_sealed:
        # Unsealing would show quotes sent in confidence; sealing would hide what the buyer already read.
        raise ApplicationError(_("Whether quotes are sealed cannot change once the demand is open."), field="is_sealed")
    category_changed = "category" in fields and fields["category"].pk != demand.category_id
    for name, value in fields.items():
        setattr(demand, name, value)
    if not demand.accepts_imported:
        demand.import_reason = ""
    _check_fields(demand, today=timezone.localdate())
    cleaned = None
    if requirements is not None:
        cleaned = requirements_validate(category=demand.category, items=requirements)
        if merge_requirements:
            cleaned = requirements_merged(demand=demand, cleaned=cleaned)
    if cleaned is not None and is_open:
        _revise(demand, user, cleaned, revision_reason)
    elif cleaned is not None:
        requirements_replace(demand=demand, cleaned=cleaned)
    if category_changed and (requirements is None or merge_requirements):
        # Rows the new category's dictionary does not know cannot stay.
        keys = set(category_dictionary(demand.category))
        demand.requirements.exclude(parameter__key__in=keys).delete()
    demand.save()
    _mark_changed(demand)
    return demand


@transaction.atomic
def demand_shared_check_answer(*, demand: Demand, user: User, answer: str, reason: str = "") -> Demand:
    """Record the duplicate-purchase check; a demand withdrawn for a shared instrument is cancelled."""
    _require_member(user, demand)
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if demand.status != Demand.Status.DRAFT:
        raise ApplicationError(_("The shared-instrument check is answered before the demand opens."), field="status")
    answers = {Demand.SharedCheck.STILL_NEEDED, Demand.SharedCheck.NONE_FOUND, Demand.SharedCheck.WITHDRAWN}
    if answer not in answers:
        raise ApplicationError(_("Choose an answer to the shared-instrument check."), field="answer")
    reason = (reason or "").strip()
    if answer == Demand.SharedCheck.STILL_NEEDED and not reason:
        raise ApplicationError(_("Say why a new purchase is needed although shared instruments exist."), field="reason")
    now = timezone.now()
    demand.shared_check = answer
    demand.shared_check_reason = reason
    demand.shared_check_at = now
    if answer == Demand.SharedCheck.WITHDRAWN:
        demand.status = Demand.Status.CANCELLED
        demand.cancelled_at = now
    demand.save()
    _mark_changed(demand)
    return demand


@transaction.atomic
def demand_open(*, demand: Demand, user: User) -> Demand:
    """Publish a draft: refused until the shared-instrument check is answered, with a future deadline and at
    least one requirement (structured or free text)."""
    _require_member(user, demand)
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if demand.status != Demand.Status.DRAFT:
        raise ApplicationError(_("Only a draft demand can be opened."), field="status")
    if demand.shared_check == Demand.SharedCheck.PENDING:
        raise ApplicationError(
            _(
                "Answer the shared-instrument check before opening: look at the shared instruments listed for this "
                "category and say whether a new purchase is still needed."
            ),
            field="shared_check",
        )
    if demand.deadline < timezone.localdate():
        raise ApplicationError(_("The deadline is in the past."), field="deadline")
    if not demand.requirements.exists() and not demand.free_text_requirements.strip():
        raise ApplicationError(
            _("State at least one requirement (or write the requirements as text) before opening."),
            field="requirements",
        )
    demand.status = Demand.Status.OPEN
    demand.opened_at = timezone.now()
    demand.save(update_fields=["status", "opened_at", "updated_at"])
    _mark_changed(demand)
    return demand


@transaction.atomic
def demand_revise(
    *,
    demand: Demand,
    user: User,
    requirements: Sequence[RequirementInput],
    free_text_requirements: str | None = None,
    reason: str = "",
) -> Demand:
    """Change an open demand's requirements: the current ones are kept as a revision, then replaced."""
    _require_member(user, demand)
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if demand.status != Demand.Status.OPEN:
        raise ApplicationError(_("Only an open demand is revised; edit a draft directly."), field="status")
    cleaned = requirements_validate(category=demand.category, items=requirements)
    previous_text = demand.free_text_requirements
    if free_text_requirements is not None:
        demand.free_text_requirements = free_text_requirements
    _revise(demand, user, cleaned, reason, previous_text=previous_text)
    demand.save(update_fields=["revision", "free_text_requirements", "updated_at"])
    _mark_changed(demand)
    return demand


def _revise(
    demand: Demand,
    user: User,
    cleaned: list[tuple[Parameter, CleanRequirement]],
    reason: str,
    *,
    previous_text: str | None = None,
) -> None:
    """Keep the current requirements as a revision, then replace them (caller holds the row lock and saves)."""
    DemandRevision.objects.create(
        demand=demand,
        number=demand.revision,
        snapshot={
            "requirements": requirements_snapshot(demand=demand),
            "free_text_requirements": demand.free_text_requirements if previous_text is None else previous_text,
        },
        reason=(reason or "").strip(),
        created_by=user,
    )
    requirements_replace(demand=demand, cleaned=cleaned)
    demand.revision += 1


def _transition(demand: Demand, user: User, *, allowed: Sequence[str], status: str, stamp: str) -> Demand:
    _require_member(user, demand)
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if demand.status not in allowed:
        raise ApplicationError(
            _("A demand that is %(status)s cannot become %(target)s.")
            % {"status": demand.get_status_display(), "target": Demand.Status(status).label},
            field="status",
        )
    demand.status = status
    setattr(demand, stamp, timezone.now())
    demand.save(update_fields=["status", stamp, "updated_at"])
    _mark_changed(demand)
    return demand


@transaction.atomic
def demand_cancel(*, demand: Demand, user: User) -> Demand:
    """Withdraw a draft or open demand."""
    return _transition(
        demand,
        user,
        allowed=(Demand.Status.DRAFT, Demand.Status.OPEN),
        status=Demand.Status.CANCELLED,
        stamp="cancelled_at",
    )


@transaction.atomic
def demand_close(*, demand: Demand, user: User) -> Demand:
    """Stop taking offers on an open demand without awarding it."""
    return _transition(demand, user, allowed=(Demand.Status.OPEN,), status=Demand.Status.CLOSED, stamp="closed_at")


def _overdue_q(today: datetime.date) -> Q:
    """Past the deadline with no quote to weigh, or past the award period that follows the deadline."""
    award_period = datetime.timedelta(days=settings.PROCUREMENT_AWARD_PERIOD_DAYS)
    has_quotes = Exists(Quote.objects.filter(demand=OuterRef("pk"), status=Quote.Status.SUBMITTED))
    return Q(deadline__lt=today - award_period) | (Q(deadline__lt=today) & ~Q(has_quotes))


@dataclass(frozen=True)
class ExpiryResult:
    expired_ids: list[int]


def demand_expire_overdue(*, today: datetime.date | None = None) -> ExpiryResult:
    """Expire open demands whose deadline has passed and tell whoever posted them. Safe to run again."""
    today = today or timezone.localdate()
    expired: list[int] = []
    overdue = _overdue_q(today)
    candidate_ids = list(
        Demand.objects.filter(overdue, status=Demand.Status.OPEN).order_by("id").values_list("id", flat=True)
    )
    for demand_id in candidate_ids:
        with transaction.atomic():
            # Compare-and-set: a concurrent run or a buyer's close/award wins, and nothing is expired twice.
            changed = Demand.objects.filter(overdue, pk=demand_id, status=Demand.Status.OPEN).update(
                status=Demand.Status.EXPIRED, expired_at=timezone.now(), updated_at=timezone.now()
            )
            if not changed:
                continue
            demand = Demand.objects.select_related("posted_by", "category").get(pk=demand_id)
            _mark_changed(demand, fields=["status"])
            _notify_expired(demand)
            expired.append(demand_id)
    return ExpiryResult(expired_ids=expired)


def _notify_expired(demand: Demand) -> None:
    notify(
        users=[demand.posted_by],
        kind=notices.DEMAND_EXPIRED,
        params={"title": demand.title, "deadline": demand.deadline.isoformat()},
        url=reverse("procurement:demand-detail", args=[demand.pk]),
        key=f"demand-expired:{demand.pk}",
    )
