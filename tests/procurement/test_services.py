import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from changes.consume import changes_consume
from changes.models import ChangeDelivery
from config.exceptions import ApplicationError
from matching.models import MatchRun
from notifications.models import Notification
from procurement import services
from procurement.models import Demand, DemandRevision, SharedInstrument
from procurement.requirement_rules import RequirementInput
from procurement.tasks import expire_demands
from tests.factories import (
    DemandFactory,
    RequirementFactory,
    province,
)
from tests.procurement.factories import draft_demand, in_days, make_dictionary

pytestmark = pytest.mark.django_db


def pending(consumer: str, demand: Demand) -> list[int]:
    """The changes of ``demand`` waiting in the outbox for ``consumer``."""
    return list(
        ChangeDelivery.objects.filter(
            consumer=consumer, done_at__isnull=True, change__entity="demand", change__object_id=demand.pk
        ).values_list("change__object_id", flat=True)
    )


@pytest.fixture
def dictionary():
    return make_dictionary()


def create(researcher, institution, dictionary, **overrides):
    fields = {
        "user": researcher,
        "institution": institution,
        "title": "高效液相色谱仪",
        "category": dictionary.leaf,
        "deadline": in_days(30),
        "delivery_province": province("110000"),
        "budget": Decimal("450000"),
        "requirements": [RequirementInput("max_pressure", ">=", value=600, unit="bar")],
    }
    fields.update(overrides)
    return services.demand_create(**fields)


# --- create and update ------------------------------------------------------------------------------------------


def test_demand_create_saves_a_draft_with_canonical_requirements(researcher, institution, dictionary):
    demand = create(researcher, institution, dictionary, accepts_imported=True, import_reason="Compatibility")
    assert demand.status == Demand.Status.DRAFT
    assert demand.posted_by == researcher
    requirement = demand.requirements.get()
    assert requirement.value == pytest.approx(60.0)
    assert demand.import_reason == "Compatibility"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"deadline": in_days(-1)}, "deadline"),
        ({"deadline": in_days(5000)}, "deadline"),
        ({"budget": Decimal("-5")}, "budget"),
        ({"budget": Decimal("0")}, "budget"),
        ({"budget": Decimal("5000000000")}, "budget"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 100000}, "quantity"),
        ({"title": "  "}, "title"),
        ({"accepts_imported": True, "import_reason": ""}, "import_reason"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"requirements": [RequirementInput("unknown_key", ">=", value=1)]}, "requirements.0.parameter"),
    ],
)
def test_demand_create_refuses_bad_input_and_saves_nothing(researcher, institution, dictionary, overrides, field):
    with pytest.raises(ApplicationError) as excinfo:
        create(researcher, institution, dictionary, **overrides)
    assert excinfo.value.field == field
    assert not Demand.objects.exists()


def test_demand_create_refuses_a_non_member(user, institution, dictionary):
    with pytest.raises(PermissionDenied):
        create(user, institution, dictionary)


def test_demand_update_replaces_draft_requirements(researcher, institution, dictionary):
    demand = create(researcher, institution, dictionary)
    services.demand_update(
        demand=demand,
        user=researcher,
        title="新标题",
        requirements=[RequirementInput("detector", "in", choices=["UV", "DAD"])],
    )
    demand.refresh_from_db()
    assert demand.title == "新标题"
    assert [r.parameter.key for r in demand.requirements.all()] == ["detector"]


def test_changing_the_category_of_a_draft_drops_requirements_the_new_dictionary_lacks(
    researcher, institution, dictionary
):
    demand = create(
        researcher,
        institution,
        dictionary,
        requirements=[
            RequirementInput("max_pressure", ">=", value=40),
            RequirementInput("wavelength_max", ">=", value=800),
        ],
    )
    services.demand_update(demand=demand, user=researcher, category=dictionary.root)
    assert [r.parameter.key for r in demand.requirements.all()] == ["wavelength_max"]


def test_new_requirements_on_an_open_demand_make_a_revision(researcher, institution, dictionary):
    demand = DemandFactory(institution=institution, category=dictionary.leaf)
    RequirementFactory(demand=demand, parameter=dictionary.pressure, value=40)
    services.demand_update(
        demand=demand,
        user=researcher,
        title="改了标题",
        requirements=[RequirementInput("max_pressure", ">=", value=45)],
        revision_reason="Stricter",
    )
    demand.refresh_from_db()
    assert (demand.title, demand.revision) == ("改了标题", 1)
    assert demand.revisions.get().snapshot["requirements"][0]["value"] == 40
    assert demand.requirements.get().value == 45


def test_the_category_of_an_open_demand_cannot_change(researcher, institution, dictionary):
    demand = DemandFactory(institution=institution, category=dictionary.leaf)
    with pytest.raises(ApplicationError) as excinfo:
        services.demand_update(demand=demand, user=researcher, category=dictionary.root)
    assert excinfo.value.field == "category"


# --- shared-instrument check and opening ------------------------------------------------------------------------


def test_opening_is_refused_until_the_shared_instrument_check_is_answered(researcher, institution, dictionary):
    demand = create(researcher, institution, dictionary)
    with pytest.raises(ApplicationError) as excinfo:
        services.demand_open(demand=demand, user=researcher)
    assert excinfo.value.field == "shared_check"
    assert "shared-instrument check" in excinfo.value.message
    demand.refresh_from_db()
    assert demand.status == Demand.Status.DRAFT


def test_answered_check_lets_the_demand_open_and_it_is_matched(researcher, institution, dictionary):
    demand = create(researcher, institution, dictionary)
    services.demand_shared_check_answer(
        demand=demand, user=researcher, answer=Demand.SharedCheck.STILL_NEEDED, reason="Ours is booked out"
    )
    demand = services.demand_open(demand=demand, user=researcher)
    assert demand.status == Demand.Status.OPEN
    assert demand.opened_at is not None
    assert demand.shared_check_reason == "Ours is booked out"
    # the changes wait in the outbox (on commit they are taken); matching takes them in one batch
    assert demand.pk in pending("search", demand)
    changes_consume(consumer_name="matching")
    assert MatchRun.objects.filter(kind=MatchRun.Kind.DEMAND, demand=demand).count() == 1


def test_still_needed_requires_a_reason(researcher, institution, dictionary):
    demand = create(researcher, institution, dictionary)
    with pytest.raises(ApplicationError) as excinfo:
        services.demand_shared_check_answer(demand=demand, user=researcher, answer=Demand.SharedCheck.STILL_NEEDED)
    assert excinfo.value.field == "reason"


def test_withdrawing_at_the_check_cancels_the_demand(researcher, institution, dictionary):
    demand = create(researcher, institution, dictionary)
    demand = services.demand_shared_check_answer(demand=demand, user=researcher, answer=Demand.SharedCheck.WITHDRAWN)
    assert demand.status == Demand.Status.CANCELLED
    assert demand.cancelled_at is not None


def test_opening_refuses_a_past_deadline_and_an_empty_demand(researcher, institution, dictionary):
    past = draft_demand(
        institution=institution, category=dictionary.leaf, shared_check="none_found", deadline=in_days(-1)
    )
    RequirementFactory(demand=past, parameter=dictionary.pressure)
    empty = draft_demand(institution=institution, category=dictionary.leaf, shared_check="none_found")
    with pytest.raises(ApplicationError) as past_error:
        services.demand_open(demand=past, user=researcher)
    with pytest.raises(ApplicationError) as empty_error:
        services.demand_open(demand=empty, user=researcher)
    assert past_error.value.field == "deadline"
    assert empty_error.value.field == "requirements"


def test_free_text_requirements_are_enough_to_open(researcher, institution, dictionary):
    demand = create(researcher, institution, dictionary, requirements=[], free_text_requirements="需配备氘灯")
    services.demand_shared_check_answer(demand=demand, user=researcher, answer=Demand.SharedCheck.NONE_FOUND)
    assert services.demand_open(demand=demand, user=researcher).status == Demand.Status.OPEN


def test_other_institutions_members_cannot_open_cancel_or_check(user, dictionary):
    demand = draft_demand(category=dictionary.leaf)
    for call in (
        lambda: services.demand_open(demand=demand, user=user),
        lambda: services.demand_cancel(demand=demand, user=user),
        lambda: services.demand_shared_check_answer(demand=demand, user=user, answer="none_found"),
    ):
        with pytest.raises(PermissionDenied):
            call()


# --- cancel, close, award ----------------------------------------------------------------------------------------


def test_cancel_and_close_follow_the_lifecycle(researcher, institution, dictionary):
    open_demand = DemandFactory(institution=institution, category=dictionary.leaf)
    other = DemandFactory(institution=institution, category=dictionary.leaf)
    assert services.demand_close(demand=open_demand, user=researcher).status == Demand.Status.CLOSED
    assert services.demand_cancel(demand=other, user=researcher).status == Demand.Status.CANCELLED
    with pytest.raises(ApplicationError):
        services.demand_close(demand=other, user=researcher)
    with pytest.raises(ApplicationError):
        services.demand_cancel(demand=open_demand, user=researcher)


# --- revisions -------------------------------------------------------------------------------------------------


def test_revising_an_open_demand_keeps_the_old_requirements(researcher, institution, dictionary):
    demand = DemandFactory(institution=institution, category=dictionary.leaf)
    RequirementFactory(demand=demand, parameter=dictionary.pressure, value=40, entered_value="40", unit="MPa")

    services.demand_revise(
        demand=demand,
        user=researcher,
        requirements=[RequirementInput("max_pressure", ">=", value=50)],
        reason="Higher pressure columns",
    )
    services.demand_revise(
        demand=demand, user=researcher, requirements=[RequirementInput("max_pressure", ">=", value=60)]
    )

    demand.refresh_from_db()
    assert demand.revision == 2
    assert demand.requirements.get().value == 60
    revisions = list(DemandRevision.objects.filter(demand=demand).order_by("number"))
    assert [r.number for r in revisions] == [0, 1]
    assert revisions[0].snapshot["requirements"][0]["value"] == 40
    assert revisions[0].reason == "Higher pressure columns"
    assert revisions[1].snapshot["requirements"][0]["value"] == 50
    assert pending("matching", demand) == [demand.pk, demand.pk]


def test_a_bad_revision_changes_nothing(researcher, institution, dictionary):
    demand = DemandFactory(institution=institution, category=dictionary.leaf)
    RequirementFactory(demand=demand, parameter=dictionary.pressure, value=40)
    with pytest.raises(ApplicationError):
        services.demand_revise(
            demand=demand, user=researcher, requirements=[RequirementInput("max_pressure", ">=", value=900)]
        )
    demand.refresh_from_db()
    assert demand.revision == 0
    assert not DemandRevision.objects.exists()
    assert demand.requirements.get().value == 40


def test_drafts_are_not_revised(researcher, institution, dictionary):
    demand = draft_demand(institution=institution, category=dictionary.leaf)
    with pytest.raises(ApplicationError):
        services.demand_revise(demand=demand, user=researcher, requirements=[])


# --- expiry ----------------------------------------------------------------------------------------------------


def test_expiry_task_expires_overdue_open_demands_and_tells_the_owner_once(institution, dictionary):
    overdue = DemandFactory(institution=institution, deadline=in_days(-1))
    due_today = DemandFactory(institution=institution, deadline=in_days(0))
    draft = draft_demand(institution=institution, deadline=in_days(-3))

    assert expire_demands() == 1
    assert expire_demands() == 0

    overdue.refresh_from_db()
    due_today.refresh_from_db()
    draft.refresh_from_db()
    assert overdue.status == Demand.Status.EXPIRED
    assert overdue.expired_at is not None
    assert due_today.status == Demand.Status.OPEN
    assert draft.status == Demand.Status.DRAFT
    notifications = Notification.objects.filter(kind="demand_expired")
    assert [(n.user_id, n.dedupe_key) for n in notifications] == [
        (overdue.posted_by_id, f"demand-expired:{overdue.pk}")
    ]


def test_expiry_does_not_touch_a_demand_closed_meanwhile(institution):
    demand = DemandFactory(institution=institution, deadline=in_days(-1), status=Demand.Status.CLOSED)
    assert services.demand_expire_overdue().expired_ids == []
    demand.refresh_from_db()
    assert demand.status == Demand.Status.CLOSED


def test_expiry_uses_the_given_day(institution):
    deadline = in_days(3)
    demand = DemandFactory(institution=institution, deadline=deadline)
    result = services.demand_expire_overdue(today=deadline + datetime.timedelta(days=1))
    assert result.expired_ids == [demand.pk]


# --- shared instruments ------------------------------------------------------------------------------------------


def test_shared_instrument_crud_is_for_members_only(researcher, institution, user, dictionary):
    instrument = services.shared_instrument_create(
        user=researcher, institution=institution, category=dictionary.leaf, name="液相色谱仪", province=province()
    )
    services.shared_instrument_update(instrument=instrument, user=researcher, location="化学楼 101")
    instrument.refresh_from_db()
    assert instrument.location == "化学楼 101"
    with pytest.raises(PermissionDenied):
        services.shared_instrument_update(instrument=instrument, user=user, location="elsewhere")
    with pytest.raises(PermissionDenied):
        services.shared_instrument_create(
            user=user, institution=institution, category=dictionary.leaf, name="x", province=province()
        )
    services.shared_instrument_delete(instrument=instrument, user=researcher)
    assert not SharedInstrument.objects.exists()


def test_csv_import_saves_every_row_when_all_are_good(researcher, institution, dictionary):
    content = (
        "name,category,model,manufacturer,location,province,booking_contact,open_to_external\n"
        f"液相色谱仪,{dictionary.leaf.code},LC-20,岛津,化学楼101,110000,lab@example.org,yes\n"
        f"紫外分光光度计,{dictionary.root.code},UV-2600,岛津,化学楼102,北京市,,否\n"
    ).encode()
    report = services.shared_instrument_import(user=researcher, institution=institution, filename="s.csv", data=content)
    assert report.ok and report.written
    assert (report.total_rows, report.created) == (2, 2)
    assert list(SharedInstrument.objects.order_by("id").values_list("name", "is_open_to_external")) == [
        ("液相色谱仪", True),
        ("紫外分光光度计", False),
    ]


def test_an_empty_or_missing_open_to_external_cell_means_not_open(researcher, institution, dictionary):
    # given one file with the column left blank and one without the column at all
    blank = f"name,category,province,open_to_external\nA,{dictionary.leaf.code},110000,\n".encode()
    absent = f"name,category,province\nB,{dictionary.leaf.code},110000\n".encode()
    for data in (blank, absent):
        services.shared_instrument_import(user=researcher, institution=institution, filename="s.csv", data=data)
    # then neither instrument is open to outside users
    assert list(SharedInstrument.objects.order_by("name").values_list("name", "is_open_to_external")) == [
        ("A", False),
        ("B", False),
    ]


def test_xlsx_import_reads_the_same_columns(researcher, institution, dictionary):
    from catalog.tabular import xlsx_bytes

    data = xlsx_bytes(
        [("sheet", [["名称", "类别", "省份", "对外开放"], ["质谱仪", dictionary.leaf.code, "110000", "开放"]])]
    )
    report = services.shared_instrument_import(user=researcher, institution=institution, filename="s.xlsx", data=data)
    assert report.created == 1
    assert SharedInstrument.objects.get().is_open_to_external is True


def test_csv_import_reports_bad_rows_and_saves_nothing(researcher, institution, dictionary):
    content = (
        "名称,类别,省份,对外开放,预约链接\n"
        f"好的一行,{dictionary.leaf.code},110000,是,\n"
        "坏类别,NOPE,110000,是,\n"
        f"坏省份,{dictionary.leaf.code},999999,maybe,\n"
        f"坏链接,{dictionary.leaf.code},110000,是,not a url\n"
    ).encode()
    report = services.shared_instrument_import(user=researcher, institution=institution, filename="s.csv", data=content)
    assert not report.ok and not report.written
    assert {(e.row, e.column) for e in report.errors} == {
        (3, "category"),
        (4, "province"),
        (4, "is_open_to_external"),
        (5, "booking_url"),
    }
    assert not SharedInstrument.objects.exists()


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("s.csv", b"name\nx\n", "category"),
        ("s.csv", b"name,category,province,name\nx,y,z,w\n", "more than once"),
        ("s.txt", b"name,category,province\n", "CSV or XLSX"),
        ("s.csv", b"name,category,province\n", "no rows"),
        ("s.csv", b"", "empty"),
    ],
)
def test_import_refuses_a_bad_file_as_a_whole(researcher, institution, filename, data, message):
    with pytest.raises(ApplicationError, match=message) as excinfo:
        services.shared_instrument_import(user=researcher, institution=institution, filename=filename, data=data)
    assert excinfo.value.field == "file"


def test_import_refuses_more_rows_than_the_limit(researcher, institution, dictionary, monkeypatch):
    monkeypatch.setattr("procurement.services.shared_instruments.MAX_IMPORT_ROWS", 2)
    data = ("name,category,province\n" + f"A,{dictionary.leaf.code},110000\n" * 3).encode()
    with pytest.raises(ApplicationError, match="more than 2 rows"):
        services.shared_instrument_import(user=researcher, institution=institution, filename="s.csv", data=data)


def test_csv_import_is_for_members_only(user, institution):
    with pytest.raises(PermissionDenied):
        services.shared_instrument_import(user=user, institution=institution, filename="s.csv", data=b"")


def test_expiry_notice_is_in_the_owners_language(institution):
    from tests.factories import UserFactory

    owner = UserFactory(preferred_language="zh-hans")
    demand = DemandFactory(institution=institution, posted_by=owner, deadline=in_days(-1), title="质谱仪")
    services.demand_expire_overdue()
    notification = Notification.objects.get(user=owner)
    assert notification.title == "您的需求“质谱仪”已过期"
    assert notification.url == f"/demands/{demand.pk}/"


def test_every_demand_write_marks_it_for_indexing(researcher, institution, dictionary):
    def marks(demand):
        return len(pending("search", demand))

    demand = create(researcher, institution, dictionary)
    seen = [marks(demand)]
    services.demand_update(demand=demand, user=researcher, title="Updated")
    seen.append(marks(demand))
    services.demand_shared_check_answer(demand=demand, user=researcher, answer=Demand.SharedCheck.NONE_FOUND)
    seen.append(marks(demand))
    services.demand_open(demand=demand, user=researcher)
    seen.append(marks(demand))
    services.demand_revise(
        demand=demand, user=researcher, requirements=[RequirementInput("max_pressure", "<=", value=9)]
    )
    seen.append(marks(demand))
    services.demand_close(demand=demand, user=researcher)
    seen.append(marks(demand))
    assert seen == sorted(seen)
    assert len(set(seen)) == len(seen)
    assert seen[0] >= 1
