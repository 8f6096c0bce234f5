"""Demo data for `manage.py seed_demo`: match the demo demands and publish a report of the last 30 days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from config.exceptions import ApplicationError
from matching import reports, services
from matching.models import MatchReport, MatchRun

DEMO_ADMIN_EMAIL = "admin@demo.local"


def seed(*, password: str, stdout: Any) -> None:
    admin = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
    try:
        run = services.match_run_full_inline(trigger=MatchRun.Trigger.DEMO, started_by=admin)
    except ApplicationError as exc:  # a run is already going on: its results will do
        stdout.write(f"matching: {exc.message}\n")
    else:
        stdout.write(
            f"matching: run #{run.pk} matched {run.demands_count} demands "
            f"({run.matches_count} matches, {run.near_misses_count} near misses)\n"
        )
    end = timezone.localdate()
    start = end - timedelta(days=30)
    published = MatchReport.objects.filter(
        period_start=start, period_end=end, status=MatchReport.Status.PUBLISHED
    ).first()
    if published is not None:
        stdout.write(f"matching: report #{published.pk} for {start} to {end} is already published\n")
        return
    report = reports.report_generate(period_start=start, period_end=end, user=admin)
    reports.report_publish(report_id=report.pk, user=admin)
    stdout.write(
        f"matching: published report #{report.pk} ({report.matched_demands_count} of {report.demands_count} "
        "demands with a domestic match)\n"
    )
