"""A pupil who leaves the school: out of the class lists and of the staff's
sight, still reading their own portfolio until `access_until`, then refused.
Nothing of the portfolio is deleted; a departure recorded by mistake is undone."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from classes import services
from classes.models import Enrolment
from classes.permissions import (
    can_use_pupil_space,
    classes_visible_to,
    pupils_visible_to,
)
from classes.queries import class_pupils
from portfolio.models import Entry
from portfolio.permissions import entries_visible_to

TODAY = timezone.localdate()


def leave(world, alias="pupil", left_on=TODAY):
    pupil = world.user(alias)
    return services.pupil_departure_record(
        by=world.user("head"),
        pupil=pupil,
        school=world.college_class("3e A").school,
        left_on=left_on,
    )


def test_it_sets_the_dates_and_keeps_the_portfolio(world):
    entries_before = Entry.objects.filter(owner=world.user("pupil")).count()
    enrolment = leave(world, left_on=TODAY - datetime.timedelta(days=2))
    assert enrolment.left_on == TODAY - datetime.timedelta(days=2)
    assert enrolment.access_until == enrolment.left_on + datetime.timedelta(
        days=settings.LEFT_PUPIL_ACCESS_DAYS
    )
    assert Entry.objects.filter(owner=world.user("pupil")).count() == entries_before


def test_the_access_lasts_the_configured_number_of_days(world, settings):
    settings.LEFT_PUPIL_ACCESS_DAYS = 10
    enrolment = leave(world)
    assert enrolment.access_until == TODAY + datetime.timedelta(days=10)


def test_it_vanishes_from_the_class_and_from_the_staff(world):
    lea = world.user("pupil")
    school_class = world.college_class("3e A")
    teacher = world.client_for("teacher")
    progress_url = reverse("staff:class_progress", args=[school_class.pk])
    portfolio_url = reverse("portfolio:pupil_portfolio", args=[lea.pk])
    assert portfolio_url in teacher.get(progress_url).text
    leave(world)
    assert lea not in class_pupils(school_class)
    for alias in ("teacher", "head", "cpe", "psyen"):
        staff = world.user(alias)
        assert not pupils_visible_to(staff).filter(pk=lea.pk).exists()
        assert not entries_visible_to(staff).filter(owner=lea).exists()
    page = teacher.get(reverse("classes:class_detail", args=[school_class.pk]))
    assert page.status_code == 200
    assert portfolio_url not in page.text
    progress = teacher.get(progress_url)
    assert progress.status_code == 200
    assert portfolio_url not in progress.text
    assert teacher.get(portfolio_url).status_code == 404
    assert world.client_for("cpe").get(portfolio_url).status_code == 404


def test_the_class_counts_no_longer_include_them(world):
    school_class = world.college_class("3e A")
    before = class_pupils(school_class).count()
    leave(world)
    assert class_pupils(school_class).count() == before - 1


def test_the_pupil_keeps_their_own_portfolio_but_not_the_class(world):
    leave(world)
    lea = world.user("pupil")
    assert can_use_pupil_space(lea)
    assert not classes_visible_to(lea).exists()
    client = world.client_for("pupil")
    assert client.get(reverse("portfolio:home")).status_code == 200
    assert (
        client.get(reverse("portfolio:pupil_portfolio", args=[lea.pk])).status_code
        == 200
    )
    entry = entries_visible_to(lea).filter(owner=lea).first()
    assert entry is not None
    assert (
        client.get(reverse("portfolio:entry_detail", args=[entry.pk])).status_code
        == 200
    )
    school_class = world.college_class("3e A")
    assert (
        client.get(reverse("classes:class_detail", args=[school_class.pk])).status_code
        == 404
    )
    assignment = world.assignment("Préparer la visite du lycée Marie-Curie")
    assert (
        client.get(reverse("staff:assignment_detail", args=[assignment.pk])).status_code
        == 404
    )


def test_after_access_until_the_pupil_space_is_refused(world):
    enrolment = leave(world)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        left_on=TODAY - datetime.timedelta(days=400),
        access_until=TODAY - datetime.timedelta(days=1),
    )
    lea = world.user("pupil")
    assert not can_use_pupil_space(lea)
    assert not pupils_visible_to(lea).exists()
    client = world.client_for("pupil")
    assert client.get(reverse("portfolio:home")).status_code == 403
    assert (
        client.get(reverse("portfolio:pupil_portfolio", args=[lea.pk])).status_code
        == 404
    )


def test_require_pupil_space_explains_an_ended_access(world):
    from classes.permissions import require_pupil_space

    enrolment = leave(world)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        left_on=TODAY - datetime.timedelta(days=400),
        access_until=TODAY - datetime.timedelta(days=1),
    )
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        require_pupil_space(world.user("pupil"))
    assert "access to your portfolio ended" in str(refused.value)


def test_undo_brings_the_pupil_back(world):
    enrolment = leave(world)
    services.pupil_departure_undo(by=world.user("head"), enrolment=enrolment)
    lea = world.user("pupil")
    assert lea in class_pupils(world.college_class("3e A"))
    assert pupils_visible_to(world.user("teacher")).filter(pk=lea.pk).exists()
    enrolment.refresh_from_db()
    assert enrolment.left_on is None
    assert enrolment.access_until is None


def test_only_a_manager_records_a_departure(world):
    for alias in ("teacher", "cpe", "other_school_head"):
        with pytest.raises(PermissionDenied):
            services.pupil_departure_record(
                by=world.user(alias),
                pupil=world.user("pupil"),
                school=world.college_class("3e A").school,
                left_on=TODAY,
            )
    assert not Enrolment.objects.filter(left_on__isnull=False).exists()


def test_a_future_date_or_a_pupil_of_another_school_is_refused(world):
    with translation.override("en"):
        with pytest.raises(ValidationError) as future:
            leave(world, left_on=TODAY + datetime.timedelta(days=1))
        assert "cannot be in the future" in str(future.value.message_dict["left_on"])
        with pytest.raises(ValidationError) as elsewhere:
            leave(world, alias="other_school_pupil")
        assert "pupil" in elsewhere.value.message_dict
    assert not Enrolment.objects.filter(left_on__isnull=False).exists()


def test_the_page_records_and_undoes_a_departure(world):
    client = world.client_for("head")
    school = world.college_class("3e A").school
    lea = world.user("pupil")
    url = reverse("school_admin:departure_create", args=[school.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert f'value="{lea.pk}"' in form.text
    bad = client.post(url, {"pupil": lea.pk, "left_on": ""})
    assert bad.status_code == 422
    assert 'id="id_left_on-errors"' in bad.text
    assert not Enrolment.objects.filter(pupil=lea, left_on__isnull=False).exists()
    done = client.post(url, {"pupil": lea.pk, "left_on": TODAY.isoformat()})
    assert done.status_code == 302
    enrolment = Enrolment.objects.get(pupil=lea, left_on__isnull=False)
    manage = client.get(reverse("school_admin:manage", args=[school.pk]))
    assert reverse("school_admin:departure_undo", args=[enrolment.pk]) in manage.text
    # The pupil who left is no longer offered in the list.
    assert f'value="{lea.pk}"' not in client.get(url).text
    undo = client.post(reverse("school_admin:departure_undo", args=[enrolment.pk]))
    assert undo.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.left_on is None
