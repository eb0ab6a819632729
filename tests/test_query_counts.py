"""Every list page and API list costs the same number of queries whatever the
number of rows it lists: each is measured with N rows and again with 3N.

Lists already measured elsewhere (tests/portfolio/): the pupil timeline and a
teacher's view of it (test_timeline), class progress (test_class_progress),
the class synthesis (test_class_synthesis), the school coverage and its CSV
(test_coverage), the class interviews list (test_interviews).
"""

import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classes import services as class_services
from classes.models import Class, Enrolment, Level, SchoolYear, User
from portfolio import services
from portfolio.models import AccessLog, Entry, EntryKind, Visibility

N = 3


def count_queries(client, url: str) -> int:
    client.get(url)  # warm-up: session bookkeeping is not the page's cost
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


# --- Ways to grow a list by `count` rows ------------------------------------


def _shared_entries(world, count: int, *, trash: bool = False) -> None:
    """Léa's shared entries, with métiers, tags and a teacher's comment."""
    lea = world.user("pupil")
    teacher = world.user("teacher")
    today = timezone.localdate()
    for index in range(count):
        entry = services.entry_save(
            by=lea,
            entry=Entry(
                kind=EntryKind.COMPANY_VISIT,
                title=f"Visite {Entry.objects.count()}",
                start_date=today - datetime.timedelta(days=index % 20),
                visibility=Visibility.SHARED,
            ),
            metiers=[services.MetierLine(f"Métier {index}", "")],
            tag_names=[f"tag{index % 3}"],
        )
        services.comment_create(by=teacher, entry=entry, body="Bien vu.")
        if trash:
            services.entry_move_to_trash(by=lea, entry=entry)


def grow_entries(world, count: int) -> None:
    _shared_entries(world, count)


def grow_trash(world, count: int) -> None:
    _shared_entries(world, count, trash=True)


def grow_access_log(world, count: int) -> None:
    lea = world.user("pupil")
    for reader in ("teacher", "cpe", "head")[: min(count, 3)]:
        for _ in range(max(1, count // 3)):
            services.access_log_record(
                reader=world.user(reader),
                pupil_id=lea.pk,
                what=AccessLog.What.PORTFOLIO,
            )


def grow_class(world, count: int) -> None:
    """New pupils in 3e A, each with a shared entry."""
    school_class = world.college_class("3e A")
    for _ in range(count):
        number = User.objects.count()
        pupil = class_services.user_create(
            username=f"grown.{number}", first_name="Nouvel", last_name=f"Élève {number}"
        )
        class_services.enrolment_create(by=None, pupil=pupil, school_class=school_class)
        services.entry_save(
            by=pupil,
            entry=Entry(
                kind=EntryKind.FORUM,
                title="Forum",
                start_date=timezone.localdate(),
                visibility=Visibility.SHARED,
            ),
            metiers=[services.MetierLine("Boulanger", "")],
        )


def grow_assignments(world, count: int) -> None:
    school_class = world.college_class("3e A")
    teacher = world.user("teacher")
    lea = world.user("pupil")
    for index in range(count):
        assignment = class_services.assignment_create(
            by=teacher,
            school_class=school_class,
            title=f"Activité {Entry.objects.count()}-{index}",
            kind=EntryKind.CLASS_ACTIVITY,
            instructions="Racontez.",
            due_on=timezone.localdate() + datetime.timedelta(days=7),
            pupils=[lea] if index % 2 else [],
        )
        answer = services.answer_draft_for(by=lea, assignment=assignment)
        services.entry_save(by=lea, entry=answer)


def grow_classes(world, count: int) -> None:
    """New classes in the collège, each with a pupil and Léa's teacher."""
    school = world.college_class("3e A").school
    year = SchoolYear.objects.current()
    teacher = world.user("teacher")
    for _ in range(count):
        number = Class.objects.count()
        school_class = class_services.class_create(
            by=None,
            school=school,
            year=year,
            name=f"3e Z{number}",
            level=Level.TROISIEME,
        )
        pupil = class_services.user_create(
            username=f"classe.{number}", first_name="Élève", last_name=f"Z{number}"
        )
        class_services.enrolment_create(by=None, pupil=pupil, school_class=school_class)
        class_services.teaching_assignment_create(
            by=None, teacher=teacher, school_class=school_class
        )


def grow_flags(world, count: int) -> None:
    school = world.college_class("3e A").school
    head = world.user("head")
    flagged = set(
        school.pupilflag_set.values_list("pupil_id", flat=True)
        if hasattr(school, "pupilflag_set")
        else []
    )
    candidates = (
        Enrolment.objects.filter(school_class__school=school, left_on__isnull=True)
        .exclude(pupil_id__in=flagged)
        .select_related("pupil")
        .order_by("pupil_id")
    )
    done = 0
    for enrolment in candidates:
        if done == count:
            break
        try:
            class_services.pupil_flag_raise(
                by=head, school=school, pupil=enrolment.pupil, reason="À suivre"
            )
        except Exception:  # noqa: S112 - already flagged: take the next pupil
            continue
        done += 1
    assert done == count


def grow_interviews(world, count: int) -> None:
    psyen = world.user("psyen")
    school_class = world.college_class("3e A")
    pupils = [
        e.pupil for e in school_class.enrolments.select_related("pupil").order_by("pk")
    ]
    start = timezone.now() + datetime.timedelta(days=3)
    for index in range(count):
        services.interview_plan(
            by=psyen,
            pupil=pupils[(index + Entry.objects.count()) % len(pupils)],
            planned_at=start + datetime.timedelta(hours=index),
            participants=[world.user("teacher")],
        )


# --- The lists ----------------------------------------------------------------


def college_pk(world) -> int:
    return world.college_class("3e A").school_id


def class_pk(world) -> int:
    return world.college_class("3e A").pk


def lea_pk(world) -> int:
    return world.user("pupil").pk


Case = tuple[str, Callable[..., str], Callable[..., None]]

CASES: dict[str, Case] = {
    # Pupil pages
    "trash": ("pupil", lambda w: reverse("portfolio:trash"), grow_trash),
    "access log": (
        "pupil",
        lambda w: reverse("portfolio:access_log"),
        grow_access_log,
    ),
    "my interviews (pupil)": (
        "pupil",
        lambda w: reverse("interviews:mine"),
        grow_interviews,
    ),
    # Class space
    "class page": (
        "teacher",
        lambda w: reverse("classes:class_detail", args=[class_pk(w)]),
        grow_class,
    ),
    "class page, assignments": (
        "teacher",
        lambda w: reverse("classes:class_detail", args=[class_pk(w)]),
        grow_assignments,
    ),
    "my classes": ("teacher", lambda w: reverse("classes:my_classes"), grow_classes),
    # School administration
    "school overview": (
        "head",
        lambda w: reverse("classes:school_overview", args=[college_pk(w)]),
        grow_classes,
    ),
    "school management": (
        "head",
        lambda w: reverse("school_admin:manage", args=[college_pk(w)]),
        grow_classes,
    ),
    "flags": (
        "head",
        lambda w: reverse("school_admin:flag_list", args=[college_pk(w)]),
        grow_flags,
    ),
    # API lists
    "API entries (pupil)": ("pupil", lambda w: reverse("api:entry_list"), grow_entries),
    # Léa's entries only, on one page: each row read is logged.
    "API entries (teacher)": (
        "teacher",
        lambda w: reverse("api:entry_list") + f"?owner={lea_pk(w)}&page_size=50",
        grow_entries,
    ),
    "API trash": ("pupil", lambda w: reverse("api:trash_list"), grow_trash),
    "API interviews": (
        "psyen",
        lambda w: reverse("api:interview_list"),
        grow_interviews,
    ),
    "API classes": ("teacher", lambda w: reverse("api:class_list"), grow_classes),
    "API class pupils": (
        "teacher",
        lambda w: reverse("api:class_pupils", args=[class_pk(w)]),
        grow_class,
    ),
    "API class assignments": (
        "teacher",
        lambda w: reverse("api:class_assignments", args=[class_pk(w)]),
        grow_assignments,
    ),
    "API assignments": (
        "pupil",
        lambda w: reverse("api:assignment_list"),
        grow_assignments,
    ),
    "API school overview": (
        "head",
        lambda w: reverse("api:school_overview", args=[college_pk(w)]),
        grow_class,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_list_costs_the_same_queries_at_n_and_3n_rows(world, name):
    alias, url_of, grow = CASES[name]
    client = world.client_for(alias)
    url = url_of(world)
    grow(world, N)
    at_n = count_queries(client, url)
    grow(world, 2 * N)
    at_3n = count_queries(client, url)
    assert at_n > 2  # the capture sees the page's queries
    assert at_3n == at_n, f"{name}: {at_n} queries at N, {at_3n} at 3N"
