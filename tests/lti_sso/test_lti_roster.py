"""Class rosters from the platform's Names and Role Provisioning service, end to
end: the tool gets a token from the platform's token endpoint with a JWT
client assertion the platform verifies against the tool's JWKS, then reads
the memberships page by page (Link rel="next")."""

import datetime

from django.urls import reverse
from django.utils import timezone

from classes.models import Enrolment, TeachingAssignment, User
from tests.lti_sso.lti_fixtures import CONTEXT_3EA, LEA_SUB, PROF_SUB, csrf_post
from tests.lti_sso.lti_platform import (
    INSTRUCTOR,
    LEARNER,
    NRPS_MEDIA_TYPE,
    Member,
    unverified_header,
)


def _course(lti, *extra: Member) -> list[Member]:
    members = [
        Member(PROF_SUB, "Sophie", "Bernard", [INSTRUCTOR]),
        Member(LEA_SUB, "Léa", "Martin", [LEARNER]),
        Member("moodle-p1", "Inès", "Roux", [LEARNER], email="ines.roux@example.fr"),
        Member("moodle-p2", "Yanis", "Petit", [LEARNER]),
        Member("moodle-p3", "Zoé", "Blanc", [LEARNER]),
        Member("moodle-gone", "Paul", "Ancien", [LEARNER], status="Inactive"),
        Member("moodle-t2", "Luc", "Durand", [INSTRUCTOR]),
        *extra,
    ]
    lti.platform.courses[CONTEXT_3EA] = members
    return members


def _pupils_of_3ea(world) -> set[int]:
    return set(
        Enrolment.objects.filter(
            school_class=world.college_class("3e A"), left_on__isnull=True
        ).values_list("pupil_id", flat=True)
    )


def _sync(client, world):
    """Press the sync button: from the class page when the client may open
    it (with its CSRF token), else a bare POST."""
    school_class = world.college_class("3e A")
    url = reverse("lti:roster_sync", args=[school_class.pk])
    page = client.get(
        reverse("classes:class_detail", args=[school_class.pk]), secure=True
    )
    if client.handler.enforce_csrf_checks:  # a browser from a launch
        assert page.status_code == 200
        return csrf_post(client, url)
    return client.post(url, secure=True)


def _identity_user(lti, sub: str) -> User:
    from lti_sso.models import LtiIdentity

    return LtiIdentity.objects.get(platform=lti.registration, sub=sub).user


def test_a_teacher_syncs_the_roster_from_the_platform(lti, linked, world):
    # The course is empty at the launch (its own refresh finds nobody).
    lti.platform.courses[CONTEXT_3EA] = []
    launch = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR])
    assert launch.status_code == 302
    client = launch.client
    _course(lti)
    lti.platform.recorded.token_requests.clear()
    lti.platform.recorded.membership_requests.clear()
    users = User.objects.count()
    pupils = _pupils_of_3ea(world)

    response = _sync(client, world)
    assert response.status_code == 302, response.content[:400]

    # The three active Learners the tool did not know are pupils of 3e A now.
    new = {_identity_user(lti, sub) for sub in ("moodle-p1", "moodle-p2", "moodle-p3")}
    assert User.objects.count() == users + 3
    assert _pupils_of_3ea(world) == pupils | {user.pk for user in new}
    ines = _identity_user(lti, "moodle-p1")
    assert (ines.first_name, ines.last_name) == ("Inès", "Roux")
    # Léa stays herself; instructors and inactive members are no pupils.
    assert _identity_user(lti, LEA_SUB) == world.user("pupil")
    from lti_sso.models import LtiIdentity

    assert not LtiIdentity.objects.filter(sub__in=["moodle-gone", "moodle-t2"]).exists()
    assert not TeachingAssignment.objects.filter(
        teacher__in=[user.pk for user in new]
    ).exists()

    # Real protocol: a verified client assertion, a bearer token, all pages.
    recorded = lti.platform.recorded
    assert recorded.token_refusals == []
    assert len(recorded.token_requests) >= 1
    request = recorded.token_requests[-1]
    assert request["grant_type"] == "client_credentials"
    assert "contextmembership.readonly" in request["scope"]
    pages = [r for r in recorded.membership_requests if r["authorization"]]
    assert len(pages) >= 4  # 7 members, 2 a page
    assert all(r["accept"].startswith(NRPS_MEDIA_TYPE) for r in pages)
    linked.refresh_from_db()
    assert linked.roster_synced_at is not None


def test_a_second_sync_creates_nothing_new(lti, linked, world):
    _course(lti)
    client = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR]).client
    assert _sync(client, world).status_code == 302
    users = User.objects.count()
    enrolments = sorted(Enrolment.objects.values_list("pupil_id", "school_class_id"))
    from lti_sso.models import LtiIdentity

    identities = LtiIdentity.objects.count()
    assert _sync(client, world).status_code == 302
    assert User.objects.count() == users
    assert sorted(Enrolment.objects.values_list("pupil_id", "school_class_id")) == (
        enrolments
    )
    assert LtiIdentity.objects.count() == identities


def test_synced_pupils_can_then_launch(lti, linked, world):
    _course(lti)
    client = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR]).client
    assert _sync(client, world).status_code == 302
    yanis = _identity_user(lti, "moodle-p2")
    response = lti.launch(sub="moodle-p2", roles=[LEARNER])
    assert response.status_code == 302
    assert response.client.session["_auth_user_id"] == str(yanis.pk)


def test_the_roster_refreshes_on_launch_at_most_once_an_hour(lti, linked, world):
    _course(lti)
    first = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR])
    assert first.status_code == 302
    recorded = lti.platform.recorded
    linked.refresh_from_db()
    assert linked.roster_synced_at is not None
    assert _identity_user(lti, "moodle-p1")
    calls = len(recorded.membership_requests)
    assert calls >= 1

    # A newcomer in the course; launches within the hour do not ask again.
    _course(lti, Member("moodle-p4", "Noé", "Lemoine", [LEARNER]))
    again = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR])
    assert again.status_code == 302
    assert lti.launch(sub=LEA_SUB, roles=[LEARNER]).status_code == 302
    assert len(recorded.membership_requests) == calls
    from lti_sso.models import LtiIdentity

    assert not LtiIdentity.objects.filter(sub="moodle-p4").exists()

    # An hour later, the next launch refreshes.
    type(linked).objects.filter(pk=linked.pk).update(
        roster_synced_at=timezone.now() - datetime.timedelta(minutes=61)
    )
    later = lti.launch(sub=LEA_SUB, roles=[LEARNER])
    assert later.status_code == 302
    assert len(recorded.membership_requests) > calls
    noe = _identity_user(lti, "moodle-p4")
    assert noe.pk in _pupils_of_3ea(world)


def test_only_a_teacher_of_the_class_may_sync(lti, linked, world):
    lti.platform.courses[CONTEXT_3EA] = []
    lea_launch = lti.launch(sub=LEA_SUB, roles=[LEARNER])
    assert lea_launch.status_code == 302
    _course(lti)
    tokens = len(lti.platform.recorded.token_requests)
    users = User.objects.count()
    for client in (
        lea_launch.client,
        world.client_for("pupil"),
        world.client_for("other_teacher"),
        world.client_for("other_school_teacher"),
    ):
        response = _sync(client, world)
        assert response.status_code in {403, 404}
    assert User.objects.count() == users
    assert len(lti.platform.recorded.token_requests) == tokens


def test_a_sync_is_a_post(lti, linked, world):
    client = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR]).client
    school_class = world.college_class("3e A")
    response = client.get(
        reverse("lti:roster_sync", args=[school_class.pk]), secure=True
    )
    assert response.status_code == 405


def test_a_platform_refusing_the_token_creates_nobody(lti, linked, world):
    """The platform does not know the tool's current key: its assertion is
    refused and nothing is half-written."""
    lti.platform.courses[CONTEXT_3EA] = []
    client = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR]).client
    _course(lti)
    lti.platform.learn_tool_keys({"keys": []})
    users = User.objects.count()
    response = _sync(client, world)
    assert response.status_code == 302
    assert lti.platform.recorded.token_refusals
    assert User.objects.count() == users


def test_a_key_rotation_keeps_the_platform_working(lti, linked, world):
    """The platform administrator rotates the tool's key: the JWKS publishes
    the new key and the previous one, the next client assertion is signed by
    the new key, and the platform (having read the keyset URL again) accepts it."""
    from lti_sso.models import LtiToolKey

    old_kid = LtiToolKey.objects.get(active=True).kid
    assert world.client_for("head").post("/lti/cles/", secure=True).status_code in {
        403,
        404,
    }
    assert LtiToolKey.objects.get(active=True).kid == old_kid
    rotated = world.client_for("platform_admin").post("/lti/cles/", secure=True)
    assert rotated.status_code == 302
    new_kid = LtiToolKey.objects.get(active=True).kid
    assert new_kid != old_kid

    lti.refresh_tool_keys()
    assert {key["kid"] for key in lti.platform.tool_jwks["keys"]} == {
        old_kid,
        new_kid,
    }
    lti.platform.courses[CONTEXT_3EA] = []
    client = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR]).client
    _course(lti)
    assert _sync(client, world).status_code == 302
    assert lti.platform.recorded.token_refusals == []
    assertion = lti.platform.recorded.token_requests[-1]["client_assertion"]
    assert unverified_header(assertion)["kid"] == new_kid
    assert _identity_user(lti, "moodle-p1")


def test_a_learner_of_the_roster_launching_as_instructor_is_refused(lti, linked, world):
    """The platform's roster said Learner for this person in this course; a
    launch now saying Instructor does not make them a teacher of the class."""
    _course(lti)
    assert lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR]).status_code == 302
    yanis = _identity_user(lti, "moodle-p2")
    response = lti.launch(sub="moodle-p2", roles=[INSTRUCTOR])
    assert response.status_code == 403
    assert "_auth_user_id" not in response.client.session
    assert not TeachingAssignment.objects.filter(teacher=yanis).exists()


def test_a_roster_never_enrols_staff_or_moves_a_pupil(lti, linked, world):
    """A teacher the roster lists as Learner stays a teacher; a pupil of
    another class this year stays in it."""
    from lti_sso.models import LtiIdentity

    stranger = world.user("other_class_pupil")  # 4e A
    LtiIdentity.objects.create(
        platform=lti.registration, sub="moodle-4ea", user=stranger
    )
    lti.platform.courses[CONTEXT_3EA] = []
    client = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR]).client
    lti.platform.courses[CONTEXT_3EA] = [
        Member(PROF_SUB, "Sophie", "Bernard", [LEARNER]),
        Member("moodle-4ea", "Autre", "Classe", [LEARNER]),
    ]
    before = sorted(Enrolment.objects.values_list("pupil_id", "school_class_id"))
    assert _sync(client, world).status_code == 302
    assert lti.platform.recorded.membership_requests
    assert sorted(Enrolment.objects.values_list("pupil_id", "school_class_id")) == (
        before
    )
    assert not Enrolment.objects.filter(pupil=world.user("teacher")).exists()


def test_the_teacher_finds_the_sync_button_on_the_class_page(lti, linked, world):
    """After a launch from a course offering NRPS, the class page carries
    the button, and pressing it (its form, its CSRF token) syncs."""
    from tests.lti_sso.lti_fixtures import forms_of

    lti.platform.courses[CONTEXT_3EA] = []
    client = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR]).client
    _course(lti)
    school_class = world.college_class("3e A")
    page = client.get(
        reverse("classes:class_detail", args=[school_class.pk]), secure=True
    )
    url = reverse("lti:roster_sync", args=[school_class.pk])
    buttons = [
        fields
        for action, method, fields in forms_of(page.content.decode())
        if action == url and method.lower() == "post"
    ]
    assert len(buttons) == 1, "no sync button on the class page"
    assert 'id="lti-roster-sync"' in page.content.decode()
    response = csrf_post(client, url)
    assert response.status_code == 302
    assert _identity_user(lti, "moodle-p1").pk in _pupils_of_3ea(world)
