"""Forged, tampered and replayed LTI launches are refused end to end: 403,
nobody logged in, nothing created or changed, never a redirect elsewhere.

Each token is built from a genuine launch of the in-process platform, then
changed the way an attacker would."""

import json
import time

import pytest
from django.urls import reverse

from classes.models import TeachingAssignment
from tests.lti_sso.lti_fixtures import (
    LAUNCH_URL,
    LEA_SUB,
    PROF_SUB,
    csrf_post,
    deep_link_form,
    tool_client,
)
from tests.lti_sso.lti_platform import (
    ADMINISTRATOR,
    DL_SETTINGS,
    DROP,
    INSTRUCTOR,
    LEARNER,
    LTI,
    MENTOR,
    NRPS_CLAIM,
    STAFF,
    RsaKey,
    b64url,
    hand_made_jwt,
    hs256_signer,
)


def _launch_refused(lti, refused_launch, **options):
    options.setdefault("sub", LEA_SUB)
    options.setdefault("roles", [LEARNER])
    response = lti.launch(**options)
    refused_launch.check(response)
    return response


# -- signatures and keys ----------------------------------------------------


def test_a_bad_signature_is_refused(lti, refused_launch, stranger_key):
    """Signed by another key under the platform's own kid."""
    forged = RsaKey(lti.platform.key.kid, stranger_key.private)
    _launch_refused(
        lti, refused_launch, token=lambda claims: lti.platform.sign(claims, key=forged)
    )


def test_a_tampered_payload_is_refused(lti, refused_launch):
    """A genuine signature over other claims (sub changed afterwards)."""

    def tamper(claims):
        genuine = lti.platform.sign(claims)
        header, _payload, signature = genuine.split(".")
        other = dict(claims, sub=PROF_SUB)
        return ".".join([header, b64url(json.dumps(other).encode()), signature])

    _launch_refused(lti, refused_launch, token=tamper)


def test_alg_none_is_refused(lti, refused_launch):
    _launch_refused(
        lti,
        refused_launch,
        token=lambda claims: hand_made_jwt(
            {"alg": "none", "typ": "JWT", "kid": lti.platform.key.kid},
            claims,
            lambda _data: b"",
        ),
    )


def test_hs256_with_the_platform_public_key_as_secret_is_refused(lti, refused_launch):
    secret = lti.platform.key.public_pem
    _launch_refused(
        lti,
        refused_launch,
        token=lambda claims: hand_made_jwt(
            {"alg": "HS256", "typ": "JWT", "kid": lti.platform.key.kid},
            claims,
            hs256_signer(secret),
        ),
    )


def test_an_unknown_key_id_is_refused(lti, refused_launch, stranger_key):
    _launch_refused(
        lti,
        refused_launch,
        token=lambda claims: lti.platform.sign(claims, key=stranger_key),
    )


# -- time -------------------------------------------------------------------


def test_an_expired_token_is_refused(lti, refused_launch):
    now = int(time.time())
    _launch_refused(lti, refused_launch, claims={"iat": now - 7200, "exp": now - 3600})


def test_a_token_issued_in_the_future_is_refused(lti, refused_launch):
    now = int(time.time())
    _launch_refused(lti, refused_launch, claims={"iat": now + 3600, "exp": now + 7200})


# -- nonce and state ----------------------------------------------------------


def test_a_replayed_id_token_is_refused(lti, linked, refused_launch):
    first = lti.launch(sub=LEA_SUB, roles=[LEARNER])
    assert first.status_code == 302
    refused_launch.start()
    # Same browser, same state and token.
    again = lti.post_launch(
        first.client, {"id_token": first.id_token, "state": first.auth.state}
    )
    refused_launch.check(again, tool_client())
    # A fresh browser that went through a login of its own (fresh state).
    client = tool_client()
    auth = lti.login(client)
    replay = lti.post_launch(client, {"id_token": first.id_token, "state": auth.state})
    refused_launch.check(replay, client)


def test_a_nonce_not_issued_by_the_tool_is_refused(lti, refused_launch):
    _launch_refused(lti, refused_launch, claims={"nonce": "chosen-by-attacker"})


def test_a_missing_state_is_refused(lti, refused_launch):
    client = tool_client()
    auth = lti.login(client)
    body = lti.platform.id_token_claims(auth, sub=LEA_SUB, roles=[LEARNER])
    response = lti.post_launch(client, {"id_token": lti.platform.sign(body)})
    refused_launch.check(response, client)


def test_a_mismatched_state_is_refused(lti, refused_launch):
    _launch_refused(lti, refused_launch, state="another-state")


def test_a_state_from_another_browser_is_refused(lti, refused_launch):
    """The victim's state and token posted from the attacker's browser,
    which has no state cookie."""
    victim = tool_client()
    auth = lti.login(victim)
    body = lti.platform.id_token_claims(auth, sub=LEA_SUB, roles=[LEARNER])
    attacker = tool_client()
    response = lti.post_launch(
        attacker, {"id_token": lti.platform.sign(body), "state": auth.state}
    )
    refused_launch.check(response, attacker)


# -- audience, issuer, client, deployment -------------------------------------


def test_a_foreign_audience_is_refused(lti, refused_launch):
    _launch_refused(lti, refused_launch, claims={"aud": "another-tool", "azp": DROP})


def test_an_audience_list_with_a_foreign_azp_is_refused(lti, refused_launch):
    _launch_refused(
        lti,
        refused_launch,
        claims={"aud": [lti.platform.client_id, "another-tool"], "azp": "another-tool"},
    )


def test_an_audience_list_without_azp_is_refused(lti, refused_launch):
    _launch_refused(
        lti,
        refused_launch,
        claims={"aud": ["another-tool", lti.platform.client_id], "azp": DROP},
    )


def test_an_unknown_issuer_is_refused(lti, refused_launch):
    _launch_refused(
        lti, refused_launch, claims={"iss": "https://moodle.attacker.example"}
    )


def test_login_initiation_from_an_unknown_issuer_or_client_is_refused(
    lti, refused_launch
):
    from tests.lti_sso.lti_fixtures import LOGIN_PATH
    from tests.lti_sso.lti_platform import login_query

    for overrides in (
        {"iss": "https://moodle.attacker.example"},
        {"client_id": "another-client"},
        {"lti_deployment_id": "99"},
    ):
        client = tool_client()
        query = login_query(lti.platform, target_link_uri=LAUNCH_URL, **overrides)
        response = client.get(f"{LOGIN_PATH}?{query}", secure=True)
        assert response.status_code in {400, 403}, overrides
        assert "Location" not in response
    refused_launch.unchanged()


def test_an_unknown_client_is_refused(lti, refused_launch):
    _launch_refused(
        lti, refused_launch, claims={"aud": "another-client", "azp": "another-client"}
    )


def test_an_unknown_deployment_is_refused(lti, refused_launch):
    _launch_refused(lti, refused_launch, claims={LTI + "deployment_id": "99"})


# -- LTI message ---------------------------------------------------------------


def test_a_wrong_lti_version_is_refused(lti, refused_launch):
    _launch_refused(lti, refused_launch, claims={LTI + "version": "1.1"})


@pytest.mark.parametrize(
    "message_type", ["LtiSubmissionReviewRequest", "LtiDeepLinkingResponse", ""]
)
def test_a_wrong_message_type_is_refused(lti, refused_launch, message_type):
    _launch_refused(lti, refused_launch, claims={LTI + "message_type": message_type})


@pytest.mark.parametrize(
    "claim",
    [
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "nonce",
        LTI + "roles",
        LTI + "deployment_id",
        LTI + "message_type",
        LTI + "version",
        LTI + "resource_link",
    ],
)
def test_a_missing_required_claim_is_refused(lti, refused_launch, claim):
    _launch_refused(lti, refused_launch, claims={claim: DROP})


def test_a_resource_link_without_id_is_refused(lti, refused_launch):
    _launch_refused(
        lti, refused_launch, claims={LTI + "resource_link": {"title": "no id"}}
    )


def test_an_empty_sub_is_refused(lti, refused_launch):
    _launch_refused(lti, refused_launch, claims={"sub": ""})


def test_a_deep_linking_request_without_settings_is_refused(lti, refused_launch):
    _launch_refused(
        lti,
        refused_launch,
        sub=PROF_SUB,
        roles=[INSTRUCTOR],
        message_type="LtiDeepLinkingRequest",
        claims={DL_SETTINGS: DROP},
    )


# -- no open redirect -----------------------------------------------------------


def test_login_never_sends_the_browser_to_a_foreign_target_link_uri(lti):
    """The platform's auth request carries the tool's own launch URL, or the
    login is refused; the foreign URL is never where the browser goes."""
    from tests.lti_sso.lti_fixtures import LOGIN_PATH
    from tests.lti_sso.lti_platform import login_query

    client = tool_client()
    query = login_query(lti.platform, target_link_uri="https://evil.example/steal")
    response = client.get(f"{LOGIN_PATH}?{query}", secure=True)
    if response.status_code == 302:
        assert response["Location"].startswith(lti.platform.auth_login_url)
        assert "evil.example" not in response["Location"]
    else:
        assert response.status_code in {400, 403}


def test_a_launch_for_a_foreign_target_link_uri_never_redirects_there(
    lti, linked, world
):
    response = lti.launch(
        sub=LEA_SUB,
        roles=[LEARNER],
        claims={LTI + "target_link_uri": "https://evil.example/steal"},
    )
    assert "evil.example" not in response.get("Location", "")
    assert b"evil.example" not in response.content
    if response.status_code == 302:
        assert response["Location"].startswith("/")
        assert not response["Location"].startswith("//")


def test_a_return_url_in_launch_presentation_is_never_followed(lti, linked):
    response = lti.launch(
        sub=LEA_SUB,
        roles=[LEARNER],
        claims={
            LTI + "launch_presentation": {
                "document_target": "iframe",
                "return_url": "https://evil.example/back",
            }
        },
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


# -- deep linking return -------------------------------------------------------


def _deep_linking_launch(lti, **options):
    response = lti.launch(
        sub=PROF_SUB,
        roles=[INSTRUCTOR],
        message_type="LtiDeepLinkingRequest",
        **options,
    )
    assert response.status_code == 302, response.content[:400]
    assert response["Location"].startswith("/lti/deep-linking/")
    return response


def test_the_deep_linking_form_posts_only_to_the_validated_return_url(
    lti, linked, world
):
    launch = _deep_linking_launch(lti)
    client = launch.client
    assignment = world.assignment("Préparer la visite du lycée Marie-Curie")
    page = csrf_post(
        client,
        launch["Location"],
        {
            "assignment": assignment.pk,
            "deep_link_return_url": "https://evil.example/collect",
            "return_url": "https://evil.example/collect",
        },
    )
    assert page.status_code == 200
    action, _fields = deep_link_form(page.content.decode())
    assert action == lti.platform.deep_link_return_url
    assert b"evil.example" not in page.content


def test_a_deep_linking_launch_id_of_another_session_is_refused(lti, linked, world):
    """The picker of a validated launch belongs to the browser that made it."""
    launch = _deep_linking_launch(lti)
    assignment = world.assignment("Préparer la visite du lycée Marie-Curie")
    for client in (world.client_for("teacher"), world.client_for("other_teacher")):
        response = client.post(
            launch["Location"], {"assignment": assignment.pk}, secure=True
        )
        assert response.status_code in {403, 404}
        assert b"JWT" not in response.content


def test_a_tampered_deep_linking_launch_id_is_refused(lti, linked, world):
    launch = _deep_linking_launch(lti)
    client = launch.client
    tampered = launch["Location"].rstrip("/") + "x/"
    for url in (tampered, "/lti/deep-linking/00000000000000000000000000000000/"):
        response = client.get(url, secure=True)
        assert response.status_code in {403, 404}


def test_a_resource_launch_gives_no_deep_linking_picker(lti, linked, world):
    """Only a validated LtiDeepLinkingRequest opens the picker: the id of a
    resource launch (or of no launch) does not."""
    launch = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR])
    assert launch.status_code == 302
    assert not launch["Location"].startswith("/lti/deep-linking/")


def test_a_learner_cannot_deep_link(lti, linked, refused_launch):
    _launch_refused(
        lti,
        refused_launch,
        sub=LEA_SUB,
        roles=[LEARNER],
        message_type="LtiDeepLinkingRequest",
    )


# -- elevation ---------------------------------------------------------------------


def test_a_learner_claiming_instructor_outside_the_signed_roles_stays_a_pupil(
    lti, linked, world
):
    """Unsigned form fields and custom parameters do not change the roles
    the platform signed."""
    response = lti.launch(
        sub=LEA_SUB,
        roles=[LEARNER],
        custom={"roles": INSTRUCTOR, "role": "Instructor"},
        extra_form={"roles": INSTRUCTOR, "role": "Instructor"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:home")
    lea = world.user("pupil")
    assert not TeachingAssignment.objects.filter(teacher=lea).exists()
    school_class = world.college_class("3e A")
    page = response.client.get(
        reverse("classes:class_detail", args=[school_class.pk]) + "suivi/",
        secure=True,
    )
    assert page.status_code in {403, 404}


def test_a_known_pupil_launching_as_instructor_is_refused(lti, linked, refused_launch):
    """The platform once said Léa is a Learner of the course; a later launch
    saying Instructor for her does not make her a teacher."""
    _launch_refused(lti, refused_launch, sub=LEA_SUB, roles=[INSTRUCTOR])


@pytest.mark.parametrize("role", [MENTOR, STAFF, ADMINISTRATOR])
def test_a_known_pupil_launching_as_staff_is_refused(lti, linked, refused_launch, role):
    _launch_refused(lti, refused_launch, sub=LEA_SUB, roles=[role])


def test_a_known_teacher_launching_as_learner_is_refused(lti, linked, refused_launch):
    """Nor does a staff account become a pupil (it would be listed in the
    class and lose nothing, but a teacher is no pupil)."""
    _launch_refused(lti, refused_launch, sub=PROF_SUB, roles=[LEARNER])


def test_a_pupil_deep_linking_as_instructor_is_refused(lti, linked, refused_launch):
    _launch_refused(
        lti,
        refused_launch,
        sub=LEA_SUB,
        roles=[INSTRUCTOR],
        message_type="LtiDeepLinkingRequest",
    )


# -- keys named by the token itself, requests to other hosts -------------------------


def test_a_key_url_in_the_token_header_is_never_fetched(lti, refused_launch, attacker):
    """jku/x5u point the tool at the attacker's keys: refused, never fetched."""
    _launch_refused(
        lti,
        refused_launch,
        token=lambda claims: attacker.sign(
            claims,
            headers={"jku": attacker.jwks_url, "x5u": attacker.jwks_url + ".pem"},
        ),
    )
    assert attacker.recorded.hits == []


def test_a_key_embedded_in_the_token_header_is_not_trusted(
    lti, refused_launch, attacker
):
    _launch_refused(
        lti,
        refused_launch,
        token=lambda claims: attacker.sign(
            claims, headers={"jwk": attacker.key.public_jwk}
        ),
    )


def test_a_single_audience_with_a_foreign_azp_is_refused(lti, refused_launch):
    _launch_refused(lti, refused_launch, claims={"azp": "another-tool"})


def test_an_audience_list_with_our_azp_is_accepted(lti, linked, world):
    """The other half of the audience rule: several audiences are fine when
    azp names us (OIDC Core 3.1.3.7)."""
    response = lti.launch(
        sub=LEA_SUB,
        roles=[LEARNER],
        claims={
            "aud": ["another-tool", lti.platform.client_id],
            "azp": lti.platform.client_id,
        },
    )
    assert response.status_code == 302
    assert response.client.session["_auth_user_id"] == str(world.user("pupil").pk)


def test_a_foreign_memberships_url_is_never_called(lti, linked, world, attacker):
    """The NRPS claim is signed by the platform, but the tool calls only the
    registered platform's origins (no request to an arbitrary URL)."""
    attacker.courses["course-3eA"] = []
    response = lti.launch(
        sub=PROF_SUB,
        roles=[INSTRUCTOR],
        claims={
            NRPS_CLAIM: {
                "context_memberships_url": attacker.memberships_url("course-3eA"),
                "service_versions": ["2.0"],
            }
        },
    )
    assert response.status_code == 302
    linked.refresh_from_db()
    assert not linked.memberships_url.startswith(attacker.base_url)
    sync = csrf_post(
        response.client,
        reverse("lti:roster_sync", args=[world.college_class("3e A").pk]),
    )
    assert sync.status_code == 302
    assert attacker.recorded.hits == []


def test_a_next_page_on_another_host_is_not_followed(lti, linked, world, attacker):
    from tests.lti_sso.lti_platform import Member

    lti.platform.courses["course-3eA"] = []
    client = lti.launch(sub=PROF_SUB, roles=[INSTRUCTOR]).client
    lti.platform.courses["course-3eA"] = [
        Member(f"moodle-p{n}", "Élève", str(n), [LEARNER]) for n in range(4)
    ]
    lti.platform.next_page_base = attacker.base_url
    attacker.courses["course-3eA"] = lti.platform.courses["course-3eA"]
    response = csrf_post(
        client, reverse("lti:roster_sync", args=[world.college_class("3e A").pk])
    )
    assert response.status_code == 302
    assert attacker.recorded.hits == []


def test_a_deep_linking_choice_is_answered_once(lti, linked, world):
    """The validated launch is used up by the answer: posting the picker
    again signs nothing more."""
    launch = _deep_linking_launch(lti)
    assignment = world.assignment("Préparer la visite du lycée Marie-Curie")
    first = csrf_post(launch.client, launch["Location"], {"assignment": assignment.pk})
    assert first.status_code == 200
    again = csrf_post(launch.client, launch["Location"], {"assignment": assignment.pk})
    assert again.status_code == 404
    assert b"JWT" not in again.content


def test_an_email_claim_never_opens_an_existing_account(lti, linked, world):
    """A new person whose platform email is the teacher's: another account,
    without that email (accounts are never matched by email)."""
    from lti_sso.models import LtiIdentity

    prof = world.user("teacher")
    response = lti.launch(
        sub="moodle-impostor", roles=[LEARNER], email=prof.email.upper()
    )
    assert response.status_code == 302
    user = LtiIdentity.objects.get(sub="moodle-impostor").user
    assert user != prof
    assert user.email == ""
    assert response.client.session["_auth_user_id"] == str(user.pk)


def test_a_small_clock_difference_is_tolerated(lti, linked):
    """The other side of the time checks: a platform 20 s ahead still works."""
    now = int(time.time())
    response = lti.launch(
        sub=LEA_SUB, roles=[LEARNER], claims={"iat": now + 20, "exp": now + 320}
    )
    assert response.status_code == 302


def test_a_deep_linking_return_url_on_another_host_is_refused(
    lti, refused_launch, attacker
):
    """Even signed, a return URL outside the registered platform's origins
    is never where the tool's signed response goes."""
    _launch_refused(
        lti,
        refused_launch,
        sub=PROF_SUB,
        roles=[INSTRUCTOR],
        message_type="LtiDeepLinkingRequest",
        claims={
            DL_SETTINGS: {
                "deep_link_return_url": attacker.deep_link_return_url,
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"],
                "data": "x",
            }
        },
    )
    assert attacker.recorded.hits == []
