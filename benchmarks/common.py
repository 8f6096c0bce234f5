"""What every benchmark shares: its own PostgreSQL database, so a run never touches real data."""

from __future__ import annotations


def bench_database_url(url: str | None, name: str) -> str:
    """The PostgreSQL server of ``url`` (default localhost), but always the database ``name``.

    Benchmarks empty and fill their database; whatever database DATABASE_URL names is never the one used.
    """
    if not url or not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@localhost:5432/postgres"
    server, _slash, database = url.rpartition("/")
    query = database.partition("?")[2]
    return f"{server}/{name}" + (f"?{query}" if query else "")


def fresh_database(url: str) -> None:
    """Recreate the benchmark database, so a run never depends on a half-migrated leftover."""
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    connection = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()
