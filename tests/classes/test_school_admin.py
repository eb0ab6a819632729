"""Managing the school: classes, teachers, team roles and settings. Only
heads, deputies, school admins and the platform admin; bad input is refused
next to its field and nothing is written."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from classes import services
from classes.models import Class, SchoolYear, StaffRole, TeachingAssignment, User
from classes.permissions import can_teach_class


def college(world):
    return world.college_class("3e A").school


def test_the_manager_creates_a_class(world):
    client = world.client_for("head")
    url = reverse("school_admin:class_create", args=[college(world).pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "3e C", "level": "3e"})
    assert response.status_code == 302
    created = Class.objects.get(school=college(world), name="3e C")
    assert created.year == SchoolYear.objects.current()


def test_a_duplicate_class_name_is_refused_next_to_the_name(world):
    client = world.client_for("head")
    url = reverse("school_admin:class_create", args=[college(world).pk])
    count = Class.objects.count()
    response = client.post(url, {"name": "3e A", "level": "3e"})
    assert response.status_code == 422
    assert 'id="id_name-errors"' in response.text
    assert Class.objects.count() == count
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.class_create(
            by=world.user("head"),
            school=college(world),
            year=SchoolYear.objects.current(),
            name="3e A",
            level="3e",
        )
    assert refused.value.message_dict["name"] == [
        "This school already has a class with this name this year."
    ]


def test_a_known_teacher_is_assigned_and_removed(world):
    client = world.client_for("head")
    school_class = world.college_class("3e B")
    other = world.user("other_teacher")
    url = reverse("school_admin:teaching_add", args=[college(world).pk])
    page = client.get(url)
    assert f'value="{other.pk}"' in page.text
    response = client.post(
        url,
        {
            "school_class": school_class.pk,
            "person": other.pk,
            "subject": "Histoire-géographie",
            "is_principal": "on",
        },
    )
    assert response.status_code == 302
    assignment = TeachingAssignment.objects.get(
        teacher=other, school_class=school_class
    )
    assert assignment.is_principal
    assert assignment.subject == "Histoire-géographie"
    assert can_teach_class(User.objects.get(pk=other.pk), school_class)
    removed = client.post(reverse("school_admin:teaching_remove", args=[assignment.pk]))
    assert removed.status_code == 302
    assert not TeachingAssignment.objects.filter(pk=assignment.pk).exists()
    assert not can_teach_class(User.objects.get(pk=other.pk), school_class)


def test_a_new_teacher_gets_an_sso_only_account(world):
    client = world.client_for("head")
    url = reverse("school_admin:teaching_add", args=[college(world).pk])
    response = client.post(
        url,
        {
            "school_class": world.college_class("3e B").pk,
            "first_name": "Nadia",
            "last_name": "Benali",
            "email": "nadia.benali@example.test",
            "subject": "SVT",
        },
    )
    assert response.status_code == 302
    teacher = User.objects.get(email="nadia.benali@example.test")
    assert not teacher.has_usable_password()
    assert teacher.teaching_assignments.get().school_class.name == "3e B"


def test_nothing_is_written_when_the_assignment_fails(world):
    """A new person whose class already has them: no account is left behind."""
    client = world.client_for("head")
    url = reverse("school_admin:teaching_add", args=[college(world).pk])
    users = User.objects.count()
    missing = client.post(url, {"school_class": world.college_class("3e B").pk})
    assert missing.status_code == 422
    assert 'id="id_person-errors"' in missing.text
    teacher = world.user("teacher")
    twice = client.post(
        url, {"school_class": world.college_class("3e A").pk, "person": teacher.pk}
    )
    assert twice.status_code == 422
    assert 'id="id_person-errors"' in twice.text
    taken = client.post(
        url,
        {
            "school_class": world.college_class("3e A").pk,
            "first_name": "A",
            "last_name": "B",
            "email": teacher.email,
        },
    )
    assert taken.status_code == 422
    assert 'id="id_email-errors"' in taken.text
    assert User.objects.count() == users


def test_a_role_is_granted_and_revoked(world):
    client = world.client_for("head")
    teacher = world.user("teacher")
    url = reverse("school_admin:role_grant", args=[college(world).pk])
    response = client.post(url, {"person": teacher.pk, "role": "referent"})
    assert response.status_code == 302
    role = StaffRole.objects.get(user=teacher, role="referent")
    again = client.post(url, {"person": teacher.pk, "role": "referent"})
    assert again.status_code == 422
    assert 'id="id_person-errors"' in again.text
    revoked = client.post(reverse("school_admin:role_revoke", args=[role.pk]))
    assert revoked.status_code == 302
    assert not StaffRole.objects.filter(pk=role.pk).exists()


def test_the_last_manager_keeps_their_role(world):
    school = college(world)
    managers = StaffRole.objects.filter(
        school=school, role__in=["head", "deputy", "school_admin"]
    )
    last = managers.first()
    managers.exclude(pk=last.pk).delete()
    with pytest.raises(ValidationError):
        services.staff_role_revoke(by=last.user, staff_role=last)
    assert StaffRole.objects.filter(pk=last.pk).exists()


def test_the_settings_are_saved(world):
    client = world.client_for("head")
    school = college(world)
    assert school.confidential_note_roles == ["psyen"]
    url = reverse("school_admin:settings", args=[school.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"confidential_note_roles": ["psyen", "cpe"], "interview_levels": ["3e"]},
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.confidential_note_roles == ["cpe", "psyen"]
    assert school.interview_levels == ["3e"]
    bad = client.post(url, {"confidential_note_roles": ["janitor"]})
    assert bad.status_code == 422
    assert 'id="id_confidential_note_roles-errors"' in bad.text
    school.refresh_from_db()
    assert school.confidential_note_roles == ["cpe", "psyen"]


@pytest.mark.parametrize("alias", ["teacher", "cpe", "psyen", "other_school_head"])
def test_only_managers_change_the_school(world, alias):
    user = world.user(alias)
    school = college(world)
    with pytest.raises(PermissionDenied):
        services.class_create(
            by=user,
            school=school,
            year=SchoolYear.objects.current(),
            name="3e Z",
            level="3e",
        )
    with pytest.raises(PermissionDenied):
        services.staff_role_revoke(
            by=user, staff_role=StaffRole.objects.filter(school=school).first()
        )
    with pytest.raises(PermissionDenied):
        services.school_settings_update(
            by=user, school=school, confidential_note_roles=[], interview_levels=[]
        )
    with pytest.raises(PermissionDenied):
        services.teaching_assignment_remove(
            by=user,
            assignment=TeachingAssignment.objects.filter(
                school_class__school=school
            ).first(),
        )


def test_the_management_page_lists_classes_team_and_departures(world):
    response = world.client_for("head").get(
        reverse("school_admin:manage", args=[college(world).pk])
    )
    assert response.status_code == 200
    assert reverse("school_admin:class_create", args=[college(world).pk]) in (
        response.text
    )
    assert 'id="departs"' in response.text
