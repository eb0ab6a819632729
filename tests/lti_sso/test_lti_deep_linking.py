"""Deep linking end to end: a teacher in the LMS picks "add a webclasseur
activity", chooses an assignment, the platform receives and verifies the
tool's signed LtiDeepLinkingResponse and places the link; a pupil launching
that link lands on the assignment."""

import datetime

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from classes import services as class_services
from classes.kinds import ActivityKind
from classes.models import Assignment
from tests.lti_sso.lti_fixtures import (
    LEA_SUB,
    PROF_SUB,
    csrf_post,
    deep_link_form,
)
from tests.lti_sso.lti_platform import (
    DL_CONTENT_ITEMS,
    DL_DATA,
    INSTRUCTOR,
    LEARNER,
    LTI,
)

TITLE = "Préparer la visite du lycée Marie-Curie"


def _pick(lti, world, assignment: Assignment):
    """The teacher's deep-linking launch and choice; returns the platform's
    record of the response it received."""
    launch = lti.launch(
        sub=PROF_SUB,
        roles=[INSTRUCTOR],
        message_type="LtiDeepLinkingRequest",
        deep_link_data="moodle-section-3",
    )
    assert launch.status_code == 302, launch.content[:500]
    picker_url = launch["Location"]
    assert picker_url.startswith("/lti/deep-linking/")
    client = launch.client
    picker = client.get(picker_url, secure=True)
    assert picker.status_code == 200
    assert assignment.title in picker.content.decode()
    page = csrf_post(client, picker_url, {"assignment": assignment.pk})
    assert page.status_code == 200, page.content[:500]
    action, fields = deep_link_form(page.content.decode())
    assert action == lti.platform.deep_link_return_url
    # The browser submits the form to the platform.
    answer = requests.post(action, data=fields, timeout=10)
    assert answer.status_code == 200, lti.platform.recorded.deep_link_refusals
    return lti.platform.recorded.deep_link_responses[-1], page


def test_the_platform_receives_a_valid_signed_response(lti, linked, world):
    assignment = world.assignment(TITLE)
    received, page = _pick(lti, world, assignment)
    claims = received["claims"]
    assert claims["iss"] == lti.platform.client_id
    assert claims["aud"] in (lti.platform.issuer, [lti.platform.issuer])
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[DL_DATA] == "moodle-section-3"
    items = claims[DL_CONTENT_ITEMS]
    assert len(items) == 1
    assert items[0]["type"] == "ltiResourceLink"
    assert items[0]["custom"]["assignment"] == str(assignment.pk)
    assert items[0]["title"]
    # Signed by the tool's active key, published in its JWKS.
    kids = {key["kid"] for key in lti.platform.tool_jwks["keys"]}
    assert received["header"]["kid"] in kids
    assert received["header"]["alg"] == "RS256"
    # The auto-submitting page runs no inline script (CSP).
    assert "<script>" not in page.content.decode()


def test_a_pupil_launching_the_placed_link_lands_on_the_assignment(lti, linked, world):
    assignment = world.assignment(TITLE)
    received, _page = _pick(lti, world, assignment)
    item = received["claims"][DL_CONTENT_ITEMS][0]
    # Moodle launches the placed link with the item's custom parameters.
    response = lti.launch(
        sub=LEA_SUB,
        roles=[LEARNER],
        resource_link_id="moodle-link-42",
        custom=item["custom"],
    )
    assert response.status_code == 302, response.content[:500]
    url = reverse("staff:assignment_detail", args=[assignment.pk])
    assert response["Location"] == url
    page = response.client.get(url, secure=True)
    assert page.status_code == 200
    assert TITLE in page.content.decode()


def test_a_pupil_of_another_class_does_not_land_on_the_assignment(lti, linked, world):
    from lti_sso.models import LtiIdentity

    assignment = world.assignment(TITLE)
    received, _page = _pick(lti, world, assignment)
    item = received["claims"][DL_CONTENT_ITEMS][0]
    stranger = world.user("other_class_pupil")  # 4e A
    LtiIdentity.objects.create(
        platform=lti.registration, sub="moodle-4ea", user=stranger
    )
    response = lti.launch(
        sub="moodle-4ea",
        roles=[LEARNER],
        resource_link_id="moodle-link-42",
        custom=item["custom"],
    )
    url = reverse("staff:assignment_detail", args=[assignment.pk])
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:home")
    assert response["Location"] != url
    if "_auth_user_id" in response.client.session:
        assert response.client.get(url, secure=True).status_code in {403, 404}


@pytest.fixture
def other_class_assignment(world) -> Assignment:
    """An activity of 6e A, given by its own teacher."""
    school_class = world.college_class("6e A")
    return class_services.assignment_create(
        by=world.user("other_teacher"),
        school_class=school_class,
        title="Découvrir le CDI",
        kind=ActivityKind.OTHER,
        instructions="Venez au CDI.",
        due_on=timezone.localdate() + datetime.timedelta(days=7),
    )


def test_a_custom_assignment_of_another_class_is_ignored(
    lti, linked, world, other_class_assignment
):
    """The custom parameter is the platform's, but the assignment must belong
    to the course's class: one of 6e A is not opened from 3e A's course."""
    response = lti.launch(
        sub=LEA_SUB,
        roles=[LEARNER],
        custom={"assignment": str(other_class_assignment.pk)},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:home")
    from lti_sso.models import LtiResourceLink

    assert not LtiResourceLink.objects.filter(
        assignment=other_class_assignment
    ).exists()


def test_the_picker_offers_only_the_linked_class_assignments(
    lti, linked, world, other_class_assignment
):
    launch = lti.launch(
        sub=PROF_SUB, roles=[INSTRUCTOR], message_type="LtiDeepLinkingRequest"
    )
    client = launch.client
    picker = client.get(launch["Location"], secure=True)
    assert TITLE in picker.content.decode()
    assert other_class_assignment.title not in picker.content.decode()
    response = csrf_post(
        client, launch["Location"], {"assignment": other_class_assignment.pk}
    )
    assert response.status_code == 422
    assert b'name="JWT"' not in response.content
    assert lti.platform.recorded.deep_link_responses == []


def test_the_teacher_may_create_the_activity_from_the_picker(lti, linked, world):
    """A new activity of the class, created in the picker, is the one placed
    in the course."""
    launch = lti.launch(
        sub=PROF_SUB, roles=[INSTRUCTOR], message_type="LtiDeepLinkingRequest"
    )
    today = timezone.localdate()
    assert launch.client.get(launch["Location"], secure=True).status_code == 200
    page = csrf_post(
        launch.client,
        launch["Location"],
        {
            "action": "create",
            "title": "Interroger un professionnel",
            "kind": ActivityKind.OTHER,
            "instructions": "Préparez trois questions.",
            "opens_on": today.isoformat(),
            "due_on": (today + datetime.timedelta(days=14)).isoformat(),
            "answer_expected": "on",
        },
    )
    assert page.status_code == 200, page.content.decode()[-3000:]
    created = Assignment.objects.get(title="Interroger un professionnel")
    assert created.school_class == world.college_class("3e A")
    action, fields = deep_link_form(page.content.decode())
    assert action == lti.platform.deep_link_return_url
    assert requests.post(action, data=fields, timeout=10).status_code == 200
    item = lti.platform.recorded.deep_link_responses[-1]["claims"][DL_CONTENT_ITEMS]
    assert item[0]["custom"] == {"assignment": str(created.pk)}
