"""The API against its own live OpenAPI schema, fuzzed by schemathesis as a visitor, a researcher, a maker and staff.

The schema is read from the running application (``/api/schema/``), which answers every generated request in
process over the demo data (``seed_demo``), seeded once for the module inside a transaction that is rolled back
at the end; each operation's test runs in a savepoint of its own. Checks: no server error, a status code the
schema lists, the content type it lists, a body that fits the documented schema. Bounded by ``SCHEMATHESIS_MAX_
EXAMPLES`` (examples per operation and role) so the whole run takes a few minutes on two cores.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import demo
from accounts.models import User
from accounts.services import user_api_token

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
ROLES = {
    "visitor": None,
    "researcher": demo.DEMO_RESEARCHER_EMAIL,
    "maker": demo.DEMO_MAKER_EMAIL,
    "staff": demo.DEMO_ADMIN_EMAIL,
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def _in_process() -> Iterator[None]:
    """Requests share the test's connection and transaction, as Django's test client arranges it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def demo_tokens(django_db_setup, django_db_blocker, _in_process) -> Iterator[dict[str, str | None]]:
    """The demo data and a token per role, kept for the module and rolled back after it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        # Durable blocks inside services may nest in this one, as in a TestCase's.
        connection.atomic_blocks[-1]._from_testcase = True
        try:
            call_command("seed_demo", password="demo-pass-2026", stdout=io.StringIO())
            yield {
                role: None if email is None else user_api_token(user=User.objects.get(email=email))
                for role, email in ROLES.items()
            }
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def api_schema(demo_tokens):
    application = get_wsgi_application()
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@dataclass
class Tally:
    requests: int = 0
    failures: list[str] = field(default_factory=list)


def fuzz(api_schema, token: str | None) -> Tally:
    """Every operation, positive and negative cases, each failure kept with its reproduction (curl command)."""
    tally = Tally()
    headers = {"Authorization": f"Token {token}"} if token else {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        # An operation that takes no input has no invalid input to send.
        takes_input = bool(operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"))
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if takes_input else [GenerationMode.POSITIVE]
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            def check(case) -> None:
                tally.requests += 1
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                with transaction.atomic():
                    check()
                    transaction.set_rollback(True)
            except Unsatisfiable:
                # No invalid value exists for this operation's inputs (a free-form path segment): nothing to send.
                continue
            except (
                Exception,
                BaseExceptionGroup,
            ) as error:  # a failed check: note it and go on with the next operation
                tally.failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {error}")
    return tally


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.django_db
def test_the_api_keeps_its_schema(api_schema, demo_tokens, role, client):
    token = demo_tokens[role]
    # the role's credentials are what the fuzzer sends: a visitor is nobody, the others are who they say
    me = client.get("/api/v1/me/", headers={"Authorization": f"Token {token}"} if token else {})
    assert me.status_code == (401 if token is None else 200)
    if token is not None:
        assert me.json()["email"] == ROLES[role]
    # Django's test client above connects close_old_connections to the request signals again when it is done;
    # disconnect it for the fuzzer's requests too, or a request that met a database error (answered as a 400)
    # would close the connection that holds the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    started = time.monotonic()
    tally = fuzz(api_schema, token)
    elapsed = time.monotonic() - started
    print(f"schemathesis as {role}: {tally.requests} requests, {len(tally.failures)} failures, {elapsed:.0f} s")  # noqa: T201
    assert not tally.failures, "\n\n".join(tally.failures)
