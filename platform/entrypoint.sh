#!/bin/sh
# Start one role of the platform: web (default), worker, beat, or any other command given.
set -eu
cd /app

wait_for_database() {
  # The database is the source of truth: nothing starts without it. Redis and Elasticsearch may come later.
  python - <<'PY'
import os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.db import connection
from django.db.utils import OperationalError
deadline = time.monotonic() + int(os.environ.get("DATABASE_WAIT_SECONDS", "60"))
while True:
    try:
        connection.ensure_connection()
        break
    except OperationalError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"database not reachable: {exc}")
        print("waiting for the database ...", flush=True)
        time.sleep(2)
PY
}

ensure_search_index() {
  # First start (or a lost cluster): build the Elasticsearch indexes and point their aliases at them; a no-op
  # when the aliases exist, and for the database backend (its index is a table made by migrate). Not fatal:
  # searches fall back to the database, and `manage.py search_index ensure` can be run again later.
  python manage.py search_index ensure --wait "${SEARCH_WAIT_SECONDS:-60}" \
    || echo "search index not ensured; searches use the database until \`search_index ensure\` succeeds" >&2
}

role="${1:-web}"
case "$role" in
  web)
    wait_for_database
    python manage.py migrate --noinput
    ensure_search_index
    python manage.py compilemessages --ignore .venv -v 0
    python manage.py collectstatic --noinput -v 0
    exec gunicorn --config platform/gunicorn.conf.py config.wsgi:application
    ;;
  worker)
    wait_for_database
    exec celery -A config worker --loglevel="${LOG_LEVEL:-INFO}" --concurrency="${CELERY_WORKER_CONCURRENCY:-2}"
    ;;
  beat)
    wait_for_database
    # The schedule lives in code (config/celery.py); the file only remembers last run times.
    exec celery -A config beat --loglevel="${LOG_LEVEL:-INFO}" --schedule=/app/run/celerybeat-schedule
    ;;
  *)
    exec "$@"
    ;;
esac
