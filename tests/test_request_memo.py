"""The current school year is read once per request (classes.models
request_memo, set by classes.middleware.RequestMemoMiddleware), and never
remembered outside a request or from one request to the next."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from classes.models import (
    SchoolYear,
    _request_memo,
    request_memo,
)


def current_year_queries(queries: list[dict[str, str]]) -> int:
    """How many of `queries` are SchoolYear.objects.current()."""
    return sum(
        1
        for query in queries
        if 'FROM "classes_schoolyear"' in query["sql"]
        and '"classes_schoolyear"."start_year" =' in query["sql"]
    )


def test_a_page_reads_the_current_school_year_once(world):
    for alias, url in [
        ("pupil", reverse("portfolio:home")),
        (
            "teacher",
            reverse(
                "staff:class_progress", kwargs={"pk": world.college_class("3e A").pk}
            ),
        ),
    ]:
        client = world.client_for(alias)
        client.get(url)
        with CaptureQueriesContext(connection) as page:
            assert client.get(url).status_code == 200
        assert current_year_queries(page.captured_queries) == 1
    # Nothing is left remembered once the answer is made.
    assert _request_memo.get() is None


def test_outside_a_request_nothing_is_remembered(world):
    year = SchoolYear.objects.current()
    assert year is not None
    with CaptureQueriesContext(connection) as calls:
        SchoolYear.objects.current()
        SchoolYear.objects.current()
    assert current_year_queries(calls.captured_queries) == 2


def test_a_school_year_written_during_a_request_is_read_again(world):
    with request_memo():
        year = SchoolYear.objects.current()
        assert year is not None
        start_year = year.start_year
        year.start_year = start_year - 10
        year.save()
        assert SchoolYear.objects.current() is None
        year.start_year = start_year
        year.save()
        assert SchoolYear.objects.current() == year
        with CaptureQueriesContext(connection) as again:
            assert SchoolYear.objects.current() == year
        assert current_year_queries(again.captured_queries) == 0
