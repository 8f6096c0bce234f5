"""Search backends. (Interface placeholder: the search work replaces it.)"""

from __future__ import annotations


class DatabaseBackend:
    name = "database"

    def ping(self) -> None:
        return None


def get_backend() -> DatabaseBackend:
    return DatabaseBackend()
