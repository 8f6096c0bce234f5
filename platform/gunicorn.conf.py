"""gunicorn settings for the web role (read by platform/entrypoint.sh). Every value can be overridden by env."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Threaded workers (gthread): the pages and API are short database-bound requests (long work goes to Celery), and
# threads keep connections alive between requests (nginx's upstream keepalive, API clients). Chosen by measurement
# (benchmarks/load.py, 2 cores shared with other work, 16 connections, requests/s for home / product list / search /
# bare view): 5 sync workers 124 / 135 / 81 / 112; 3 sync 84 / 108 / 134 / 174; 2 x 4 threads 341 / 299 / 255 / 250;
# 4 x 2 231 / 231 / 388 / 285; 2 x 8 310 / 431 / 298 / 344; 3 x 4 359 / 301 / 374 / 635.
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# The project is imported once, in the master, and workers are forked from it: a worker starts in milliseconds
# instead of importing Django and every app again (measured: 20 to 30 s of no answers on a busy 2-core machine
# each time the workers were recycled together, since requests spread evenly and they reach the limit together).
# Nothing opens a database, cache or broker connection at import, so none is shared across the fork.
preload_app = True
# Recycle workers now and then so a slow leak in any library never grows without bound; the jitter spreads the
# recycling so workers rarely restart at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 2
# Heartbeat files on tmpfs: a container's overlay filesystem can stall workers under load.
worker_tmp_dir = "/dev/shm"
# The TLS-terminating proxy in front sets X-Forwarded-Proto; Django trusts it (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
