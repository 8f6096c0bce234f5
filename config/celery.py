"""The Celery application. Tasks are another interface to the services; run state lives in our tables."""

import os
import sys
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

_path = list(sys.path)
app = Celery("instruments")
# Celery's Django fix-up puts the working directory first on sys.path. Run from inside an app's folder (as
# `make makemessages` runs per app) that would make catalog/search.py the search app and catalog/selectors.py the
# standard library's selectors module. The project root goes last instead: `celery -A config` has it on the path
# only while it imports this module, and a worker must still import the apps afterwards.
sys.path[:] = [*_path, str(Path(__file__).resolve().parent.parent)]
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule is declared here, once. Each entry says why it runs when it does.
app.conf.beat_schedule = {
    # Open demands whose deadline has passed become expired within the hour, and their owners are told.
    "procurement-expire-demands": {
        "task": "procurement.expire_demands",
        "schedule": crontab(minute=10, hour="*"),
    },
    # Sealed quotes open together once their demand's deadline day is over; every quarter hour, so the buyer and
    # the quoting makers hear of it soon after midnight. Opening twice is impossible (a compare-and-set stamp).
    "procurement-open-sealed-quotes": {
        "task": "procurement.open_sealed_quotes",
        "schedule": crontab(minute="*/15"),
    },
    # Safety net for the change outbox: whatever a lost kick, a broker outage or an unreachable search backend
    # left pending is indexed and re-matched within minutes, not at the nightly run; old changes are pruned.
    "changes-sweep": {
        "task": "changes.sweep",
        "schedule": crontab(minute="*/3"),
    },
    # Safety net for notification emails: what a lost task, a broker outage or a failing mail server left
    # unsent goes out within minutes (a row stops being retried after a few failed attempts).
    "notifications-sweep-email": {
        "task": "notifications.sweep_email",
        "schedule": crontab(minute="*/10"),
    },
    # Safety net for webhooks: feed entries a lost kick left become deliveries, and retries that fell due are
    # sent (a broker outage delays deliveries, loses none).
    "feed-webhooks-sweep": {
        "task": "feed.webhooks_sweep",
        "schedule": crontab(minute="*"),
    },
    # The daily digest of saved-search and follow news, in the morning (Beijing time) so it is read at work;
    # each person gets at most one a day however often this runs.
    "notifications-daily-digest": {
        "task": "notifications.send_digests",
        "schedule": crontab(minute=0, hour=7),
    },
    # A domestic-product rule dated today, or a transition ending today, changes which products are domestic:
    # re-derive the flags just after midnight (only products that flip are written, re-indexed and re-matched).
    "catalog-refresh-domestic": {
        "task": "catalog.refresh_domestic",
        "schedule": crontab(minute=5, hour=0),
    },
    # A full run's chunk whose worker was lost (killed, out of memory) is queued again once its lease expires,
    # so the run finishes minutes late instead of waiting out the broker's hour-long visibility timeout.
    "matching-sweep-chunk-leases": {
        "task": "matching.sweep_chunk_leases",
        "schedule": crontab(minute="*"),
    },
    # Nightly full matching run, after the day's product and demand changes have settled.
    "matching-nightly-full-run": {
        "task": "matching.full_run",
        "schedule": crontab(minute=30, hour=2),
    },
    # A draft match report for the past week, ready for an administrator to review on Monday morning.
    "matching-weekly-report-draft": {
        "task": "matching.draft_weekly_report",
        "schedule": crontab(minute=0, hour=6, day_of_week="mon"),
    },
}
