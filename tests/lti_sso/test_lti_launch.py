"""Launches from a real LTI 1.3 platform on loopback, end to end: login
initiation, the platform's signed id_token, the launch, the landing page, the
cookies and framing rules an LMS iframe needs."""

import pytest
from django.urls import reverse

from classes.models import Enrolment, StaffRole, TeachingAssignment, User
from tests.lti_sso.lti_fixtures import (
    CONTEXT_3EA,
    LAUNCH_URL,
    LEA_SUB,
    PROF_SUB,
    SESSION_COOKIE,
    csrf_post,
    tool_client,
)
from tests.lti_sso.lti_platform import (
    ADMINISTRATOR,
    GUEST,
    INSTRUCTOR,
    LEARNER,
    MENTOR,
    STAFF,
)


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def _logged_in(client) -> User:
    return User.objects.get(pk=client.session["_auth_user_id"])


def test_it_sends_the_tool_jwks(lti):
    response = tool_client().get("/lti/jwks/", secure=True)
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys
    for key in keys:
        assert key["kty"] == "RSA"
        assert key["alg"] == "RS256"
        assert key["use"] == "sig"
        assert key["kid"]
        # Public parts only.
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_login_initiation_redirects_to_the_platform_with_state_and_nonce(lti):
    client = tool_client()
    first = lti.login(client)
    second = lti.login(client, method="post")
    # Fresh state and nonce each time (a replayed one is useless).
    assert first.state != second.state
    assert first.nonce != second.nonce


def test_a_pupil_launch_lands_in_her_space(lti, linked, world):
    response = lti.launch(sub=LEA_SUB, roles=[LEARNER])
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse("portfolio:home")
    assert _logged_in(response.client) == world.user("pupil")
    page = response.client.get(response["Location"], secure=True)
    assert page.status_code == 200
    assert "Léa" in page.content.decode()


def test_a_teacher_launch_lands_in_the_linked_class(lti, linked, world):
    response = lti.launch(
        sub=PROF_SUB, roles=[INSTRUCTOR], given_name="Sophie", family_name="Bernard"
    )
    assert response.status_code == 302, response.content[:500]
    school_class = world.college_class("3e A")
    assert response["Location"] == reverse(
        "classes:class_detail", args=[school_class.pk]
    )
    assert _logged_in(response.client) == world.user("teacher")
    page = response.client.get(response["Location"], secure=True)
    assert page.status_code == 200


def test_a_new_learner_in_a_linked_course_becomes_a_pupil_of_the_class(
    lti, linked, world
):
    """A pupil the platform knows and the tool does not yet: created, enrolled
    in the course's class, and known by (issuer, sub) from then on."""
    from lti_sso.models import LtiIdentity

    users = User.objects.count()
    response = lti.launch(
        sub="moodle-user-new", roles=[LEARNER], given_name="Inès", family_name="Roux"
    )
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse("portfolio:home")
    assert User.objects.count() == users + 1
    identity = LtiIdentity.objects.get(platform=lti.registration, sub="moodle-user-new")
    assert (identity.user.first_name, identity.user.last_name) == ("Inès", "Roux")
    assert Enrolment.objects.filter(
        pupil=identity.user, school_class=world.college_class("3e A")
    ).exists()
    # The second launch finds the same person.
    again = lti.launch(sub="moodle-user-new", roles=[LEARNER])
    assert again.status_code == 302
    assert User.objects.count() == users + 1
    assert _logged_in(again.client) == identity.user


@pytest.mark.parametrize("role", [MENTOR, STAFF])
def test_mentor_and_staff_are_the_educational_team(lti, linked, world, role):
    from lti_sso.models import LtiIdentity

    cpe = world.user("cpe")
    LtiIdentity.objects.create(platform=lti.registration, sub="moodle-cpe", user=cpe)
    response = lti.launch(sub="moodle-cpe", roles=[role])
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse(
        "classes:school_overview", args=[lti.school.pk]
    )
    assert _logged_in(response.client) == cpe
    page = response.client.get(response["Location"], secure=True)
    assert page.status_code == 200
    # Not a pupil, not a teacher of the class by this launch.
    assert not Enrolment.objects.filter(pupil=cpe).exists()
    assert not TeachingAssignment.objects.filter(teacher=cpe).exists()


def test_an_administrator_is_the_school_admin(lti, linked, world):
    from lti_sso.models import LtiIdentity

    head = world.user("head")
    LtiIdentity.objects.create(platform=lti.registration, sub="moodle-adm", user=head)
    response = lti.launch(sub="moodle-adm", roles=[ADMINISTRATOR])
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse(
        "classes:school_overview", args=[lti.school.pk]
    )
    assert _logged_in(response.client) == head
    page = response.client.get(response["Location"], secure=True)
    assert page.status_code == 200
    assert StaffRole.objects.filter(
        user=head, school=lti.school, role=StaffRole.Role.SCHOOL_ADMIN
    ).exists()


def test_a_new_staff_member_joins_the_school_team(lti, linked, world):
    """Someone the tool does not know, whom the school's platform calls
    Staff: a new account in the school's educational team, nothing more."""
    from lti_sso.models import LtiIdentity

    response = lti.launch(
        sub="moodle-new-staff", roles=[STAFF], given_name="Anne", family_name="Vidal"
    )
    assert response.status_code == 302, response.content[:500]
    user = LtiIdentity.objects.get(sub="moodle-new-staff").user
    assert _logged_in(response.client) == user
    roles = set(StaffRole.objects.filter(user=user).values_list("school", "role"))
    assert roles == {(lti.school.pk, StaffRole.Role.CPE)}
    assert not TeachingAssignment.objects.filter(teacher=user).exists()
    assert not Enrolment.objects.filter(pupil=user).exists()


def test_an_unknown_role_gives_no_access(lti, linked, refused_launch):
    response = lti.launch(sub="moodle-guest", roles=[GUEST])
    refused_launch.check(response)


def test_no_role_at_all_gives_no_access(lti, linked, refused_launch):
    response = lti.launch(sub="moodle-guest", roles=[])
    refused_launch.check(response)


def test_the_session_cookie_works_in_the_lms_iframe(lti, linked):
    response = lti.launch(sub=LEA_SUB, roles=[LEARNER])
    assert response.status_code == 302
    cookie = response.cookies[SESSION_COOKIE]
    assert cookie["samesite"] == "None"
    assert cookie["secure"]
    assert cookie["httponly"]


def test_launched_pages_may_be_framed_by_the_registered_platform_only(
    lti, linked, world
):
    response = lti.launch(sub=LEA_SUB, roles=[LEARNER])
    page = response.client.get(response["Location"], secure=True)
    assert page.status_code == 200
    csp = _directives(page["Content-Security-Policy"])
    assert csp["frame-ancestors"] == [lti.platform.issuer]
    assert page.get("X-Frame-Options", "").upper() != "DENY"
    # The same pupil outside the LMS: nobody frames the page.
    plain = world.client_for("pupil").get(response["Location"], secure=True)
    assert _directives(plain["Content-Security-Policy"])["frame-ancestors"] == [
        "'none'"
    ]
    assert plain["X-Frame-Options"] == "DENY"


def test_another_login_in_the_same_session_ends_the_lti_session(lti, linked, world):
    """After a launch, the same browser session logs in another way (Django's
    login(), which the password and SAML logins go through, with the same
    person): the session stops being an LTI one, so its pages are no longer
    framed by the platform."""
    from django.contrib.auth import login
    from django.contrib.sessions.backends.base import SessionBase
    from django.test import RequestFactory

    from lti_sso.lti.framing import SESSION_PLATFORM

    response = lti.launch(sub=LEA_SUB, roles=[LEARNER])
    client = response.client
    session: SessionBase = client.session
    assert session[SESSION_PLATFORM] == lti.registration.pk
    request = RequestFactory().get("/")
    request.session = session
    login(
        request,
        world.user("pupil"),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    request.session.save()
    client.cookies[SESSION_COOKIE] = request.session.session_key
    assert SESSION_PLATFORM not in client.session
    page = client.get(reverse("portfolio:home"), secure=True)
    assert page.status_code == 200
    assert _directives(page["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]
    assert page["X-Frame-Options"] == "DENY"


def test_the_refusal_page_is_shown_in_french(lti, linked):
    response = lti.launch(sub=LEA_SUB, roles=[GUEST])
    assert response.status_code == 403
    assert "<html" in response.content.decode().lower()
    assert 'lang="fr"' in response.content.decode()


def test_the_context_is_recorded_with_its_memberships_url(lti, linked):
    response = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR])
    assert response.status_code == 302
    linked.refresh_from_db()
    assert linked.memberships_url == lti.platform.memberships_url(CONTEXT_3EA)


def test_a_teacher_links_an_unknown_course_to_one_of_their_classes(lti, linked, world):
    """A course never seen: the teacher is asked which of their classes it
    is, and may choose only among the classes they teach."""
    from lti_sso.models import LtiContext

    response = lti.launch(
        sub=PROF_SUB, roles=[INSTRUCTOR], context_id="course-new", context_title="3B"
    )
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith("/lti/lien/")
    client = response.client
    assert client.get(response["Location"], secure=True).status_code == 200
    other = world.college_class("6e A")  # taught by somebody else
    refused = csrf_post(client, response["Location"], {"school_class": other.pk})
    assert refused.status_code in {403, 422}
    assert LtiContext.objects.get(context_id="course-new").school_class_id is None
    chosen = world.college_class("3e B")
    done = csrf_post(client, response["Location"], {"school_class": chosen.pk})
    assert done.status_code == 302
    assert LtiContext.objects.get(context_id="course-new").school_class == chosen


def test_the_launch_url_is_the_registered_redirect_uri(lti):
    auth = lti.login(tool_client())
    assert auth.redirect_uri == LAUNCH_URL


def test_a_refused_launch_is_shown_inside_the_platform_iframe(
    lti, linked, stranger_key
):
    """The refusal page of a launch that failed verification must render in
    the LMS iframe (the registered platform's origin), not a framing error."""
    response = lti.launch(
        sub=LEA_SUB,
        roles=[LEARNER],
        token=lambda claims: lti.platform.sign(claims, key=stranger_key),
    )
    assert response.status_code == 403
    csp = _directives(response["Content-Security-Policy"])
    assert csp["frame-ancestors"] == [lti.platform.issuer]


def test_a_refused_role_is_shown_inside_the_platform_iframe(lti, linked):
    response = lti.launch(sub=LEA_SUB, roles=[GUEST])
    assert response.status_code == 403
    csp = _directives(response["Content-Security-Policy"])
    assert csp["frame-ancestors"] == [lti.platform.issuer]


def test_the_state_cookie_comes_back_with_the_platform_form_post(lti):
    """The platform posts the id_token cross-site: the state cookie set at
    login initiation must be SameSite=None; Secure to come back with it."""
    client = tool_client()
    auth = lti.login(client)
    cookies = [morsel for name, morsel in client.cookies.items() if auth.state in name]
    assert len(cookies) == 1, client.cookies.output()
    assert cookies[0].value == auth.state
    assert cookies[0]["samesite"] == "None"
    assert cookies[0]["secure"]


def test_moodle_roles_of_a_site_admin_teaching_the_course(lti, linked, world):
    """Moodle sends a site administrator who teaches the course both kinds
    of roles: the course role decides (teacher, not school admin)."""
    from tests.lti_sso.lti_platform import SYSTEM

    response = lti.launch(
        sub=PROF_SUB,
        roles=[INSTRUCTOR, ADMINISTRATOR, SYSTEM + "Administrator"],
    )
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse(
        "classes:class_detail", args=[world.college_class("3e A").pk]
    )
    assert not StaffRole.objects.filter(
        user=world.user("teacher"), role=StaffRole.Role.SCHOOL_ADMIN
    ).exists()


def test_a_platform_registered_through_the_page_launches(lti_server, world, settings):
    """docs/lti.md step 3: the head copies Moodle's values into the
    registration page; the next launch from that platform works."""
    from lti_sso.models import LtiIdentity, LtiPlatform

    settings.LTI_ALLOW_INSECURE_PLATFORM_URLS = True
    lti_server.reset()
    school = world.college_class("3e A").school
    head = world.client_for("head")
    page = head.get(f"/etablissement/{school.pk}/lti/nouveau/", secure=True)
    assert page.status_code == 200
    assert "/lti/jwks/" in page.content.decode()  # the tool's values to copy
    response = head.post(
        f"/etablissement/{school.pk}/lti/nouveau/",
        {
            "name": "Moodle du collège",
            "issuer": lti_server.issuer,
            "client_id": lti_server.client_id,
            "deployment_ids": lti_server.deployment_id,
            "auth_login_url": lti_server.auth_login_url,
            "auth_token_url": lti_server.token_url,
            "key_set_url": lti_server.jwks_url,
            "key_set": "",
        },
        secure=True,
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    registration = LtiPlatform.objects.get(issuer=lti_server.issuer)
    assert registration.school == school

    from tests.lti_sso.lti_fixtures import Lti

    lti = Lti(platform=lti_server, registration=registration, school=school)
    lti.refresh_tool_keys()
    LtiIdentity.objects.create(
        platform=registration, sub=PROF_SUB, user=world.user("teacher")
    )
    launch = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR], context_title="3e A")
    assert launch.status_code == 302, launch.content[:500]
    # The course's title is a class the teacher teaches: linked at once.
    assert launch["Location"] == reverse(
        "classes:class_detail", args=[world.college_class("3e A").pk]
    )
