from config.celery import app


def test_celery_reads_the_safety_settings():
    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled == {
        "procurement.expire_demands",
        "procurement.open_sealed_quotes",
        "catalog.refresh_domestic",
        "changes.sweep",
        "notifications.sweep_email",
        "notifications.send_digests",
        "matching.full_run",
        "matching.draft_weekly_report",
        "matching.sweep_chunk_leases",
        "feed.webhooks_sweep",
    }
    assert scheduled <= set(app.tasks)
