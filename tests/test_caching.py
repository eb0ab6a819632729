"""The school coverage figures are cached per school and audience, and every
write that changes them makes the next page fresh. A private entry is never
counted, cached or not."""

import csv
import datetime
import io
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classes import rgpd
from classes import services as class_services
from classes.models import School, User
from portfolio import coverage, services
from portfolio.models import Entry, EntryKind, Visibility
from portfolio.permissions import coverage_audience


def college(world) -> School:
    return world.college_class("3e A").school


def pupil_rows(client, school: School, pupil: User) -> list[int]:
    """“Activities this year” of the per-pupil CSV rows with the pupil's name."""
    response = client.get(
        reverse("coverage:school_coverage_csv", args=[school.pk]), {"table": "pupils"}
    )
    assert response.status_code == 200
    rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    return [
        int(row[3]) for row in rows if row[:2] == [pupil.last_name, pupil.first_name]
    ]


def activities_of(client, school: School, pupil: User) -> int | None:
    """The pupil's “activities this year” (None: not listed)."""
    found = pupil_rows(client, school, pupil)
    assert len(found) <= 1
    return found[0] if found else None


def share_an_entry(pupil: User, **fields) -> Entry:
    values = {
        "kind": EntryKind.COMPANY_VISIT,
        "title": "Visite de la boulangerie",
        "start_date": timezone.localdate() - datetime.timedelta(days=3),
        "visibility": Visibility.SHARED,
        **fields,
    }
    return services.entry_save(by=pupil, entry=Entry(**values))


def test_a_second_render_makes_fewer_queries(world):
    school = college(world)
    client = world.client_for("head")
    url = reverse("coverage:school_coverage", args=[school.pk])
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        again = client.get(url)
    assert again.status_code == 200
    assert len(second) < len(first)
    assert not any("portfolio_entrymetier" in q["sql"] for q in second)
    # The same figures either way.
    assert again.content.decode().count("fr-callout__title") == 3


def test_another_team_member_reads_the_figures_cached_for_the_first(world):
    school = college(world)
    world.client_for("head").get(reverse("coverage:school_coverage", args=[school.pk]))
    with CaptureQueriesContext(connection) as cpe_page:
        response = world.client_for("cpe").get(
            reverse("coverage:school_coverage", args=[school.pk])
        )
    assert response.status_code == 200
    assert not any("portfolio_entrymetier" in q["sql"] for q in cpe_page)


def test_a_shared_entry_shows_on_the_next_render(world):
    lea = world.user("pupil")
    school = college(world)
    head = world.client_for("head")
    before = activities_of(head, school, lea)
    assert before is not None
    share_an_entry(lea)
    assert activities_of(head, school, lea) == before + 1


def test_a_private_entry_is_never_counted(world):
    lea = world.user("pupil")
    school = college(world)
    head = world.client_for("head")
    before = activities_of(head, school, lea)
    share_an_entry(lea, visibility=Visibility.PRIVATE)
    assert activities_of(head, school, lea) == before
    share_an_entry(lea, title="Forum", visibility=Visibility.SHARED)
    private = share_an_entry(lea, title="Secret", visibility=Visibility.SHARED)
    services.entry_set_visibility(by=lea, entry=private, visibility="private")
    # Cached (second read) or fresh, only the shared one counts.
    assert activities_of(head, school, lea) == before + 1
    assert activities_of(head, school, lea) == before + 1


def test_trashing_or_unsharing_an_entry_makes_the_next_render_fresh(world):
    lea = world.user("pupil")
    school = college(world)
    head = world.client_for("head")
    first = share_an_entry(lea)
    second = share_an_entry(lea, title="Forum des métiers", kind=EntryKind.FORUM)
    counted = activities_of(head, school, lea)
    services.entry_move_to_trash(by=lea, entry=first)
    assert activities_of(head, school, lea) == counted - 1
    services.entry_set_visibility(by=lea, entry=second, visibility=Visibility.PRIVATE)
    assert activities_of(head, school, lea) == counted - 2
    services.entry_restore(by=lea, entry=first)
    assert activities_of(head, school, lea) == counted - 1


def test_a_departure_or_an_erasure_makes_the_next_render_fresh(world):
    school = college(world)
    head_user = world.user("head")
    head = world.client_for("head")
    lea = world.user("pupil")
    classmate = world.user("classmate")
    assert activities_of(head, school, lea) is not None
    classmates = pupil_rows(head, school, classmate)
    class_services.pupil_departure_record(
        by=head_user, pupil=lea, school=school, left_on=timezone.localdate()
    )
    assert activities_of(head, school, lea) is None
    rgpd.pupil_erase(by=head_user, pupil=classmate, school=school, reason="request")
    assert len(pupil_rows(head, school, classmate)) == len(classmates) - 1


def test_a_moved_pupil_is_counted_in_the_new_class(world):
    school = college(world)
    head = world.client_for("head")
    url = reverse("coverage:school_coverage", args=[school.pk])
    page = head.get(url).content.decode()
    lea = world.user("pupil")
    class_services.enrolment_move(
        by=world.user("head"), pupil=lea, to_class=world.college_class("3e B")
    )
    assert head.get(url).content.decode() != page


def test_the_team_shares_one_audience_and_an_assignment_author_has_their_own(world):
    school = college(world)
    assert coverage_audience(world.user("head"), school) == "team"
    assert coverage_audience(world.user("cpe"), school) == "team"
    teacher = world.user("teacher")
    assert coverage_audience(teacher, school).startswith(f"user{teacher.pk}-")
    # A team member who gave an assignment reads the answers shared with them
    # alone: their figures are not the team's.
    documentalist = world.user("documentalist")
    assignment = world.assignment("Préparer la visite du lycée Marie-Curie")
    assignment.author = documentalist
    assignment.save()
    assert coverage_audience(documentalist, school) != "team"


def test_an_answer_shared_with_its_author_only_is_not_shown_to_the_team(world):
    """The answer Léa shares with the teacher who gave the assignment counts
    for that teacher (a team member here) and for nobody else of the team,
    whoever loaded the page first."""
    school = college(world)
    documentalist = world.user("documentalist")
    assignment = world.assignment("Préparer la visite du lycée Marie-Curie")
    assignment.author = documentalist
    assignment.save()
    lea = world.user("pupil")
    answer = world.answer_of_lea()
    services.entry_set_visibility(by=lea, entry=answer, visibility=Visibility.TEACHER)
    author = world.client_for("documentalist")
    author_count = activities_of(author, school, lea)
    team_count = activities_of(world.client_for("cpe"), school, lea)
    assert author_count == team_count + 1


def test_the_weeks_asked_for_are_part_of_the_cache_key(world):
    school = college(world)
    head = world.client_for("head")
    url = reverse("coverage:school_coverage", args=[school.pk])
    today = timezone.localdate()
    six_weeks = head.get(url).content.decode()
    one_week = head.get(url, {"semaines": 1}).content.decode()
    assert (today - datetime.timedelta(weeks=6)).strftime("%d/%m/%Y") in six_weeks
    assert (today - datetime.timedelta(weeks=1)).strftime("%d/%m/%Y") in one_week


def seconds_left(key: str) -> float | None:
    """How long the cache keeps `key` (None: for ever), on the backend of the
    run (local memory, or Redis when REDIS_URL is set)."""
    full = cache.make_and_validate_key(key)
    if hasattr(cache, "_expire_info"):
        expires = cache._expire_info[full]
        return None if expires is None else expires - time.time()
    ttl = cache._cache.get_client(full).ttl(full)  # type: ignore[attr-defined]
    assert ttl != -2, "the key is not in Redis"
    return None if ttl == -1 else float(ttl)


@pytest.mark.parametrize(
    "left_behind",
    [
        ("a1b2", 0.0, "v1"),  # an older shape of the version: three parts
        "a1b2",  # a bare string
        ("a1b2", "yesterday"),  # two parts, the second not a time
        42,
    ],
)
def test_a_version_of_another_shape_is_a_miss_not_an_error(world, left_behind):
    """A version left in the cache by another shape of the code (before a
    deploy) must not turn the overview into a 500 until the cache is flushed:
    it is replaced, and the figures are computed afresh then cached."""
    school = college(world)
    key = coverage._version_key(school.pk)
    cache.set(key, left_behind, timeout=60)
    head = world.client_for("head")
    url = reverse("coverage:school_coverage", args=[school.pk])
    with CaptureQueriesContext(connection) as first:
        assert head.get(url).status_code == 200
    assert any("portfolio_entrymetier" in q["sql"] for q in first)
    assert coverage._as_version(cache.get(key)) is not None
    with CaptureQueriesContext(connection) as second:
        assert head.get(url).status_code == 200
    assert not any("portfolio_entrymetier" in q["sql"] for q in second)


def test_the_school_version_expires(world):
    """Versions are not kept for ever (a finite timeout, longer than the
    figures they guard), whether started by a page or replaced by a write."""
    school = college(world)
    key = coverage._version_key(school.pk)
    head = world.client_for("head")
    url = reverse("coverage:school_coverage", args=[school.pk])
    assert head.get(url).status_code == 200
    started = seconds_left(key)
    assert started is not None
    assert coverage.CACHE_SECONDS < started <= coverage.VERSION_SECONDS
    share_an_entry(world.user("pupil"))
    replaced = seconds_left(key)
    assert replaced is not None
    assert coverage.CACHE_SECONDS < replaced <= coverage.VERSION_SECONDS
