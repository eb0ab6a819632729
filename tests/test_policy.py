"""The access policy: predicates, visible querysets and get_*_for agree."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from classes.models import Class, School
from classes.permissions import (
    can_view_class,
    classes_visible_to,
    get_class_for,
    get_school_for,
    pupils_visible_to,
)
from portfolio.permissions import get_portfolio_owner_for
from tests.test_access_matrix import CAST

MEMBERS = [alias for alias in CAST if alias != "anonymous"]


@pytest.mark.parametrize("alias", MEMBERS)
def test_can_view_class_agrees_with_classes_visible_to(world, alias):
    user = world.user(alias)
    visible = set(classes_visible_to(user).values_list("pk", flat=True))
    for school_class in Class.objects.all():
        assert can_view_class(user, school_class) == (school_class.pk in visible)


def test_a_teacher_sees_exactly_the_pupils_of_the_classes_they_teach(world):
    teacher = world.user("teacher")
    names = {c.name for c in classes_visible_to(teacher)}
    assert names == {"3e A", "3e B"}
    pupils = pupils_visible_to(teacher)
    assert pupils.count() == 50
    assert world.user("other_class_pupil") not in pupils


def test_the_team_sees_the_pupils_of_its_school_only(world):
    pupils = pupils_visible_to(world.user("cpe"))
    assert pupils.count() == 125
    assert world.user("other_school_pupil") not in pupils


def test_a_pupil_sees_only_themself(world):
    assert list(pupils_visible_to(world.user("pupil"))) == [world.user("pupil")]


def test_the_platform_admin_sees_no_pupil_portfolio(world):
    assert not pupils_visible_to(world.user("platform_admin")).exists()


def test_get_class_for_hides_what_the_user_may_not_see(world):
    lycee_class = Class.objects.get(name="2de 1")
    with pytest.raises(Http404):
        get_class_for(world.user("head"), lycee_class.pk, "view")
    with pytest.raises(Http404):
        get_class_for(world.user("head"), 10**9, "view")


def test_an_unknown_action_is_denied(world):
    school_class = world.college_class("3e A")
    with pytest.raises(PermissionDenied):
        get_class_for(world.user("head"), school_class.pk, "delete everything")
    with pytest.raises(PermissionDenied):
        get_school_for(world.user("head"), school_class.school_id, "fly")
    with pytest.raises(PermissionDenied):
        get_portfolio_owner_for(world.user("teacher"), world.user("pupil").pk, "fly")


def test_staff_see_a_portfolio_but_only_the_pupil_edits_it(world):
    pupil = world.user("pupil")
    assert get_portfolio_owner_for(pupil, pupil.pk, "edit") == pupil
    assert get_portfolio_owner_for(world.user("teacher"), pupil.pk, "view") == pupil
    with pytest.raises(PermissionDenied):
        get_portfolio_owner_for(world.user("teacher"), pupil.pk, "edit")


def test_a_school_seen_by_a_pupil_still_hides_its_overview(world):
    college = School.objects.get(uai="0693901R")
    assert get_school_for(world.user("pupil"), college.pk, "view") == college
    with pytest.raises(PermissionDenied):
        get_school_for(world.user("pupil"), college.pk, "view_overview")
