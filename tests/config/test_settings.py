import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "broker": s.CELERY_BROKER_URL,
    "search": s.SEARCH_BACKEND,
    "cache": s.CACHES["default"]["BACKEND"],
    "debug": s.DEBUG,
    "language": s.LANGUAGE_CODE,
    "serializer": s.CELERY_TASK_SERIALIZER,
    "acks_late": s.CELERY_TASK_ACKS_LATE,
    "reject_on_worker_lost": s.CELERY_TASK_REJECT_ON_WORKER_LOST,
    "visibility_timeout": s.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"],
    "time_limit": s.CELERY_TASK_TIME_LIMIT,
}))
"""


def _settings_with(env):
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_nothing_set_means_the_embedded_platform():
    found = _settings_with({})
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["eager"] is True and found["broker"].startswith("memory://")
    assert found["search"] == "database"
    assert found["cache"].endswith("LocMemCache")
    assert found["debug"] is True
    assert found["language"] == "zh-hans"


def test_production_variables_choose_the_services():
    found = _settings_with(
        {
            "DJANGO_DEBUG": "False",
            "DJANGO_SECRET_KEY": "x" * 60,
            "DATABASE_URL": "postgres://u:p@db:5432/instruments",
            "REDIS_URL": "redis://redis:6379/0",
            "ELASTICSEARCH_URL": "http://es:9200",
        }
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["eager"] is False and found["broker"] == "redis://redis:6379/0"
    assert found["search"] == "elasticsearch"
    assert found["cache"].endswith("RedisCache")


def test_celery_is_safe_to_redeliver():
    found = _settings_with({})
    assert found["serializer"] == "json"
    assert found["acks_late"] is True and found["reject_on_worker_lost"] is True
    # Redis must not hand an unacknowledged task to a second worker while the first may still be running it.
    assert found["visibility_timeout"] > found["time_limit"]


def test_env_example_lists_every_variable_the_settings_read():
    source = (BASE_DIR / "config" / "settings.py").read_text()
    read = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (BASE_DIR / ".env.example").read_text(), re.MULTILINE))
    assert read, "no variables found in settings.py"
    assert read - listed == set()


def test_manage_py_runs_from_inside_an_app_folder_as_make_makemessages_runs_it():
    # catalog/ holds search.py and selectors.py: neither may stand in for the search app or the standard library's
    # selectors module when the working directory is catalog/
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}}
    result = subprocess.run(
        [sys.executable, "../manage.py", "check"],
        cwd=BASE_DIR / "catalog",
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
