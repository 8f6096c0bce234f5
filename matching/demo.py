"""Demo data for `manage.py seed_demo`. (Placeholder: filled in by this app's work.)"""

from __future__ import annotations

from typing import Any


def seed(*, password: str, stdout: Any) -> None:
    return None
