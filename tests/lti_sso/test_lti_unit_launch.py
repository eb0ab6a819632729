"""The checks the tool adds to pylti1p3: the nonce replay cache, the strict
audience (aud / azp), the registered deployment, the state.

The platform here is a key pair made for the test run whose public JWKS is
pasted into the registration (no HTTP server: the end-to-end tests against
the in-process platform are in test_lti_launch.py and test_lti_attacks.py).
"""

import json
import time
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.test import Client
from django.utils.html import escape
from django.utils.translation import gettext
from jwcrypto.jwk import JWK

from classes.demo import COLLEGE_UAI
from classes.models import School
from lti_sso.lti import launch as launch_module
from lti_sso.lti.registration import register_platform
from lti_sso.models import LtiIdentity

ISSUER = "https://moodle.example.fr"
CLIENT_ID = "webclasseur-college"
DEPLOYMENT = "1"
KID = "platform-key-1"
LAUNCH_URL = "https://testserver/lti/launch/"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@pytest.fixture(scope="module")
def platform_key():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = json.loads(JWK.from_pem(pem).export_public())
    public.update(kid=KID, alg="RS256", use="sig")
    return pem, {"keys": [public]}


@pytest.fixture
def registered(world, platform_key):
    """A Moodle of the demo collège whose keys are pasted, its course linked
    to 3e A, and Léa known to it."""
    from lti_sso.models import LtiContext

    _pem, jwks = platform_key
    platform = register_platform(
        school=School.objects.get(uai=COLLEGE_UAI),
        name="Moodle",
        issuer=ISSUER,
        client_id=CLIENT_ID,
        auth_login_url=ISSUER + "/mod/lti/auth.php",
        auth_token_url=ISSUER + "/mod/lti/token.php",
        key_set=json.dumps(jwks),
        deployment_ids=[DEPLOYMENT],
    )
    LtiContext.objects.create(
        platform=platform,
        context_id="course-3eA",
        title="3e A",
        school_class=world.college_class("3e A"),
    )
    LtiIdentity.objects.create(platform=platform, sub="lea", user=world.user("pupil"))
    return platform


def _login(client: Client) -> tuple[str, str]:
    query = urlencode(
        {
            "iss": ISSUER,
            "login_hint": "hint",
            "target_link_uri": LAUNCH_URL,
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT,
        }
    )
    response = client.get(f"/lti/login/?{query}", secure=True)
    assert response.status_code == 302, response.content[:300]
    params = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith(ISSUER + "/mod/lti/auth.php?")
    assert params["redirect_uri"] == [LAUNCH_URL]
    return params["state"][0], params["nonce"][0]


def _claims(nonce: str, **changes: object) -> dict:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "lea",
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        CLAIM + "message_type": "LtiResourceLinkRequest",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": DEPLOYMENT,
        CLAIM + "target_link_uri": LAUNCH_URL,
        CLAIM + "resource_link": {"id": "link-1"},
        CLAIM + "roles": [LEARNER],
        CLAIM + "context": {"id": "course-3eA", "title": "3e A"},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _launch(client: Client, platform_key, state: str, claims: dict):
    pem, _jwks = platform_key
    token = jwt.encode(claims, pem, algorithm="RS256", headers={"kid": KID})
    return client.post("/lti/launch/", {"id_token": token, "state": state}, secure=True)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_genuine_launch_logs_the_pupil_in(registered, platform_key, world):
    client = Client()
    state, nonce = _login(client)
    response = _launch(client, platform_key, state, _claims(nonce))
    assert response.status_code == 302, response.content[:400]
    assert response["Location"] == "/parcours/"
    assert int(client.session["_auth_user_id"]) == world.user("pupil").pk


def test_a_nonce_another_app_server_accepted_is_refused(registered, platform_key):
    """The nonce cache is the shared cache: once any server accepted a token
    with this nonce, no server accepts it again, even with a valid state."""
    client = Client()
    state, nonce = _login(client)
    # What the first app server wrote when it accepted the token.
    assert cache.add(launch_module._nonce_key(ISSUER, nonce), 1, 60)
    response = _launch(client, platform_key, state, _claims(nonce))
    assert response.status_code == 403
    assert not _logged_in(client)


def test_the_same_token_posted_twice_is_refused(registered, platform_key):
    client = Client()
    state, nonce = _login(client)
    pem, _ = platform_key
    token = jwt.encode(_claims(nonce), pem, algorithm="RS256", headers={"kid": KID})
    first = client.post(
        "/lti/launch/", {"id_token": token, "state": state}, secure=True
    )
    assert first.status_code == 302
    again = Client()
    again.cookies = client.cookies
    replay = again.post(
        "/lti/launch/", {"id_token": token, "state": state}, secure=True
    )
    assert replay.status_code == 403


def test_the_nonce_cache_outlives_every_accepted_token(registered, platform_key):
    """A nonce is forgotten only after a token carrying it can no longer be
    accepted (too old, whatever its exp says)."""
    assert launch_module.NONCE_TTL > launch_module.MAX_TOKEN_AGE + launch_module.LEEWAY
    client = Client()
    state, nonce = _login(client)
    old = int(time.time()) - launch_module.MAX_TOKEN_AGE - 10
    claims = _claims(nonce, iat=old, exp=old + 10 * 3600)
    assert _launch(client, platform_key, state, claims).status_code == 403


def test_a_nonce_that_is_not_the_one_issued_for_the_state_is_refused(
    registered, platform_key
):
    client = Client()
    state, _nonce = _login(client)
    claims = _claims(uuid.uuid4().hex)
    assert _launch(client, platform_key, state, claims).status_code == 403
    assert not _logged_in(client)


@pytest.mark.parametrize(
    ("aud", "azp", "accepted"),
    [
        (CLIENT_ID, None, True),
        ([CLIENT_ID], None, True),
        ("another-tool", None, False),
        (["another-tool"], None, False),
        # Several audiences: azp must name us.
        ([CLIENT_ID, "another-tool"], None, False),
        (["another-tool", CLIENT_ID], CLIENT_ID, True),
        ([CLIENT_ID, "another-tool"], "another-tool", False),
        # azp, when sent, must be our client ID.
        (CLIENT_ID, "another-tool", False),
        (CLIENT_ID, CLIENT_ID, True),
    ],
)
def test_the_audience_must_be_us(registered, platform_key, aud, azp, accepted):
    client = Client()
    state, nonce = _login(client)
    response = _launch(client, platform_key, state, _claims(nonce, aud=aud, azp=azp))
    assert response.status_code == (302 if accepted else 403)
    assert _logged_in(client) is accepted


def test_a_deployment_not_registered_for_the_platform_is_refused(
    registered, platform_key
):
    client = Client()
    state, nonce = _login(client)
    claims = _claims(nonce, **{CLAIM + "deployment_id": "2"})
    response = _launch(client, platform_key, state, claims)
    assert response.status_code == 403
    reason = gettext(
        "This platform or this deployment is not registered in the "
        "Webclasseur: you are not logged in."
    )
    assert escape(reason) in response.content.decode()


def test_the_login_of_an_unknown_deployment_is_refused(registered):
    query = urlencode(
        {
            "iss": ISSUER,
            "login_hint": "hint",
            "client_id": CLIENT_ID,
            "lti_deployment_id": "nope",
        }
    )
    assert Client().get(f"/lti/login/?{query}", secure=True).status_code == 403


def test_a_state_cookie_of_another_browser_is_refused(registered, platform_key):
    client = Client()
    state, nonce = _login(client)
    stranger = Client()  # no state cookie
    response = _launch(stranger, platform_key, state, _claims(nonce))
    assert response.status_code == 403
    assert not _logged_in(stranger)


@pytest.mark.parametrize(
    "changes",
    [
        {CLAIM + "version": "1.1"},
        {CLAIM + "message_type": "LtiSubmissionReviewRequest"},
        {CLAIM + "roles": None},
        {"sub": None},
        {CLAIM + "target_link_uri": "https://evil.example.org/lti/launch/"},
        {CLAIM + "resource_link": None},
    ],
)
def test_wrong_messages_are_refused(registered, platform_key, changes):
    client = Client()
    state, nonce = _login(client)
    response = _launch(client, platform_key, state, _claims(nonce, **changes))
    assert response.status_code == 403
    assert not _logged_in(client)


def _frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(
        d.strip() for d in policy.split(";") if d.strip().startswith("frame-ancestors")
    )


def test_an_lti_session_is_framed_by_its_platform_only(registered, platform_key):
    client = Client()
    state, nonce = _login(client)
    launch = _launch(client, platform_key, state, _claims(nonce))
    cookie = launch.cookies["sessionid"]
    assert cookie["samesite"] == "None"
    assert cookie["secure"]
    page = client.get("/parcours/", secure=True)
    assert page.status_code == 200
    assert _frame_ancestors(page) == f"frame-ancestors {ISSUER}"
    assert "X-Frame-Options" not in page


def test_other_sessions_are_never_framed(world, registered):
    page = world.client_for("pupil").get("/parcours/")
    assert page.status_code == 200
    assert _frame_ancestors(page) == "frame-ancestors 'none'"
    assert page["X-Frame-Options"] == "DENY"


def test_a_refused_login_may_be_shown_in_the_platform_frame_only(registered):
    query = urlencode(
        {
            "iss": ISSUER,
            "login_hint": "h",
            "client_id": CLIENT_ID,
            "lti_deployment_id": "x",
        }
    )
    refused = Client().get(f"/lti/login/?{query}", secure=True)
    assert refused.status_code == 403
    assert _frame_ancestors(refused) == f"frame-ancestors {ISSUER}"
    unknown = Client().get(
        "/lti/login/?"
        + urlencode({"iss": "https://evil.example.org", "login_hint": "h"}),
        secure=True,
    )
    assert unknown.status_code == 403
    assert _frame_ancestors(unknown) == "frame-ancestors 'none'"


NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        (ISSUER + "/mod/lti/services.php/2/memberships", True),
        ("https://evil.example.org/memberships", False),
        ("http://moodle.example.fr/memberships", False),
        ("https://moodle.example.fr.evil.example.org/memberships", False),
        ("file:///etc/passwd", False),
    ],
)
def test_only_a_memberships_url_of_the_platform_is_kept(
    registered, platform_key, url, kept
):
    """No request to an arbitrary URL: the NRPS URL of a launch is kept only
    on the registered platform's origins (refreshes fail quietly offline)."""
    from django.utils import timezone

    from lti_sso.models import LtiContext

    # Synced a moment ago: the launch sends no request (no network here).
    LtiContext.objects.filter(platform=registered).update(
        roster_synced_at=timezone.now()
    )
    client = Client()
    state, nonce = _login(client)
    claims = _claims(
        nonce,
        **{NRPS: {"context_memberships_url": url, "service_versions": ["2.0"]}},
    )
    assert _launch(client, platform_key, state, claims).status_code == 302
    context = LtiContext.objects.get(platform=registered, context_id="course-3eA")
    assert (context.memberships_url == url) is kept
    if not kept:
        assert context.memberships_url == ""
