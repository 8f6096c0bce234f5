"""The one exception type for business-rule violations.

Services raise ApplicationError; the API maps it to a 400 with the message (and field, when given), and pages
show it as a form error.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    def __init__(self, message: str, *, field: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}
