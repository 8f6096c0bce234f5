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
