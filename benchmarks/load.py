"""Load on the production server: gunicorn with platform/gunicorn.conf.py, production settings, PostgreSQL, Redis.

Recreates and migrates its own database (``BENCH_DATABASE``, default ``bench_load``), loads the demo data plus
2,000 published products, runs collectstatic, starts gunicorn on 127.0.0.1 (``--port``, default 8150), then a
second process drives it over loopback with an asyncio HTTP/1.1 client: ``--connections`` (16) at once for
``--seconds`` (30) per target. Printed per target: requests/s, p50/p95/p99 latency, errors (any status but 200).
The bare JSON view ``/healthz/live`` (no database, cache or broker) is the yardstick of what the server itself
costs on this machine at the moment; the load average is printed before and after.

    .venv/bin/python benchmarks/load.py [--seconds 30] [--connections 16] [--workers N] [--threads N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.common import bench_database_url, fresh_database  # noqa: E402

HOST = "127.0.0.1"


# --- The client (a second process) ---------------------------------------------------------------------------


async def _one_connection(port: int, path: str, deadline: float, latencies: list[float], errors: list[str]) -> None:
    request = (f"GET {path} HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\nAccept: */*\r\n\r\n").encode()
    reader = writer = None
    while time.perf_counter() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            assert reader is not None
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            if not status_line:
                raise ConnectionError("closed before the response")
            status = int(status_line.split()[1])
            length, close = None, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and "close" in value.lower():
                    close = True
            if length is None:
                await reader.read()
                close = True
            else:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(str(status))
            if close:
                writer.close()
                reader = writer = None
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            errors.append(type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


async def _drive(port: int, path: str, seconds: float, connections: int) -> dict[str, object]:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_one_connection(port, path, deadline, latencies, errors) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    cut = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else [ordered[0]] * 99
    return {
        "path": path,
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": cut[49] * 1000,
        "p95": cut[94] * 1000,
        "p99": cut[98] * 1000,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
    }


def client_main(port: int, path: str, seconds: float, connections: int) -> None:
    print(json.dumps(asyncio.run(_drive(port, path, seconds, connections))))


# --- The server and its data ---------------------------------------------------------------------------------


def _environment(args: argparse.Namespace, static_root: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "API_THROTTLE_", "CELERY_", "REDIS_", "CACHE_"))
    }
    env.update(
        {
            "DJANGO_DEBUG": "False",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "DATABASE_URL": bench_database_url(os.environ.get("DATABASE_URL"), args.database),
            "REDIS_URL": args.redis,
            "DJANGO_STATIC_ROOT": static_root,
            # One client address sends everything: the anonymous API rate would refuse it after two seconds.
            "API_THROTTLE_ANON": "100000000/min",
            "GUNICORN_BIND": f"{HOST}:{args.port}",
            "LOG_LEVEL": "WARNING",
            "EMAIL_URL": "dummymail://",
            "SEARCH_BACKEND": "database",
            "PYTHONPATH": str(ROOT),
        }
    )
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    return env


SETUP = """
from benchmarks.catalog_import import build_workbook
from accounts.models import Organization
from catalog.importing import products_import
from search.services import search_sync
maker = Organization.objects.filter(kind="manufacturer", is_verified=True).order_by("pk").first()
report = products_import(
    manufacturer=maker, user=None, filename="load.xlsx", data=build_workbook(2000), atomic=True, publish=True
)
assert not report.errors, report.errors[:3]
search_sync()
"""
# An open demand with matches: its page is the one visitors land on from the home page.
DEMAND = """
from procurement.models import Demand
print("DEMAND", Demand.objects.filter(status="open", matches__isnull=False).order_by("pk").first().pk)
"""


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def _wait_ready(port: int, seconds: float = 120) -> None:
    import http.client

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/healthz/live", headers={"Host": "localhost"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within two minutes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: the config's)")
    parser.add_argument("--threads", type=int, default=0, help="threads per worker (default: the config's)")
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "bench_load"))
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://localhost:6379/14"))
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    parser.add_argument("--client", nargs=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args.port, args.client[0], args.seconds, args.connections)
        return

    python = sys.executable
    with tempfile.TemporaryDirectory() as static_root:
        env = _environment(args, static_root)
        if not args.reuse:
            fresh_database(env["DATABASE_URL"])
        _run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        _run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
        if not args.reuse:
            _run([python, "manage.py", "seed_demo"], env)
            _run([python, "manage.py", "shell", "-c", SETUP], env)
        demand_line = _run([python, "manage.py", "shell", "-c", DEMAND], env)
        demand_id = int(demand_line.split("DEMAND", 1)[1].split()[0])
        # label, path, the goal in requests/s and p95 ms on a 2-core machine (issue 14), or None for the yardstick
        targets: list[tuple[str, str, tuple[float, float] | None]] = [
            ("product list API", "/api/v1/products/", (250, 150)),
            ("search API", "/api/v1/search/?q=%E8%89%B2%E8%B0%B1", (150, 150)),
            ("home page", "/", (300, float("inf"))),
            ("demand page", f"/demands/{demand_id}/", (200, float("inf"))),
            ("bare JSON view", "/healthz/live", None),
        ]
        server = subprocess.Popen(
            [str(Path(python).parent / "gunicorn"), "--config", "platform/gunicorn.conf.py", "config.wsgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_ready(args.port)
            for _label, path, _goal in targets:  # warm every worker's imports, caches and connections
                _drive_once(python, args, path, seconds=2)
            print(f"load average before: {_load()}")
            print(f"{'target':<18} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}  goal")
            for label, path, goal in targets:
                result = _drive_once(python, args, path, seconds=args.seconds)
                verdict = ""
                if goal is not None:
                    rps, p95 = goal
                    met = result["rps"] >= rps and result["p95"] < p95 and not result["errors"]
                    verdict = f"{'met' if met else 'MISSED'} (>= {rps:.0f}/s" + (
                        f", p95 < {p95:.0f} ms)" if p95 != float("inf") else ")"
                    )
                print(
                    f"{label:<18} {result['rps']:>8.1f} {result['p50']:>8.1f} {result['p95']:>8.1f} "
                    f"{result['p99']:>8.1f} {result['errors']:>7}  {verdict}"
                    + (f"  {result['error_kinds']}" if result["errors"] else "")
                )
            print(f"load average after: {_load()}")
            workers = env.get("WEB_CONCURRENCY", "config default")
            threads = env.get("GUNICORN_THREADS", "config default")
            print(
                f"gunicorn workers: {workers}, threads: {threads}; {args.connections} connections, "
                f"{args.seconds:.0f} s per target"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)


def _drive_once(python: str, args: argparse.Namespace, path: str, *, seconds: float) -> dict[str, Any]:
    output = subprocess.run(
        [
            python,
            __file__,
            "--client",
            path,
            "--port",
            str(args.port),
            "--seconds",
            str(seconds),
            "--connections",
            str(args.connections),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, Any] = json.loads(output)
    return result


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
