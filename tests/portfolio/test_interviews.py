"""Orientation interviews: planned → prepared → held → followed up, with a
confidential note for the roles the school allows; and the access log."""

import datetime
import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from classes.models import StaffRole
from portfolio import services
from portfolio.models import AccessLog, Interview, InterviewStatus, Visibility
from portfolio.permissions import can_read_confidential_note, interviews_visible_to

SOON = timezone.now() + datetime.timedelta(days=3)


def page_text(response) -> str:
    return html.unescape(response.content.decode()).replace("'", "’")


def plan(world, by="psyen", pupil="classmate", **changes):
    data = {
        "by": world.user(by),
        "pupil": world.user(pupil),
        "planned_at": SOON,
        "place": "CDI",
    }
    data.update(changes)
    return services.interview_plan(**data)


def test_the_whole_workflow(world):
    interview = plan(world, participants=[world.user("teacher")])
    assert interview.status == InterviewStatus.PLANNED
    assert interview.level == "3e"
    mate = world.user("classmate")
    shared = mate.entries.filter(visibility=Visibility.SHARED, is_draft=False)[:1]
    services.interview_prepare(
        by=mate,
        interview=interview,
        entries=list(shared),
        interests="Le sport",
        worries="",
        questions="Quel bac pour devenir kiné ?",
    )
    assert interview.status == InterviewStatus.PREPARED
    services.interview_record(
        by=world.user("teacher"),  # a participant
        interview=interview,
        synthesis="Projet kiné.",
        next_steps="Mini-stage en cabinet.",
    )
    assert interview.status == InterviewStatus.HELD
    services.interview_record(
        by=world.user("psyen"),
        interview=interview,
        synthesis="Projet kiné.",
        next_steps="Mini-stage en cabinet.",
        follow_up="Mini-stage fait en mars.",
        confidential_note="À revoir.",
    )
    assert interview.status == InterviewStatus.FOLLOWED_UP
    page = page_text(
        world.client_for("classmate").get(
            reverse("interviews:detail", args=[interview.pk])
        )
    )
    assert "Projet kiné." in page
    assert "Mini-stage en cabinet." in page
    assert "À revoir." not in page
    services.interview_set_in_passport(by=mate, interview=interview, shown=True)
    interview.refresh_from_db()
    assert interview.in_passport


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"planned_at": timezone.now() - datetime.timedelta(days=1)}, "planned_at"),
        ({"pupil": "other_class_pupil", "by": "psyen"}, "level"),
    ],
)
def test_bad_plans_are_refused_and_write_nothing(world, changes, expected):
    before = Interview.objects.count()
    if "pupil" in changes:
        changes = {**changes, "pupil": world.user(changes["pupil"])}
        changes["by"] = world.user(changes["by"])
    with pytest.raises(ValidationError) as error:
        services.interview_plan(
            **{
                "by": world.user("psyen"),
                "pupil": world.user("classmate"),
                "planned_at": SOON,
                **changes,
            }
        )
    if expected == "level":
        assert error.value.code == "level"
    else:
        assert expected in error.value.message_dict
    assert Interview.objects.count() == before


def test_a_participant_from_another_school_is_refused(world):
    before = Interview.objects.count()
    with pytest.raises(ValidationError) as error:
        plan(world, participants=[world.user("other_school_teacher")])
    assert "participants" in error.value.message_dict
    assert Interview.objects.count() == before


def test_only_the_pp_or_the_psyen_plans(world):
    for alias in ("head", "cpe", "documentalist", "other_teacher", "classmate"):
        with pytest.raises(PermissionDenied):
            plan(world, by=alias)
    assert plan(world, by="teacher").organiser == world.user("teacher")


def test_a_private_entry_cannot_be_chosen_for_the_interview(world):
    interview = plan(world, pupil="pupil")
    lea = world.user("pupil")
    private = world.entry("Recherches sur les bacs pro du numérique")
    with pytest.raises(ValidationError) as error:
        services.interview_prepare(
            by=lea,
            interview=interview,
            entries=[private],
            interests="x",
            worries="",
            questions="",
        )
    assert "entries" in error.value.message_dict
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.PLANNED
    assert not interview.entries.exists()


def test_preparing_nothing_is_refused_on_the_page(world):
    interview = plan(world, pupil="pupil")
    response = world.client_for("pupil").post(
        reverse("interviews:prepare", args=[interview.pk]), {}
    )
    assert response.status_code == 422
    assert 'id="form-errors"' in response.content.decode()
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.PLANNED


def test_an_empty_synthesis_is_refused_next_to_its_field(world):
    interview = plan(world)
    response = world.client_for("psyen").post(
        reverse("interviews:record", args=[interview.pk]),
        {"synthesis": "  ", "next_steps": "x"},
    )
    assert response.status_code == 422
    assert 'id="id_synthesis-errors"' in response.content.decode()
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.PLANNED
    assert interview.next_steps == ""


def test_a_confidential_note_cannot_be_written_by_a_role_not_allowed(world):
    interview = plan(world, participants=[world.user("teacher")])
    with pytest.raises(PermissionDenied):
        services.interview_record(
            by=world.user("teacher"),
            interview=interview,
            synthesis="x",
            next_steps="",
            confidential_note="secret",
        )
    interview.refresh_from_db()
    assert interview.confidential_note == ""
    # Posting the field anyway through the page changes nothing either.
    world.client_for("teacher").post(
        reverse("interviews:record", args=[interview.pk]),
        {"synthesis": "Bien.", "confidential_note": "secret"},
    )
    interview.refresh_from_db()
    assert interview.synthesis == "Bien."
    assert interview.confidential_note == ""


def test_the_school_decides_who_reads_confidential_notes(world):
    interview = world.interview_of_lea()
    cpe = world.user("cpe")
    assert not can_read_confidential_note(cpe, interview)
    interview.school.confidential_note_roles = [
        StaffRole.Role.PSYEN,
        StaffRole.Role.CPE,
    ]
    interview.school.save()
    interview.refresh_from_db()
    assert can_read_confidential_note(cpe, interview)
    page = world.client_for("cpe").get(
        reverse("interviews:detail", args=[interview.pk])
    )
    assert "Situation familiale à suivre" in page.content.decode()


def test_a_teacher_who_is_not_pp_does_not_see_interviews(world):
    interview = world.interview_of_lea()
    # 3e A's second teacher (not PP, not a participant).
    second = (
        world.college_class("3e A")
        .teaching_assignments.exclude(is_principal=True)
        .get()
        .teacher
    )
    assert not interviews_visible_to(second).filter(pk=interview.pk).exists()


def test_the_class_list_shows_interviews_to_hold_and_held(world):
    page = page_text(
        world.client_for("teacher").get(
            reverse("interviews:class_list", args=[world.college_class("3e A").pk])
        )
    )
    assert "Tenus : 1 — à tenir : 24" in page


def test_staff_openings_are_logged_and_shown_to_the_pupil(world):
    lea = world.user("pupil")
    before = AccessLog.objects.filter(pupil=lea).count()
    visit = world.entry("Visite de l'atelier du Garage des Tonkins")
    world.client_for("cpe").get(reverse("portfolio:entry_detail", args=[visit.pk]))
    world.client_for("teacher").get(reverse("portfolio:pupil_portfolio", args=[lea.pk]))
    world.client_for("pupil").get(reverse("portfolio:entry_detail", args=[visit.pk]))
    rows = AccessLog.objects.filter(pupil=lea)
    assert rows.count() == before + 2
    page = page_text(world.client_for("pupil").get(reverse("portfolio:access_log")))
    assert "Thomas" in page or str(world.user("cpe")) in page
    assert str(world.user("teacher")) in page
    # Nobody else reads Léa's log.
    assert (
        world.client_for("classmate").get(reverse("portfolio:access_log")).status_code
        == 200
    )
    assert str(world.user("cpe")) not in page_text(
        world.client_for("classmate").get(reverse("portfolio:access_log"))
    )


def test_the_access_log_is_insert_only(world):
    world.client_for("cpe").get(
        reverse("portfolio:pupil_portfolio", args=[world.user("pupil").pk])
    )
    row = AccessLog.objects.latest("at")
    row.what = AccessLog.What.ENTRY
    with pytest.raises(ValueError, match="insert-only"):
        row.save()
    with pytest.raises(ValueError, match="insert-only"):
        row.delete()


def test_the_class_list_costs_the_same_queries_with_more_pupils(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from classes import services as class_services

    school_class = world.college_class("3e A")
    url = reverse("interviews:class_list", args=[school_class.pk])
    client = world.client_for("psyen")
    client.get(url)  # warm-up: session bookkeeping is not the page's cost
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for index in range(10):
        pupil = class_services.user_create(
            username=f"epo.{index}", first_name="Élève", last_name=f"Nouveau {index}"
        )
        class_services.enrolment_create(by=None, pupil=pupil, school_class=school_class)
    client.get(url)
    with CaptureQueriesContext(connection) as large:
        page = page_text(client.get(url))
    assert len(large) == len(small)
    assert page.count("Planifier") >= 35
