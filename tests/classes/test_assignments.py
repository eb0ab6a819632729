"""Assignments: giving, answering, reviewing, editing at once, deleting.

Bad input gets a French message next to its field and changes nothing."""

import datetime
import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from classes import services
from classes.models import Assignment, AssignmentSeen
from classes.permissions import assignments_visible_to
from classes.queries import new_assignments_for
from portfolio import services as portfolio_services
from portfolio.models import Entry, EntryKind, Visibility
from portfolio.permissions import entries_visible_to

TODAY = timezone.localdate()
NEXT_WEEK = TODAY + datetime.timedelta(days=7)


def give(world, **changes):
    data = {
        "by": world.user("teacher"),
        "school_class": world.college_class("3e A"),
        "title": "Visite de l'entreprise X",
        "kind": EntryKind.COMPANY_VISIT,
        "instructions": "Notez trois métiers rencontrés.",
        "due_on": NEXT_WEEK,
    }
    data.update(changes)
    return services.assignment_create(**data)


def answer(world, assignment, alias="pupil", **fields):
    pupil = world.user(alias)
    entry = portfolio_services.answer_draft_for(by=pupil, assignment=assignment)
    for name, value in fields.items():
        setattr(entry, name, value)
    return portfolio_services.entry_save(by=pupil, entry=entry)


def form_data(**changes):
    data = {
        "title": "Visite de l'entreprise X",
        "kind": EntryKind.COMPANY_VISIT,
        "instructions": "Notez trois métiers rencontrés.",
        "opens_on": TODAY.isoformat(),
        "due_on": NEXT_WEEK.isoformat(),
        "answer_expected": "on",
    }
    data.update(changes)
    return data


def page_text(response) -> str:
    """The page with entities decoded and French apostrophes made typographic."""
    return html.unescape(response.content.decode()).replace("'", "’")


def create_url(world):
    return reverse("classes:assignment_create", args=[world.college_class("3e A").pk])


# --- Bad input on the form: the message sits next to its field -------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {
                "opens_on": (TODAY - datetime.timedelta(days=3)).isoformat(),
                "due_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
            },
            "due_on",
            "Cette date limite est déjà passée",
        ),
        (
            {"instructions": "   "},
            "instructions",
            "Écrivez les consignes",
        ),
        (
            {"opens_on": NEXT_WEEK.isoformat(), "due_on": TODAY.isoformat()},
            "due_on",
            "La date limite ne peut pas précéder la date d’ouverture",
        ),
    ],
)
def test_bad_input_is_refused_next_to_its_field(world, changes, field, message):
    before = Assignment.objects.count()
    response = world.client_for("teacher").post(create_url(world), form_data(**changes))
    assert response.status_code == 422
    text = page_text(response)
    errors = text[text.index(f'id="id_{field}-errors"') :][:400]
    assert message in errors
    assert Assignment.objects.count() == before


def test_a_pupil_outside_the_class_cannot_be_chosen(world):
    outsider = world.user("other_class_pupil")
    before = Assignment.objects.count()
    response = world.client_for("teacher").post(
        create_url(world), form_data(chosen_pupils=[outsider.pk])
    )
    assert response.status_code == 422
    assert "n’est pas dans la classe" in page_text(response)
    assert Assignment.objects.count() == before
    # The service says the same to any other caller (an API, a script).
    with pytest.raises(ValidationError) as error:
        give(world, pupils=[outsider])
    assert "chosen_pupils" in error.value.message_dict
    assert Assignment.objects.count() == before


def test_a_form_the_service_refuses_keeps_the_errors_and_writes_nothing(world):
    """AssignmentForm.create_assignment (the class page and the LTI deep-link
    picker): a form valid on its own that the service refuses (an outsider
    offered by a wrong list of pupils) gets the service's error under its
    field, and no activity is written."""
    from classes.forms import AssignmentForm
    from classes.models import User

    outsider = world.user("other_class_pupil")
    form = AssignmentForm(
        form_data(chosen_pupils=[outsider.pk]),
        pupils=User.objects.filter(pk=outsider.pk),
    )
    assert form.is_valid(), form.errors
    before = Assignment.objects.count()
    created = form.create_assignment(
        by=world.user("teacher"), school_class=world.college_class("3e A")
    )
    assert created is None
    assert "chosen_pupils" in form.errors
    assert Assignment.objects.count() == before


def test_only_the_class_teachers_give_activities(world):
    with pytest.raises(PermissionDenied):
        give(world, by=world.user("other_teacher"))
    with pytest.raises(PermissionDenied):
        give(world, by=world.user("head"))


# --- Who sees what ---------------------------------------------------------


def test_chosen_pupils_only_see_an_activity_given_to_them(world):
    lea, mate = world.user("pupil"), world.user("classmate")
    assignment = give(world, pupils=[mate])
    assert not assignments_visible_to(lea).filter(pk=assignment.pk).exists()
    assert assignments_visible_to(mate).filter(pk=assignment.pk).exists()
    page = world.client_for("pupil").get(
        reverse("staff:assignment_detail", args=[assignment.pk])
    )
    assert page.status_code == 404


def test_an_activity_not_yet_open_is_hidden_from_pupils(world):
    assignment = give(world, opens_on=NEXT_WEEK, due_on=NEXT_WEEK)
    assert (
        not assignments_visible_to(world.user("pupil"))
        .filter(pk=assignment.pk)
        .exists()
    )
    assert (
        assignments_visible_to(world.user("teacher")).filter(pk=assignment.pk).exists()
    )


def test_a_new_activity_is_announced_until_the_pupil_opens_it(world):
    lea = world.user("pupil")
    before = new_assignments_for(lea).count()
    assignment = give(world)
    assert new_assignments_for(lea).count() == before + 1
    client = world.client_for("pupil")
    home = page_text(client.get(reverse("portfolio:home")))
    assert "Visite de l’entreprise X" in home
    assert f"{before + 1} nouvelles activités" in home or before + 1 == 1
    client.get(reverse("staff:assignment_detail", args=[assignment.pk]))
    assert AssignmentSeen.objects.filter(assignment=assignment, pupil=lea).exists()
    assert new_assignments_for(lea).count() == before
    # Staff opening it does not count as the pupil's reading.
    world.client_for("teacher").get(
        reverse("staff:assignment_detail", args=[assignment.pk])
    )
    assert AssignmentSeen.objects.filter(assignment=assignment).count() == 1


# --- Answering -------------------------------------------------------------


def test_an_answer_is_shared_with_the_assigning_teacher_only(world):
    assignment = give(world)
    entry = answer(world, assignment)
    assert entry.visibility == Visibility.TEACHER
    assert entry.kind == EntryKind.COMPANY_VISIT
    assert entry.title == assignment.title
    assert entries_visible_to(world.user("teacher")).filter(pk=entry.pk).exists()
    for alias in ("head", "cpe", "psyen", "classmate", "other_teacher"):
        assert not entries_visible_to(world.user(alias)).filter(pk=entry.pk).exists()
    # Shared widely, the team reads it too; private, nobody but Léa.
    portfolio_services.entry_set_visibility(
        by=world.user("pupil"), entry=entry, visibility=Visibility.SHARED
    )
    assert entries_visible_to(world.user("head")).filter(pk=entry.pk).exists()
    portfolio_services.entry_set_visibility(
        by=world.user("pupil"), entry=entry, visibility=Visibility.PRIVATE
    )
    assert not entries_visible_to(world.user("teacher")).filter(pk=entry.pk).exists()


def test_an_ordinary_entry_cannot_be_shared_with_a_teacher_only(world):
    entry = world.entry("Recherches sur les bacs pro du numérique")
    with pytest.raises(ValidationError):
        portfolio_services.entry_set_visibility(
            by=world.user("pupil"), entry=entry, visibility=Visibility.TEACHER
        )
    entry.refresh_from_db()
    assert entry.visibility == Visibility.PRIVATE


def test_answering_a_closed_activity_is_refused_and_writes_nothing(world):
    assignment = give(world)
    draft = portfolio_services.answer_draft_for(
        by=world.user("pupil"), assignment=assignment
    )
    services.assignment_set_closed(
        by=world.user("teacher"), assignment=assignment, closed=True
    )
    before = Entry.objects.count()
    with pytest.raises(ValidationError) as error:
        portfolio_services.entry_save(by=world.user("pupil"), entry=draft)
    assert "clôturée" in " ".join(error.value.messages) or "closed" in str(error.value)
    assert Entry.objects.count() == before
    # Through the pages: a clear message, back to the activity.
    client = world.client_for("pupil")
    url = reverse("portfolio:entry_create") + f"?activite={assignment.pk}"
    response = client.get(url, follow=True)
    assert "n’accepte plus de réponses" in page_text(response)
    response = client.post(
        reverse("portfolio:entry_create"),
        {
            "activite": assignment.pk,
            "kind": EntryKind.COMPANY_VISIT,
            "title": "Ma réponse",
            "start_date": TODAY.isoformat(),
            "visibility": Visibility.TEACHER,
            "metiers-TOTAL_FORMS": 0,
            "metiers-INITIAL_FORMS": 0,
            "formations-TOTAL_FORMS": 0,
            "formations-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    assert Entry.objects.count() == before


def test_a_late_answer_is_still_taken_until_the_activity_is_closed(world):
    assignment = give(world)
    Assignment.objects.filter(pk=assignment.pk).update(
        opens_on=TODAY - datetime.timedelta(days=20),
        due_on=TODAY - datetime.timedelta(days=2),
    )
    assignment.refresh_from_db()
    home = world.client_for("pupil").get(reverse("portfolio:home")).content.decode()
    assert "En retard" in home
    entry = answer(world, assignment)
    assert entry.assignment_id == assignment.pk


def test_the_teacher_reviews_and_comments_an_answer(world):
    assignment = give(world)
    entry = answer(world, assignment)
    teacher = world.client_for("teacher")
    response = teacher.post(reverse("portfolio:entry_review", args=[entry.pk]))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.reviewed_at is not None
    assert entry.reviewed_by == world.user("teacher")
    teacher.post(
        reverse("portfolio:comment_create", args=[entry.pk]), {"body": "Bien vu."}
    )
    page = teacher.get(reverse("staff:assignment_detail", args=[assignment.pk]))
    text = page_text(page)
    assert "relue" in text
    assert "Réponses partagées avec vous : 1 sur 25 élèves. À relire : 0." in text
    # The pupil sees the comment and the review mark.
    mine = world.client_for("pupil").get(
        reverse("portfolio:entry_detail", args=[entry.pk])
    )
    assert "Bien vu." in mine.content.decode()
    assert "relue le" in mine.content.decode()


def test_the_team_cannot_review_an_answer_it_cannot_read(world):
    assignment = give(world)
    entry = answer(world, assignment, visibility=Visibility.SHARED)
    # The head reads it (shared widely) but does not teach the class.
    response = world.client_for("head").post(
        reverse("portfolio:entry_review", args=[entry.pk])
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.reviewed_at is None


def test_a_private_answer_is_not_counted_nor_shown_to_the_teacher(world):
    assignment = give(world)
    answer(world, assignment, visibility=Visibility.PRIVATE, title="Mon compte rendu")
    text = page_text(
        world.client_for("teacher").get(
            reverse("staff:assignment_detail", args=[assignment.pk])
        )
    )
    assert "Réponses partagées avec vous : 0 sur 25 élèves." in text
    assert "Mon compte rendu" not in text


# --- Editing and deleting --------------------------------------------------


def test_two_teachers_editing_at_once_do_not_lose_an_update(world):
    assignment = give(world)
    teacher = world.user("teacher")
    common = {
        "kind": assignment.kind,
        "instructions": assignment.instructions,
        "due_on": assignment.due_on,
        "opens_on": assignment.opens_on,
        "answer_expected": True,
    }
    version = assignment.version
    services.assignment_update(
        by=teacher, assignment=assignment, version=version, title="Premier", **common
    )
    stale = Assignment.objects.get(pk=assignment.pk)
    with pytest.raises(ValidationError) as error:
        services.assignment_update(
            by=teacher, assignment=stale, version=version, title="Second", **common
        )
    assert error.value.code == "stale"
    assert Assignment.objects.get(pk=assignment.pk).title == "Premier"
    # Through the page: the message, and the first title kept.
    response = world.client_for("teacher").post(
        reverse("classes:assignment_edit", args=[assignment.pk]),
        form_data(title="Troisième", version=version),
    )
    assert response.status_code == 422
    assert "Un autre enseignant a modifié cette activité" in response.content.decode()
    assert Assignment.objects.get(pk=assignment.pk).title == "Premier"


def test_editing_keeps_the_answers(world):
    assignment = give(world)
    entry = answer(world, assignment)
    response = world.client_for("teacher").post(
        reverse("classes:assignment_edit", args=[assignment.pk]),
        form_data(title="Visite de l'entreprise Y", version=assignment.version),
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.assignment_id == assignment.pk
    assert entry.title == "Visite de l'entreprise X"  # the pupil's words stay


def test_deleting_keeps_the_pupils_entries_unlinked_and_private(world):
    assignment = give(world)
    entry = answer(world, assignment)
    response = world.client_for("teacher").post(
        reverse("staff:assignment_delete", args=[assignment.pk])
    )
    assert response.status_code == 302
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    entry.refresh_from_db()
    assert entry.assignment_id is None
    assert entry.visibility == Visibility.PRIVATE
    assert entry.owner == world.user("pupil")
    assert not entries_visible_to(world.user("teacher")).filter(pk=entry.pk).exists()


# --- Teachers who leave, pupils who move -----------------------------------


def test_a_teacher_no_longer_teaching_the_class_sees_nothing_of_it(world):
    assignment = give(world)
    answer(world, assignment)
    teacher = world.user("teacher")
    teacher.teaching_assignments.filter(school_class__name="3e A").delete()
    client = world.client_for("teacher")
    assert (
        client.get(reverse("staff:assignment_detail", args=[assignment.pk])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("classes:class_detail", args=[assignment.school_class_id])
        ).status_code
        == 404
    )


def test_a_pupil_moving_class_keeps_entries_and_answers(world):
    assignment = give(world)
    entry = answer(world, assignment)
    lea = world.user("pupil")
    entries_before = set(Entry.objects.filter(owner=lea).values_list("pk", flat=True))
    services.enrolment_move(
        by=world.user("head"), pupil=lea, to_class=world.college_class("3e B")
    )
    assert set(Entry.objects.filter(owner=lea).values_list("pk", flat=True)) == (
        entries_before
    )
    entry.refresh_from_db()
    assert entry.assignment_id == assignment.pk
    lea = world.user("pupil")
    new_class = world.client_for("pupil").get(
        reverse("classes:class_detail", args=[world.college_class("3e B").pk])
    )
    assert new_class.status_code == 200
    assert (
        "MARTIN Léa"
        in world.client_for("head")
        .get(reverse("classes:class_detail", args=[world.college_class("3e B").pk]))
        .content.decode()
    )
    # The old class's activities are no longer hers to answer.
    assert not assignments_visible_to(lea).filter(pk=assignment.pk).exists()


def test_only_a_school_manager_moves_a_pupil(world):
    with pytest.raises(PermissionDenied):
        services.enrolment_move(
            by=world.user("teacher"),
            pupil=world.user("pupil"),
            to_class=world.college_class("3e B"),
        )
