"""The “Synchroniser la liste des élèves” button ({% lti_roster_button %}):
for the class's teachers, when a linked course offers the roster."""

from django.template import Context, Template
from django.test import RequestFactory

from lti_sso.models import LtiContext, LtiPlatform

TEMPLATE = Template("{% load lti %}{% lti_roster_button school_class %}")


def _render(user, school_class) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return TEMPLATE.render(Context({"request": request, "school_class": school_class}))


def _linked(world, memberships_url: str) -> LtiContext:
    school_class = world.college_class("3e A")
    platform = LtiPlatform.objects.create(
        school=school_class.school,
        name="Moodle",
        issuer="https://moodle.example.fr",
        client_id="c",
        auth_login_url="https://moodle.example.fr/auth",
        auth_token_url="https://moodle.example.fr/token",
        key_set_url="https://moodle.example.fr/certs",
    )
    return LtiContext.objects.create(
        platform=platform,
        context_id="course",
        school_class=school_class,
        memberships_url=memberships_url,
    )


def test_the_teacher_sees_the_button_of_a_course_offering_the_roster(world):
    context = _linked(world, "https://moodle.example.fr/nrps/1")
    html = _render(world.user("teacher"), context.school_class)
    assert 'id="lti-roster-sync"' in html
    assert f"/lti/classes/{context.school_class_id}/roster/" in html


def test_pupils_and_the_team_do_not(world):
    context = _linked(world, "https://moodle.example.fr/nrps/1")
    for alias in ("pupil", "head", "cpe"):
        assert "lti-roster-sync" not in _render(world.user(alias), context.school_class)


def test_nothing_without_a_roster_service(world):
    context = _linked(world, "")
    assert "lti-roster-sync" not in _render(world.user("teacher"), context.school_class)
