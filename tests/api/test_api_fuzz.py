"""Schemathesis against the generated schema, in-process (WSGI), as a pupil and
as a teacher: no 5xx, every answer (status, content type, body) as the schema
says. Kept short: a few examples per operation."""

from contextlib import contextmanager

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.openapi import from_dict

from tests.api.helpers import schema_of

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
EXAMPLES = 8


def _session_headers(world, alias):
    """The cookies and CSRF header of a logged-in browser session."""
    client = world.client_for(alias)
    csrf = _get_new_csrf_string()
    session = client.cookies["sessionid"].value
    # Uncompressed answers: the in-process WSGI transport does not gunzip what
    # GZipMiddleware sends a client that accepts gzip.
    headers = {"X-CSRFToken": csrf, "Accept-Encoding": "identity"}
    return headers, {"sessionid": session, "csrftoken": csrf}


@contextmanager
def _keeping_the_test_connection():
    """Django closes the database connection around each WSGI request; the test
    client does not (and connects the handler again after each of its own
    requests), and neither may this in-process run: the test's transaction
    lives on that connection."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)


@pytest.mark.parametrize("alias", ["pupil", "teacher"])
def test_the_api_keeps_to_its_schema(world, alias):
    headers, cookies = _session_headers(world, alias)
    schema = from_dict(schema_of(world.client_for(alias)))
    schema.app = WSGIHandler()
    failures = []
    statuses: set[int] = set()
    with _keeping_the_test_connection():
        for result in schema.get_all_operations():
            failure = _fuzz(result.ok(), headers, cookies, statuses)
            if failure:
                failures.append(failure)
    assert not failures, "\n\n".join(failures)
    # The session worked: some calls were answered, not all refused.
    assert 200 in statuses


def _fuzz(operation, headers, cookies, statuses):
    """A few generated requests to one operation; the failure found, if any."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call(headers=headers, cookies=cookies)
        statuses.add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    try:
        check()
    except Exception as error:  # gather every operation's failures
        return f"{operation.label}: {error}"
    return None
