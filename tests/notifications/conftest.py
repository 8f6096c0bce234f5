from __future__ import annotations

import pytest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from notifications import messages

GREETING = "test_greeting"
FINDINGS = "test_findings"


@pytest.fixture(autouse=True)
def test_messages():
    """Two kinds of message of the tests' own: a plain one and a grouped one."""
    messages.register(GREETING, label="Greeting", title="Hello %(name)s", body=_("Your demand has expired"))
    messages.register(
        FINDINGS,
        label="Findings",
        title=ngettext_lazy("%(count)d finding for %(topic)s", "%(count)d findings for %(topic)s", "count"),
        item="%(what)s",
    )
    yield
