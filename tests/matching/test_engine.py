"""The engine through its services: candidates, near misses, incremental runs, idempotency, the full-run lock."""

from __future__ import annotations

import pytest
from django.core import mail

from catalog.models import Product
from changes.services import change_record
from config.exceptions import ApplicationError
from matching import runs, selectors, services, tasks
from matching.models import DemandMatchSummary, Match, MatchRun, MatchRunChunk
from notifications.models import Notification, NotificationEvent
from procurement.models import Demand, Requirement
from tests.factories import DemandFactory, ProductFactory, RequirementFactory, SpecificationFactory

pytestmark = pytest.mark.django_db


def explained(match):
    return selectors.expand_results(match.results, selectors.requirement_info(demand_ids=[match.demand_id]))


def pairs(demand):
    return list(
        Match.objects.filter(demand=demand)
        .order_by("is_near_miss", "rank")
        .values_list("product_id", "is_near_miss", "rank", "score")
    )


def test_demand_run_keeps_domestic_published_matches_and_near_misses(scene):
    # when the demand is matched
    run = services.match_run_demand(demand_id=scene.demand.pk)
    # then the two domestic products meeting 400 bar match, the stronger first; the imported one never appears
    assert run.status == MatchRun.Status.SUCCEEDED
    matches = Match.objects.filter(demand=scene.demand, is_near_miss=False).order_by("rank")
    assert [m.product_id for m in matches] == [scene.strong.pk, scene.middling.pk]
    assert not Match.objects.filter(product=scene.imported).exists()
    assert set(matches[0].components) == {"preferred", "price", "text", "evaluations", "province", "lead_time"}
    # and the weak product is a near miss short by 100 bar (the buyer's unit)
    near = Match.objects.get(demand=scene.demand, is_near_miss=True)
    assert near.product_id == scene.weak.pk
    pressure = next(r for r in explained(near) if r["key"] == "max_pressure")
    assert pressure["status"] == "fail"
    assert pressure["unit"] == "bar"
    assert pressure["gap"] == pytest.approx(100.0)
    summary = DemandMatchSummary.objects.get(demand=scene.demand)
    assert summary.matches_count == 2
    assert summary.requirement_gaps[0]["met"] is True


def test_unpublished_and_withdrawn_products_never_match(scene):
    Product.objects.filter(pk=scene.strong.pk).update(status=Product.Status.WITHDRAWN)
    Product.objects.filter(pk=scene.middling.pk).update(status=Product.Status.DRAFT)
    services.match_run_demand(demand_id=scene.demand.pk)
    assert not Match.objects.filter(demand=scene.demand, is_near_miss=False).exists()
    summary = DemandMatchSummary.objects.get(demand=scene.demand)
    # the only candidate left falls 10 MPa short: that is the demand's gap
    assert summary.requirement_gaps[0]["best_gap"] == pytest.approx(10.0)


def test_products_outside_the_category_subtree_are_not_candidates(scene):
    other = ProductFactory(name_en="HPLC elsewhere")
    SpecificationFactory(product=other, parameter=scene.pressure, value=500.0)
    services.match_run_demand(demand_id=scene.demand.pk)
    assert not Match.objects.filter(product=other).exists()


def test_revising_a_demand_rematches_it_on_commit(scene, django_capture_on_commit_callbacks):
    services.match_run_demand(demand_id=scene.demand.pk)
    # when the demand is revised to require 90 MPa and the change is recorded in the outbox
    with django_capture_on_commit_callbacks(execute=True):
        Requirement.objects.filter(demand=scene.demand, parameter=scene.pressure).update(value=90.0, unit="MPa")
        change_record(entity="demand", ids=[scene.demand.pk])
    # then only the strong product still matches, the middling one became a near miss short by 30 MPa
    assert [p for p, near, *_ in pairs(scene.demand) if not near] == [scene.strong.pk]
    near = Match.objects.get(demand=scene.demand, product=scene.middling)
    assert near.is_near_miss
    assert next(r for r in explained(near) if r["key"] == "max_pressure")["gap"] == pytest.approx(30.0)
    assert MatchRun.objects.filter(kind=MatchRun.Kind.DEMAND, trigger=MatchRun.Trigger.DEMAND_CHANGED).count() == 2


def test_changing_a_product_reranks_the_demands_of_its_ancestor_categories(scene, django_capture_on_commit_callbacks):
    services.match_run_demand(demand_id=scene.demand.pk)
    leaf_demand = DemandFactory(category=scene.leaf)
    RequirementFactory(demand=leaf_demand, parameter=scene.pressure, operator=">=", value=20.0)
    # when the weak product is upgraded to 200 MPa
    with django_capture_on_commit_callbacks(execute=True):
        scene.weak.specifications.filter(parameter=scene.pressure).update(value=200.0)
        change_record(entity="product", ids=[scene.weak.pk])
    # then it matches the demand of the parent category and the leaf demand
    assert Match.objects.get(demand=scene.demand, product=scene.weak).is_near_miss is False
    assert Match.objects.filter(demand=leaf_demand, product=scene.weak, is_near_miss=False).exists()
    run = MatchRun.objects.get(kind=MatchRun.Kind.CATEGORY)
    assert run.category_id == scene.weak.category_id
    assert run.demands_count == 2


def test_withdrawing_a_product_removes_its_matches(scene, django_capture_on_commit_callbacks):
    services.match_run_demand(demand_id=scene.demand.pk)
    with django_capture_on_commit_callbacks(execute=True):
        Product.objects.filter(pk=scene.strong.pk).update(status=Product.Status.WITHDRAWN)
        change_record(entity="product", ids=[scene.strong.pk])
    assert not Match.objects.filter(product=scene.strong).exists()
    assert Match.objects.get(demand=scene.demand, is_near_miss=False).product_id == scene.middling.pk


def test_closed_demand_is_skipped_and_keeps_its_matches(scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    Demand.objects.filter(pk=scene.demand.pk).update(status=Demand.Status.CLOSED)
    run = services.match_run_demand(demand_id=scene.demand.pk)
    assert run.status == MatchRun.Status.SKIPPED
    assert Match.objects.filter(demand=scene.demand).count() == 3


def test_full_run_twice_gives_the_same_rows_and_no_duplicate_notifications(scene, django_capture_on_commit_callbacks):
    # when two full runs follow each other
    with django_capture_on_commit_callbacks(execute=True):
        first = services.match_run_full_inline()
    after_first = pairs(scene.demand)
    notes_first = Notification.objects.count()
    emails_first = len(mail.outbox)
    assert emails_first == 2
    with django_capture_on_commit_callbacks(execute=True):
        second = services.match_run_full_inline()
    # then both succeed with the same matches, and nobody is told twice
    assert first.status == second.status == MatchRun.Status.SUCCEEDED
    assert pairs(scene.demand) == after_first
    # only the strong product scores above the threshold (the middling one misses the preferred flow)
    assert notes_first == 2
    assert Notification.objects.count() == notes_first
    assert len(mail.outbox) == emails_first
    assert set(NotificationEvent.objects.filter(user=scene.institution_member).values_list("key", flat=True)) == {
        f"match:{scene.demand.pk}:{scene.strong.pk}:demand",
    }
    assert Notification.objects.filter(user=scene.maker_member, kind="new_demand").count() == 1
    assert second.notifications_count == 0


def test_email_respects_the_users_choice(scene, django_capture_on_commit_callbacks):
    scene.maker_member.email_notifications = False
    scene.maker_member.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_full_inline()
    recipients = {address for message in mail.outbox for address in message.to}
    assert scene.institution_member.email in recipients
    assert scene.maker_member.email not in recipients
    assert Notification.objects.filter(user=scene.maker_member).exists()


def test_redelivered_chunk_changes_nothing(scene):
    plan = services.match_run_start_full(dispatch=False)
    services.match_run_execute_chunk(run_id=plan.run.pk, number=1)
    before = list(Match.objects.order_by("pk").values_list("pk", "demand_id", "product_id", "rank", "score"))
    # when the broker delivers the same chunk task again
    tasks.match_chunk(plan.run.pk, 1)
    # then the rows are untouched (not even rewritten) and the run counted the chunk once
    assert list(Match.objects.order_by("pk").values_list("pk", "demand_id", "product_id", "rank", "score")) == before
    run = MatchRun.objects.get(pk=plan.run.pk)
    assert run.chunks_done == 1
    assert run.status == MatchRun.Status.SUCCEEDED
    assert MatchRunChunk.objects.get(run=run, number=1).done_at is not None


def test_only_one_full_run_at_a_time(scene):
    plan = services.match_run_start_full(dispatch=False)
    with pytest.raises(ApplicationError, match="already running"):
        services.match_run_start_full(dispatch=False)
    # the scheduled task is refused quietly while the run goes on
    assert tasks.full_run() is None
    services.match_run_execute_chunk(run_id=plan.run.pk, number=1)
    assert services.match_run_start_full(dispatch=False).run.pk != plan.run.pk


def test_full_run_task_dispatches_chunks_which_run_eagerly(scene, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_id = tasks.full_run()
    run = MatchRun.objects.get(pk=run_id)
    assert run.trigger == MatchRun.Trigger.SCHEDULE
    assert run.status == MatchRun.Status.SUCCEEDED
    assert run.demands_count == 1
    assert Match.objects.filter(demand=scene.demand, is_near_miss=False).count() == 2
    # the pools the chunks read are shared for the incremental runs of the day
    from django.core.cache import cache

    from matching import pools

    assert cache.get(pools._shared_key(scene.root.pk)) is not None


def test_full_run_groups_chunks_by_category(scene, monkeypatch):
    monkeypatch.setattr(runs, "CHUNK_SIZE", 2)
    for _ in range(3):
        DemandFactory(category=scene.leaf)
    plan = services.match_run_start_full(dispatch=False)
    chunks = list(MatchRunChunk.objects.filter(run=plan.run).order_by("number"))
    assert [len(c.demand_ids) for c in chunks] == [1, 2, 1]
    assert all(len({d.category_id for d in Demand.objects.filter(pk__in=c.demand_ids)}) == 1 for c in chunks)


def test_failed_chunk_marks_the_run_failed(scene, monkeypatch):
    from matching import engine

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine, "match_demand_ids", boom)
    plan = services.match_run_start_full(dispatch=False)
    with pytest.raises(RuntimeError):
        services.match_run_execute_chunk(run_id=plan.run.pk, number=1)
    run = MatchRun.objects.get(pk=plan.run.pk)
    assert run.status == MatchRun.Status.FAILED
    assert "disk full" in run.error


def test_run_matching_command(scene, capsys):
    from django.core.management import call_command

    call_command("run_matching", "--no-progress")
    call_command("run_matching", "--demand", str(scene.demand.pk))
    out = capsys.readouterr().out
    assert "succeeded" in out
    assert MatchRun.objects.filter(trigger=MatchRun.Trigger.COMMAND).count() == 2


def test_lost_connection_leaves_the_chunk_for_the_retry(scene, monkeypatch):
    from django.db import OperationalError

    from matching import engine

    real = engine.match_demand_ids

    def flaky(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    plan = services.match_run_start_full(dispatch=False)
    monkeypatch.setattr(engine, "match_demand_ids", flaky)
    with pytest.raises(OperationalError):
        services.match_run_execute_chunk(run_id=plan.run.pk, number=1)
    assert MatchRun.objects.get(pk=plan.run.pk).status == MatchRun.Status.RUNNING
    # the retry finds the chunk still to do and completes the run
    monkeypatch.setattr(engine, "match_demand_ids", real)
    services.match_run_execute_chunk(run_id=plan.run.pk, number=1)
    assert MatchRun.objects.get(pk=plan.run.pk).status == MatchRun.Status.SUCCEEDED
    assert Match.objects.filter(demand=scene.demand, is_near_miss=False).count() == 2


def test_demand_runs_reuse_pools_and_see_product_changes(scene, monkeypatch, django_capture_on_commit_callbacks):
    from matching import pools

    # the first run shares its pool once it has committed, in the background
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_demand(demand_id=scene.demand.pk)
    pools.pool_shares_wait()
    loads = []
    real_read = pools._read_candidates

    def counting_read(category_ids):
        loads.append(category_ids)
        return real_read(category_ids)

    # every read of a pool from the catalog (PostgreSQL) goes through the candidates' read
    monkeypatch.setattr(pools, "_read_candidates", counting_read)
    # another worker (an empty process cache) takes the pool from the shared cache instead of the catalog
    pools._POOLS.clear()
    services.match_run_demand(demand_id=scene.demand.pk)
    assert loads == []
    # a product change makes every copy stale: the next run reads the catalog and sees the change
    with django_capture_on_commit_callbacks(execute=True):
        scene.weak.specifications.filter(parameter=scene.pressure).update(value=200.0)
        change_record(entity="product", ids=[scene.weak.pk])
    assert loads
    services.match_run_demand(demand_id=scene.demand.pk)
    assert Match.objects.get(demand=scene.demand, product=scene.weak).is_near_miss is False


def test_candidate_pool_survives_the_shared_cache_as_plain_data(scene):
    from matching import pools
    from matching.vector import CandidatePool, StackedProducts

    pool = pools.load_pool(category_id=scene.root.pk)
    # what the shared cache holds is bytes and text only, never a pickled object
    plain = pool.stacked.to_plain()
    assert {type(value) for value in plain.values()} <= {bytes, str}
    copy = CandidatePool.from_stacked(StackedProducts.from_plain(plain))
    row = runs.engine.demand_facts([scene.demand.pk])[scene.demand.pk]
    weights = runs.engine.weights()
    original = pool.shortlist(row.facts, weights=weights, top_n=5, near_miss_n=5)
    restored = copy.shortlist(row.facts, weights=weights, top_n=5, near_miss_n=5)
    assert [p.product_id for p in restored.matches] == [p.product_id for p in original.matches]
    assert [p.results for p in restored.near_misses] == [p.results for p in original.near_misses]
    assert copy.score_pairs(row.facts, weights=weights) == pool.score_pairs(row.facts, weights=weights)


def test_nightly_run_forgets_old_incremental_runs(scene):
    from datetime import timedelta

    from django.utils import timezone

    old = services.match_run_demand(demand_id=scene.demand.pk)
    recent = services.match_run_demand(demand_id=scene.demand.pk)
    full = services.match_run_full_inline()
    MatchRun.objects.filter(pk__in=[old.pk, full.pk]).update(created_at=timezone.now() - timedelta(days=40))
    tasks.full_run()
    assert set(MatchRun.objects.filter(pk__in=[old.pk, recent.pk, full.pk]).values_list("pk", flat=True)) == {
        recent.pk,
        full.pk,
    }


def test_portable_write_path_used_on_the_embedded_database(scene, monkeypatch):
    # The embedded platform runs on SQLite: the engine then writes with the ORM instead of COPY.
    from django.db import connection

    services.match_run_demand(demand_id=scene.demand.pk)
    expected = pairs(scene.demand)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    services.match_run_demand(demand_id=scene.demand.pk)
    assert pairs(scene.demand) == expected


def test_a_requirement_choice_written_in_another_case_matches_the_products_choice(scene):
    from catalog.models import Parameter
    from catalog.services import product_specifications_set
    from procurement.requirement_rules import RequirementInput
    from procurement.services import demand_update
    from tests.factories import ParameterFactory

    # given a choice parameter, and the strong product stating "DAD" through the product service
    detector = ParameterFactory(
        category=scene.root,
        key="detector",
        unit="",
        value_type=Parameter.ValueType.CHOICE,
        better=Parameter.Better.NONE,
        choices=["UV", "DAD"],
        min_value=None,
        max_value=None,
    )
    product_specifications_set(
        product=scene.strong, user=scene.maker_member, specifications=[{"parameter": "detector", "choice": "DAD"}]
    )
    # when the buyer requires "dad" (another case) through the demand service and the demand is matched
    demand_update(
        demand=scene.demand,
        user=scene.institution_member,
        requirements=[
            RequirementInput("max_pressure", ">=", value=400, unit="bar"),
            RequirementInput("detector", "in", choices=[" dad "]),
        ],
    )
    services.match_run_demand(demand_id=scene.demand.pk)
    # then the requirement is stored in the dictionary's spelling and the product passes it
    assert Requirement.objects.get(demand=scene.demand, parameter=detector).value_choices == ["DAD"]
    match = Match.objects.get(demand=scene.demand, product=scene.strong)
    assert not match.is_near_miss
    statuses = {r["key"]: r["status"] for r in explained(match)}
    assert statuses["detector"] == "pass"


def test_deleting_a_matched_product_re_ranks_its_demands_in_one_run(
    scene, staff_user, django_capture_on_commit_callbacks
):
    from catalog.services import products_delete

    services.match_run_demand(demand_id=scene.demand.pk)
    assert pairs(scene.demand)[0][0] == scene.strong.pk
    runs_before = MatchRun.objects.count()
    # when staff delete the best match (and the weak near miss) in one batch
    with django_capture_on_commit_callbacks(execute=True):
        assert products_delete(product_ids=[scene.strong.pk, scene.weak.pk], user=staff_user) == 2
    # then the demand is re-ranked once: the middling product now leads, and nothing else is left
    assert [(p, near, rank) for p, near, rank, _score in pairs(scene.demand)] == [(scene.middling.pk, False, 1)]
    assert MatchRun.objects.count() == runs_before + 1
    run = MatchRun.objects.latest("id")
    assert (run.status, run.demands_count) == (MatchRun.Status.SUCCEEDED, 1)


@pytest.mark.parametrize("who", ["anonymous", "maker_member", "institution_member"])
def test_only_staff_delete_products(scene, who):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    from catalog.services import products_delete

    user = AnonymousUser() if who == "anonymous" else getattr(scene, who)
    with pytest.raises(PermissionDenied):
        products_delete(product_ids=[scene.strong.pk], user=user)
    assert Product.objects.filter(pk=scene.strong.pk).exists()


def test_a_product_named_by_a_published_report_is_not_deleted(scene, staff_user):
    from catalog.services import products_delete
    from matching import reports
    from tests.matching.test_reports import period

    services.match_run_full_inline()
    start, end = period()
    reports.report_publish(report_id=reports.report_generate(period_start=start, period_end=end).pk, user=staff_user)
    with pytest.raises(ApplicationError, match="withdraw it instead"):
        products_delete(product_ids=[scene.strong.pk], user=staff_user)
    assert Product.objects.filter(pk=scene.strong.pk).exists()
    assert Match.objects.filter(product=scene.strong).exists()


def test_new_pairs_reach_the_sides_with_members_and_leave_no_trace_for_nobody(scene):
    from matching.new_pairs import notify_new_pairs

    # given a demand of an institution nobody has joined; the weak product's maker has no members either
    lonely = DemandFactory(category=scene.root, title="Nobody reads this")
    # when new pairs are announced: one with nobody on either side, one with the strong product's maker, one with
    # the scene's institution
    sent = notify_new_pairs(
        [(lonely.pk, scene.weak.pk, 0.9), (lonely.pk, scene.strong.pk, 0.8), (scene.demand.pk, scene.weak.pk, 0.7)]
    )
    # then the maker hears of the lonely demand and the institution of its own pair, once each
    assert sent == 2
    assert set(NotificationEvent.objects.values_list("user_id", "key")) == {
        (scene.maker_member.pk, f"match:{lonely.pk}:{scene.strong.pk}:product"),
        (scene.institution_member.pk, f"match:{scene.demand.pk}:{scene.weak.pk}:demand"),
    }
    # and announcing them again tells nobody anything
    assert notify_new_pairs([(lonely.pk, scene.strong.pk, 0.8), (scene.demand.pk, scene.weak.pk, 0.7)]) == 0
