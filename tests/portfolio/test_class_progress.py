"""The class follow-up page: shared entries per pupil, constant queries."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classes import services as class_services
from classes.models import Level, SchoolYear
from portfolio.models import Entry, EntryKind, Visibility


def progress_url(school_class) -> str:
    return reverse("staff:class_progress", args=[school_class.pk])


def test_it_counts_only_what_pupils_shared(world):
    page = world.client_for("teacher").get(progress_url(world.college_class("3e A")))
    text = page.content.decode()
    row = text[text.index("MARTIN Léa") : text.index("</tr>", text.index("MARTIN Léa"))]
    # Léa shared a visit and a forum; her private research is not counted.
    cells = [cell.split(">")[-1] for cell in row.split("</td>")[:-1]]
    assert cells[:4] == ["1", "1", "0", "0"]
    assert "<strong>2</strong>" in row


def test_pupils_with_nothing_shared_are_highlighted(world):
    lea = world.user("pupil")
    Entry.objects.filter(owner=world.user("classmate")).update(
        visibility=Visibility.PRIVATE
    )
    text = (
        world.client_for("teacher")
        .get(progress_url(world.college_class("3e A")))
        .content.decode()
    )
    school_class = world.college_class("3e A")
    silent = school_class.enrolments.exclude(
        pupil__entries__visibility=Visibility.SHARED,
        pupil__entries__is_draft=False,
        pupil__entries__deleted_at__isnull=True,
    ).count()
    assert silent >= 1
    assert re.search(
        rf"{silent} élèves? n’(a|ont) encore rien partagé cette année", text
    )
    assert text.count("wc-row-empty") == silent
    assert lea.last_name.upper() in text


def test_it_sorts_by_total(world):
    text = (
        world.client_for("teacher")
        .get(progress_url(world.college_class("3e A")), {"tri": "entries"})
        .content.decode()
    )
    assert 'aria-sort="descending"' in text


def test_queries_do_not_grow_with_pupils_or_entries(world):
    """35 pupils × 60 entries, and answers to the class's assignments, cost
    the same queries as the demo class."""
    school_class = world.college_class("3e B")
    teacher = world.client_for("teacher")
    today = timezone.localdate()
    assignments = [
        class_services.assignment_create(
            by=world.user("teacher"),
            school_class=school_class,
            title=f"Activité {n}",
            kind=EntryKind.FORUM,
            instructions="Racontez.",
            due_on=today + datetime.timedelta(days=7),
            pupils=[e.pupil for e in school_class.enrolments.all()[:5]] if n else [],
        )
        for n in range(2)
    ]
    teacher.get(
        progress_url(school_class)
    )  # warm-up: session bookkeeping is not the page's cost
    with CaptureQueriesContext(connection) as small:
        assert teacher.get(progress_url(school_class)).status_code == 200
    year = SchoolYear.objects.get()
    start = datetime.date(year.start_year, 9, 1)
    for index in range(10):
        pupil = class_services.user_create(
            username=f"new.{index}", first_name="Nouvel", last_name=f"Élève {index}"
        )
        class_services.enrolment_create(by=None, pupil=pupil, school_class=school_class)
    entries = []
    for pupil_index, enrolment in enumerate(
        school_class.enrolments.select_related("pupil")
    ):
        entries += [
            Entry(
                owner=enrolment.pupil,
                kind=EntryKind.values[(pupil_index + n) % len(EntryKind.values)],
                title=f"Trace {n}",
                start_date=start + datetime.timedelta(days=n),
                school_year=year,
                level=Level.TROISIEME,
                visibility=Visibility.SHARED,
                assignment=assignments[0] if n == 0 else None,
            )
            for n in range(60)
        ]
    Entry.objects.bulk_create(entries)
    assert school_class.enrolments.count() == 35
    teacher.get(
        progress_url(school_class)
    )  # warm-up: session bookkeeping is not the page's cost
    with CaptureQueriesContext(connection) as large:
        response = teacher.get(progress_url(school_class))
    assert response.status_code == 200
    assert len(small) > 3
    assert len(large) == len(small)
    text = response.content.decode()
    assert "<strong>60</strong>" in text
    # Every pupil answered the whole-class activity; five also had the other.
    assert text.count("<td>1 / 1</td>") == 30
    assert text.count("<td>1 / 2</td>") == 5
